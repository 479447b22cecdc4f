import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SESEvent } from 'aws-lambda';
import type { Blobs, Logger } from '../ports';
import { writeDurably } from './durable-files';
import { sesEventFor } from './ses-stand-in';

export interface Envelope {
  from: string;
  recipients: string[];
}

interface SpoolEntry {
  event: SESEvent;
  rawKey: string;
}

/** A blob store that can take a durable file as an object without writing its bytes again (the embedded one). */
export interface SpoolBlobs extends Blobs {
  adopt?(key: string, file: string, body: Buffer): Promise<void>;
}

const ATTEMPTS = 3;
const RETRY_DELAY_MS = [1000, 5000];
/**
 * Entries processed at once. A burst beyond it waits its turn on disk, as mail waits for Lambda's concurrency,
 * instead of every accepted message being read into memory and sent to the servers at the same moment.
 */
export const SPOOL_PARALLELISM = 16;

/**
 * Plays the part of SES between "250 OK" and the parser: accepted mail is fsynced into the spool
 * before the SMTP reply, then stored and parsed in the background. Entries survive a crash or
 * Ctrl-C and are replayed on the next start; after three failed attempts an entry moves to
 * `failed/` (the local dead-letter queue) instead of vanishing.
 */
export class InboundSpool {
  private readonly dir: string;
  private readonly failedDir: string;
  private readonly inFlight = new Set<Promise<void>>();
  private processing = 0;
  private readonly turns: (() => void)[] = [];

  constructor(
    dataDir: string,
    private readonly blobs: SpoolBlobs,
    private readonly inboundPrefix: string,
    private readonly parse: (event: SESEvent) => Promise<unknown>,
    private readonly log: Logger,
    /** Resolves once what the parser stored is on disk, where the store syncs in groups (the embedded table). */
    private readonly stored: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.dir = join(dataDir, 'spool');
    this.failedDir = join(this.dir, 'failed');
    mkdirSync(this.failedDir, { recursive: true });
  }

  /** Resolves once the mail is durably on disk; processing continues in the background. */
  async accept(raw: Buffer, envelope: Envelope): Promise<string> {
    // Opaque and unique per accepted message, as SES message ids are.
    const messageId = randomBytes(20).toString('hex');
    const entry: SpoolEntry = {
      event: sesEventFor({ messageId, receivedAt: new Date(), from: envelope.from, recipients: envelope.recipients }),
      rawKey: `${this.inboundPrefix}${messageId}`,
    };
    await writeDurably(join(this.dir, `${messageId}.eml`), raw);
    // Written aside and renamed, so a crash mid-write never leaves a half entry for the replay to trip on.
    await writeDurably(join(this.dir, `${messageId}.json.tmp`), Buffer.from(JSON.stringify(entry)));
    await rename(join(this.dir, `${messageId}.json.tmp`), join(this.dir, `${messageId}.json`));
    this.track(this.processInTurn(messageId, { entry, raw }));
    return messageId;
  }

  /** Re-processes whatever was accepted but not finished before the last stop. */
  async replay(): Promise<number> {
    const files = await readdir(this.dir);
    const pending = new Set(files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)));
    // Raw mail with no entry was cut off before its 250 (the entry is written second) or finished just before a stop;
    // an entry still aside was cut off before its 250 too.
    const orphans = files.filter((f) => f.endsWith('.json.tmp') || (f.endsWith('.eml') && !pending.has(f.slice(0, -'.eml'.length))));
    await Promise.all(orphans.map((f) => unlink(join(this.dir, f)).catch(() => undefined)));
    for (const id of pending) this.track(this.processInTurn(id));
    return pending.size;
  }

  /** Waits for everything accepted so far to be stored (or parked in failed/). */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    work.then(() => this.inFlight.delete(work), () => this.inFlight.delete(work));
  }

  /** `accepted` is the entry still in memory from `accept`; a replay, or mail that waits its turn, reads it from disk. */
  private async processInTurn(id: string, accepted?: { entry: SpoolEntry; raw: Buffer }): Promise<void> {
    // Mail waiting its turn is not held in memory: a burst of large messages would otherwise all be.
    if (this.processing >= SPOOL_PARALLELISM) accepted = undefined;
    while (this.processing >= SPOOL_PARALLELISM) await new Promise<void>((resolve) => this.turns.push(resolve));
    this.processing++;
    try {
      await this.process(id, accepted);
    } finally {
      this.processing--;
      this.turns.shift()?.();
    }
  }

  private async process(id: string, accepted?: { entry: SpoolEntry; raw: Buffer }): Promise<void> {
    const rawFile = join(this.dir, `${id}.eml`);
    for (let attempt = 1; ; attempt++) {
      try {
        const entry = accepted?.entry ?? (JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as SpoolEntry);
        // As SES does: the S3 action stores the raw object, then the Lambda action runs the parser.
        const raw = accepted?.raw ?? (await readFile(rawFile));
        if (this.blobs.adopt) await this.blobs.adopt(entry.rawKey, rawFile, raw);
        else await this.blobs.put(entry.rawKey, raw, 'message/rfc822');
        await this.parse(entry.event);
        // The spool lets go of the mail only once the stores hold it durably.
        await this.stored();
        // The entry goes first: once it is gone the mail is done, whatever happens to the rest.
        await unlink(join(this.dir, `${id}.json`));
        await unlink(rawFile).catch(() => undefined); // one left behind is removed by the next replay
        return;
      } catch (err) {
        // An entry that does not parse will not on a second try either.
        if (attempt >= ATTEMPTS || err instanceof SyntaxError) {
          this.log.error('inbound mail failed to process; kept in spool/failed', { id, error: (err as Error).message });
          // Whatever is there is kept: the entry alone still says who the mail was for.
          for (const file of [`${id}.eml`, `${id}.json`]) await rename(join(this.dir, file), join(this.failedDir, file)).catch(() => undefined);
          return;
        }
        this.log.warn('inbound mail processing failed; retrying', { id, attempt, error: (err as Error).message });
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS[attempt - 1]));
      }
    }
  }
}
