import { encodeTime } from 'ulid';
import type { CoreDeps } from '../../lambdas/core/deps';
import { waitForMessage } from '../../lambdas/core/messages/wait-for-message';
import { LocalArrivals } from '../../lambdas/local/local-arrivals';
import type { Item, QueryInput, Table } from '../../lambdas/ports';

/**
 * How soon a wait notices new mail is a matter of when it looks, so it is checked in the test clock's time:
 * exact, and unaffected by how busy the machine running the tests is.
 */
const inbox = { pk: 'O#org_t', sk: 'I#inb_t', type: 'inbox', id: 'inb_t', orgId: 'org_t' };
let messages: Item[];
let queries: number;
/** Summaries the reads returned. */
let itemsRead: number;
/** Reads of the newest message alone, between looks. */
let topChecks: number;
/** Runs inside a look, after its read: mail stored while a look is under way. */
let duringLook: (() => void) | undefined;
/** Where DynamoDB would cut a page short (at 1 MB of items), in items. */
let pageCut: number | undefined;

/** Just the reads a wait makes: the inbox, and its newest messages. */
const table = {
  get: async (key: { pk: string; sk: string }) => (key.sk === inbox.sk ? inbox : undefined),
  query: async (input: QueryInput) => {
    queries++;
    if (input.limit === 1) topChecks++;
    const all = messages
      .filter((m) => m.pk === input.pk && m.sk.startsWith(input.skPrefix) && (!input.skFrom || m.sk >= input.skFrom) && (!input.skTo || m.sk <= input.skTo))
      .sort((a, b) => b.sk.localeCompare(a.sk));
    const from = input.startAfter ? all.findIndex((m) => m.sk === input.startAfter!.sk) + 1 : 0;
    const items = all.slice(from, from + Math.min(input.limit ?? all.length, pageCut ?? Infinity));
    itemsRead += items.length;
    duringLook?.();
    return { items, lastKey: from + items.length < all.length ? items[items.length - 1] : undefined };
  },
} as unknown as Table;
const deps = { table, clock: { now: () => new Date() } } as unknown as CoreDeps;

/** Message `n`, received at `at` (now by default): its id sorts by that time, then by `n`. */
const message = (n: number, at = new Date()): Item => {
  const id = `msg_${encodeTime(at.getTime(), 10)}${String(n).padStart(16, '0')}`;
  return {
    pk: 'O#org_t#I#inb_t',
    sk: `M#${id}`,
    id,
    subject: `message ${n}`,
    from: { name: 'Robot', address: 'robot@example.com' },
    receivedAt: at.toISOString(),
    hasAttachments: false,
    quarantined: false,
    extracted: { codes: [], links: [], codesWithheld: null },
  };
};
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
  messages = [];
  queries = 0;
  itemsRead = 0;
  topChecks = 0;
  duringLook = undefined;
  pageCut = undefined;
});
afterEach(() => jest.useRealTimers());

