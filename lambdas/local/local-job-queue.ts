import { randomUUID } from 'node:crypto';
import type { EventBus, Item, Job, JobQueue, Logger, MailroomEvent, Table } from '../ports';

/** Local jobs share the table, in a partition of their own, ordered by when they are due. */
export const JOBS_PARTITION = 'LOCAL#JOBS';
const dueKey = (dueMs: number, id: string) => `${String(dueMs).padStart(15, '0')}#${id}`;

interface JobItem extends Item {
  job: Job;
}

/**
 * The laptop's stand-in for SQS and EventBridge Scheduler: jobs are items in DynamoDB Local (which
 * `npm start` keeps on disk), so a retry planned before a restart still runs after it. A poller
 * runs due jobs; a job that throws is tried again a little later, as a queue would redeliver it.
 */
export class LocalJobQueue implements JobQueue, EventBus {
  private timer?: NodeJS.Timeout;
  private running = new Set<string>();
  /**
   * Jobs this process has taken, kept a while after they finish: a poll that read the queue before a job's
   * item was deleted must not run it again.
   */
  private taken = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly table: Table,
    private readonly run: (job: Job) => Promise<void>,
    private readonly log: Logger,
    private readonly pollMs = 100,
  ) {}

  async enqueue(job: Job, notBefore: Date = new Date()): Promise<void> {
    const item: JobItem = { pk: JOBS_PARTITION, sk: dueKey(notBefore.getTime(), randomUUID()), job };
    await this.table.put(item);
    // A job due now runs at once, without a poll reading back what was just written; the polls find jobs that
    // come due later, retries, and jobs left from before a restart.
    if (this.timer && notBefore.getTime() <= Date.now()) this.take(item, Date.now());
    else this.kick();
  }

  /** Publishing an event locally means fanning it out to webhooks, through the same durable queue. */
  publish(event: MailroomEvent): Promise<void> {
    return this.enqueue({ kind: 'fan-out', event });
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops taking jobs and waits for the running ones; what is not due yet stays in the table for the next start. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
    while (this.running.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once nothing is running and nothing is due (tests wait on it). */
  async idle(): Promise<void> {
    for (;;) {
      const due = await this.dueJobs(1);
      if (due.length === 0 && this.running.size === 0) return;
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private polling = false;
  private stopped = false;

  private kick(): void {
    if (this.polling || this.stopped) return;
    this.polling = true;
    void this.poll()
      .catch((err: Error) => this.log.warn('local job queue poll failed', { error: err.message }))
      .finally(() => {
        this.polling = false;
        for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }

  private dueJobs(limit: number): Promise<JobItem[]> {
    return this.table
      .query<JobItem>({ pk: JOBS_PARTITION, skPrefix: '', skFrom: '0', skTo: dueKey(Date.now(), '~'), limit })
      .then((page) => page.items.filter((i) => !this.taken.has(i.sk)));
  }

  private async poll(): Promise<void> {
    const now = Date.now();
    for (const [sk, at] of this.taken) if (!this.running.has(sk) && now - at > 60_000) this.taken.delete(sk);
    const due = await this.dueJobs(25);
    // A poll still reading when the queue stopped takes nothing: what it read stays for the next start.
    if (this.stopped) return;
    for (const item of due) this.take(item, now);
  }

  /** A job is taken once: a poll already reading may find a job that its enqueue is about to take too. */
  private take(item: JobItem, now: number): void {
    if (this.taken.has(item.sk)) return;
    this.taken.set(item.sk, now);
    this.running.add(item.sk);
    void this.execute(item);
  }

  private async execute(item: JobItem): Promise<void> {
    try {
      try {
        await this.run(item.job);
      } catch (err) {
        this.log.warn('local job failed; it will be tried again', { kind: item.job.kind, error: (err as Error).message });
        await this.table.put({ ...item, sk: dueKey(Date.now() + 5000, randomUUID()) });
      }
      await this.table.delete(item);
    } catch (err) {
      // The table is gone (the stack is stopping): the job stays where it is and runs after the next start.
      this.log.warn('local job left for the next start', { kind: item.job.kind, error: (err as Error).message });
    } finally {
      this.running.delete(item.sk);
      for (const wake of this.idleWaiters.splice(0)) wake();
      this.kick();
    }
  }
}
