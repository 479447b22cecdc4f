import type { Item, Job, Table } from '../../lambdas/ports';
import { LocalJobQueue } from '../../lambdas/local/local-job-queue';
import { startBackends, type Backends } from '../support/backends';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const job = (n: number): Job => ({ kind: 'deliver', orgId: 'org_jobs', webhookId: 'wh_1', deliveryId: `dlv_${n}` });
const HOUR = 3600_000;

describe('the local job queue', () => {
  let backends: Backends;
  /** Every queue a test makes is stopped after it, so none takes the next test's jobs. */
  const queues: LocalJobQueue[] = [];
  const queueOf = (...args: ConstructorParameters<typeof LocalJobQueue>) => {
    const queue = new LocalJobQueue(...args);
    queues.push(queue);
    return queue;
  };
  afterEach(async () => {
    for (const queue of queues.splice(0)) await queue.stop();
  });
  beforeAll(async () => {
    backends = await startBackends();
    // The queues below are the only ones taking jobs from the table.
    await backends.jobs.stop();
  });
  afterAll(() => backends.stop());

  it('runs a job due now as soon as it is stored, without a poll reading it back, and once only', async () => {
    // Jobs some query has read back from the table so far.
    const readBack = new Set<string>();
    const table = Object.assign(Object.create(backends.deps.table) as Table, {
      query: async (q: Parameters<Table['query']>[0]) => {
        const page = await backends.deps.table.query<Item & { job: Job }>(q);
        for (const item of page.items) readBack.add(JSON.stringify(item.job));
        return page;
      },
    });
    const ran: { job: Job; readBackFirst: boolean }[] = [];
    const queue = queueOf(table, async (j) => void ran.push({ job: j, readBackFirst: readBack.has(JSON.stringify(j)) }), quiet, HOUR);
    queue.start();
    await queue.idle();
    await queue.enqueue(job(1));
    await queue.enqueue(job(2));
    await queue.idle();
    expect(ran).toEqual([{ job: job(1), readBackFirst: false }, { job: job(2), readBackFirst: false }]);
  });

  it('runs a job once when a poll that was already reading finds it before the enqueue that stored it finishes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let pollRead!: () => void;
    const read = new Promise<void>((resolve) => (pollRead = resolve));
    const table = Object.assign(Object.create(backends.deps.table) as Table, {
      // The first poll reads only after the job is stored...
      query: async (q: Parameters<Table['query']>[0]) => {
        await gate;
        const page = await backends.deps.table.query(q);
        pollRead();
        return page;
      },
      // ...and the put returns only after that poll has seen the job.
      put: async (item: Parameters<Table['put']>[0]) => {
        await backends.deps.table.put(item);
        release();
        await read;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    const ran: Job[] = [];
    const queue = queueOf(table, async (j) => void ran.push(j), quiet, HOUR);
    queue.start();
    await queue.enqueue(job(7));
    await queue.idle();
    expect(ran).toEqual([job(7)]);
  });

  it('keeps a job due later, and a job enqueued while stopped, in the table for the queue that starts next', async () => {
    const first: Job[] = [];
    const stopped = queueOf(backends.deps.table, async (j) => void first.push(j), quiet, 20);
    stopped.start();
    await stopped.stop();
    await stopped.enqueue(job(3));
    const later = queueOf(backends.deps.table, async (j) => void first.push(j), quiet, 20);
    later.start();
    await later.enqueue(job(4), new Date(Date.now() + 3000));
    await later.idle();
    expect(first).toEqual([job(3)]);
    await new Promise((resolve) => setTimeout(resolve, 3200));
    await later.idle();
    expect(first).toEqual([job(3), job(4)]);
  });

  it('takes nothing from a poll that was still reading when the queue stopped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const table = Object.assign(Object.create(backends.deps.table) as Table, {
      query: async (q: Parameters<Table['query']>[0]) => {
        await gate;
        return backends.deps.table.query(q);
      },
    });
    const ran: Job[] = [];
    const queue = queueOf(table, async (j) => void ran.push(j), quiet, HOUR);
    queue.start();
    await queue.stop();
    await queue.enqueue(job(6));
    release();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ran).toEqual([]);
    // Left for the next start, as a job enqueued while stopped is.
    const next = queueOf(backends.deps.table, async (j) => void ran.push(j), quiet, 20);
    next.start();
    await next.idle();
    expect(ran).toEqual([job(6)]);
  });

  it('tries a failed job again later instead of dropping it', async () => {
    let attempts = 0;
    const queue = queueOf(backends.deps.table, async () => {
      attempts++;
      if (attempts === 1) throw new Error('webhook receiver down');
    }, quiet, 50);
    queue.start();
    await queue.enqueue(job(5));
    await queue.idle();
    expect(attempts).toBe(1);
    // The retry is planned 5 s out, as a queue's visibility timeout would bring the message back.
    await new Promise((resolve) => setTimeout(resolve, 5200));
    await queue.idle();
    expect(attempts).toBe(2);
  }, 15_000);
});