describe('how soon a wait answers', () => {
  it('answers at once, with one read, when a matching message is already there', async () => {
    messages.push(message(1));
    const result = await waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 25 });
    expect(result.message?.subject).toBe('message 1');
    expect(queries).toBe(1);
  });

  it('reads back the newest 100 messages in two requests: the newest 20, then the 80 below them', async () => {
    // Message ids sort as the numbers do: 999 is the newest.
    for (let n = 880; n <= 999; n++) messages.push(message(n));
    const look = (subjectContains: string) => waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 0, subjectContains });
    expect((await look('message 990')).message?.subject).toBe('message 990');
    expect(queries).toBe(1);
    queries = 0;
    expect((await look('message 950')).message?.subject).toBe('message 950');
    expect(queries).toBe(2);
    queries = 0;
    expect(await look('message 899')).toEqual({ timedOut: true, message: null });
    expect(queries).toBe(2);
  });

  it('keeps reading, still 100 messages back, where pages come back cut short', async () => {
    for (let n = 880; n <= 999; n++) messages.push(message(n));
    pageCut = 30;
    const look = (subjectContains: string) => waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 0, subjectContains });
    expect((await look('message 905')).message?.subject).toBe('message 905');
    expect(queries).toBe(4);
    queries = 0;
    expect(await look('message 899')).toEqual({ timedOut: true, message: null });
    expect(queries).toBe(4);
  });

  it.each([0.05, 2, 10, 24])('returns a message that arrives %s s into the wait within 200 ms of its arrival', async (arrivesAfter) => {
    let settled: number | undefined;
    const since = new Date().toISOString();
    const started = Date.now();
    void waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 25, since }).then((r) => {
      settled = Date.now();
      expect(r.message?.subject).toBe('message 2');
    });
    await jest.advanceTimersByTimeAsync(arrivesAfter * 1000);
    messages.push(message(2));
    const arrival = Date.now();
    await jest.advanceTimersByTimeAsync(200);
    expect(settled).toBeDefined();
    expect(settled! - arrival).toBeLessThanOrEqual(200);
    expect(settled! - started).toBeGreaterThanOrEqual(arrivesAfter * 1000);
  });

  it('finds mail stored minutes after it was received (a retried delivery), beneath newer mail, at its next look', async () => {
    messages.push(message(5));
    let settled: number | undefined;
    void waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 25, subjectContains: 'message 3' }).then((r) => {
      settled = Date.now();
      expect(r.message?.subject).toBe('message 3');
    });
    await jest.advanceTimersByTimeAsync(5000);
    messages.push(message(3, minutesAgo(9)));
    const arrival = Date.now();
    await jest.advanceTimersByTimeAsync(1000);
    expect(settled! - arrival).toBeLessThanOrEqual(1000);
  });

  it('after its first look reads only mail received in the last ten minutes: a long wait on a full inbox reads its 100 newest summaries once', async () => {
    for (let n = 1; n <= 150; n++) messages.push(message(n, minutesAgo(60)));
    const waiting = waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 25, subjectContains: 'not there' });
    await jest.advanceTimersByTimeAsync(25_000);
    expect(await waiting).toEqual({ timedOut: true, message: null });
    expect(itemsRead).toBe(100);
  });

  it('leaves mail stored more than ten minutes after it was received to the next wait, which finds it at once', async () => {
    messages.push(message(1));
    const waiting = waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 5, subjectContains: 'message 7' });
    await jest.advanceTimersByTimeAsync(1000);
    messages.push(message(7, minutesAgo(11)));
    await jest.advanceTimersByTimeAsync(4000);
    expect(await waiting).toEqual({ timedOut: true, message: null });
    queries = 0;
    expect((await waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 5, subjectContains: 'message 7' })).message?.subject).toBe('message 7');
    expect(queries).toBe(1);
  });

  it('costs about thirty looks and five one-item reads a second over a whole 25-second wait, then times out cleanly', async () => {
    const waiting = waitForMessage(deps, 'org_t', 'inb_t', { timeoutSeconds: 25 });
    await jest.advanceTimersByTimeAsync(25_000);
    expect(await waiting).toEqual({ timedOut: true, message: null });
    expect(queries - topChecks).toBeLessThanOrEqual(30);
    expect(topChecks).toBeLessThanOrEqual(110);
  });
});

describe('with word of arrivals (the local stack, one process)', () => {
  const arrivals = new LocalArrivals();
  const bus = arrivals.announcing({ publish: async () => undefined });
  const withArrivals = { ...deps, arrivals } as CoreDeps;
  const store = async (n: number) => {
    const stored = message(n);
    messages.push(stored);
    await bus.publish({ id: `evt_${n}`, type: 'message.received', timestamp: new Date().toISOString(), orgId: 'org_t', inboxId: 'inb_t', data: stored });
  };

  it('answers the moment the message is stored, not at its next look', async () => {
    let settledAt: number | undefined;
    void waitForMessage(withArrivals, 'org_t', 'inb_t', { timeoutSeconds: 25 }).then((r) => {
      settledAt = Date.now();
      expect(r.message?.subject).toBe('message 3');
    });
    await jest.advanceTimersByTimeAsync(10_250);
    const readsBefore = queries;
    await store(3);
    const storedAt = Date.now();
    await jest.advanceTimersByTimeAsync(0);
    expect(settledAt).toBe(storedAt);
    expect(queries).toBe(readsBefore + 1);
  });

  it('is not woken by mail it does not wait for: many waits on one busy inbox look only when their own arrives', async () => {
    const settled: string[] = [];
    for (const n of [11, 12, 13]) {
      void waitForMessage(withArrivals, 'org_t', 'inb_t', { timeoutSeconds: 25, subjectContains: `message ${n}` }).then((r) => settled.push(r.message!.subject));
    }
    await jest.advanceTimersByTimeAsync(10_250);
    const readsBefore = queries;
    await store(12);
    await jest.advanceTimersByTimeAsync(0);
    expect(settled).toEqual(['message 12']);
    expect(queries).toBe(readsBefore + 1);
    await store(11);
    await store(13);
    await jest.advanceTimersByTimeAsync(0);
    expect(settled).toEqual(['message 12', 'message 11', 'message 13']);
    expect(queries).toBe(readsBefore + 3);
  });

  it('hears of mail stored while a look is under way, and looks again at once', async () => {
    let settledAt: number | undefined;
    duringLook = () => {
      if (queries === 1) void store(4);
    };
    const started = Date.now();
    void waitForMessage(withArrivals, 'org_t', 'inb_t', { timeoutSeconds: 25, subjectContains: 'message 4' }).then((r) => {
      settledAt = Date.now();
      expect(r.message?.subject).toBe('message 4');
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(queries).toBe(2);
    expect(settledAt).toBe(started);
  });

  it('wakes a wait whose filter cannot judge the news, and never fails the delivery that tells it', async () => {
    const watch = arrivals.watch('org_t', 'inb_t', () => {
      throw new Error('cannot judge');
    });
    await expect(bus.publish({ id: 'evt_x', type: 'message.received', timestamp: new Date().toISOString(), orgId: 'org_t', inboxId: 'inb_t', data: null })).resolves.toBeUndefined();
    let woke = false;
    void watch.next(25_000).then(() => (woke = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(woke).toBe(true);
    watch.close();
  });

  it('finds mail it is told of however long ago it was received (mail the spool replays after a restart)', async () => {
    messages.push(message(1));
    let settled: string | undefined;
    void waitForMessage(withArrivals, 'org_t', 'inb_t', { timeoutSeconds: 25, subjectContains: 'message 9' }).then((r) => (settled = r.message?.subject));
    await jest.advanceTimersByTimeAsync(3000);
    const replayed = message(9, minutesAgo(60));
    messages.push(replayed);
    await bus.publish({ id: 'evt_9', type: 'message.received', timestamp: new Date().toISOString(), orgId: 'org_t', inboxId: 'inb_t', data: replayed });
    await jest.advanceTimersByTimeAsync(0);
    expect(settled).toBe('message 9');
  });

  it('hears of the copy of mail the inbox sent', async () => {
    let settled: string | undefined;
    void waitForMessage(withArrivals, 'org_t', 'inb_t', { timeoutSeconds: 25, subjectContains: 'message 5' }).then((r) => (settled = r.message?.subject));
    await jest.advanceTimersByTimeAsync(500);
    messages.push(message(5));
    await bus.publish({ id: 'evt_5', type: 'message.sent', timestamp: new Date().toISOString(), orgId: 'org_t', inboxId: 'inb_t', data: message(5) });
    await jest.advanceTimersByTimeAsync(0);
    expect(settled).toBe('message 5');
  });

  it('still looks once a second, for what is not told (a sent copy whose sending failed)', async () => {
    const waiting = waitForMessage(withArrivals, 'org_t', 'inb_t', { timeoutSeconds: 25, subjectContains: 'failed send' });
    await jest.advanceTimersByTimeAsync(2500);
    messages.push({ ...message(6), subject: 'failed send' });
    await jest.advanceTimersByTimeAsync(600);
    expect((await waiting).message?.subject).toBe('failed send');
    expect(queries).toBe(4);
  });
});
