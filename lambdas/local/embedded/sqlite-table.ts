import { open, type FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TransactionConditionsFailed } from '../../core/errors';
import type { ItemKey } from '../../core/table-keys';
import { opCondition } from '../../adapters/write-op-conditions';
import type { Item, QueryInput, QueryPage, Table, WriteOp } from '../../ports';
import { dynamoItemSize } from './dynamodb-item-size';
import { applyUpdate, holds, refuseKeyChanges, StoreValidationError } from './item-expressions';

/** DynamoDB's limits, kept so that what works here works there. */
const MAX_ITEM_BYTES = 400 * 1024;
const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_SORT_KEY_BYTES = 1024;
const MAX_BATCH_WRITE = 25;
const MAX_TRANSACTION_ITEMS = 100;
/** How soon a commit nobody waits for is synced to disk. */
const SYNC_EVERY_MS = 200;
/** A Query stops once it has read this much (the item that crosses it is returned), and says where it stopped. */
const MAX_PAGE_BYTES = 1024 * 1024;

interface Row {
  item: string;
  size: number;
}

/** Binary attribute values as base64 in the stored JSON (`{"$b64": …}`), Uint8Array when read, as DynamoDB answers. */
function encode(item: Item): string {
  const marshalled = marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
  return JSON.stringify(marshalled, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Uint8Array ? { $b64: Buffer.from(raw).toString('base64') } : value;
  });
}

function decode(json: string): Item {
  const marshalled = JSON.parse(json) as Record<string, AttributeValue>;
  const item: Item = {} as Item;
  for (const name in marshalled) item[name] = fromAttribute(marshalled[name]);
  return item;
}

type AttributeValue = { S?: string; N?: string; B?: Stored64; SS?: string[]; NS?: string[]; BS?: Stored64[]; M?: Record<string, AttributeValue>; L?: AttributeValue[]; NULL?: true; BOOL?: boolean };
type Stored64 = { $b64: string };

/**
 * A stored attribute value as util-dynamodb's unmarshall answers it (numbers as numbers, sets as Sets, binary as
 * Uint8Array), in one walk: a JSON.parse reviver was a tenth of the CPU of serving a listing.
 */
function fromAttribute(av: AttributeValue): unknown {
  if (av.S !== undefined) return av.S;
  if (av.N !== undefined) return Number(av.N);
  if (av.BOOL !== undefined) return av.BOOL;
  if (av.NULL) return null;
  if (av.M) {
    const map: Record<string, unknown> = {};
    for (const name in av.M) map[name] = fromAttribute(av.M[name]);
    return map;
  }
  if (av.L) return av.L.map(fromAttribute);
  if (av.B) return fromBase64(av.B);
  if (av.SS) return new Set(av.SS);
  if (av.NS) return new Set(av.NS.map(Number));
  if (av.BS) return new Set(av.BS.map(fromBase64));
  throw new Error(`a stored attribute value has no known type: ${JSON.stringify(av).slice(0, 80)}`);
}

const fromBase64 = (b: Stored64) => new Uint8Array(Buffer.from(b.$b64, 'base64'));

/**
 * The first string after every string that starts with `prefix`, in UTF-8 byte order (code point order): the
 * prefix with its last code point one higher. Undefined when there is none (an empty prefix).
 */
function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return points.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
  }
  return undefined;
}

/**
 * The Mailroom table in one SQLite file (WAL, commits synced in groups), in process: the laptop's default store.
 * It keeps DynamoDB's semantics that the core relies on (conditions, all-or-nothing transactions of up to 100 ops
 * on distinct items, the 400 KB item limit, sort order by UTF-8 bytes, pages cut at `limit` items or 1 MB, binary
 * read back as Uint8Array); `test/adapters/table-contract.test.ts` holds it to the same tests as DynamoDB Local.
 * Calls are synchronous underneath, so a transaction never collides with another.
 */
export class SqliteTable implements Table {
  private readonly db: Database.Database;
  private readonly readItem: Database.Statement<[string, string], Row>;
  private readonly writeItem: Database.Statement<[string, string, string, number, number | null]>;
  private readonly removeItem: Database.Statement<[string, string]>;
  private readonly expiredItems: Database.Statement<[number, number], Row>;
  private readonly removeExpired: Database.Statement<[string, string, number]>;
  private readonly queries = new Map<string, Database.Statement<string[], Row>>();
  /** Runs `work` in one transaction; built once, as better-sqlite3 makes four wrappers for each `transaction()`. */
  private readonly atomically: <T>(work: () => T) => T;
  private readonly durable: boolean;
  private readonly wal: string;
  private walFile: Promise<FileHandle> | undefined;
  private readonly changes: Database.Statement<[], number>;
  private changesAtSync = 0;
  /** The sync running, and the one that will follow it for callers who came while it ran. */
  private syncing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private readonly syncTimer: NodeJS.Timeout | undefined;

  /** `file` is a path, or `:memory:` for a table that lives as long as the process. */
  constructor(file: string) {
    // No waiting on a lock: the only other holder can be another Mailroom on the same data dir.
    this.db = new Database(file, { timeout: 0 });
    this.durable = file !== ':memory:';
    this.wal = `${file}-wal`;
    if (this.durable) {
      this.db.pragma('journal_mode = WAL');
      // A commit is in the write-ahead log when the call returns, which a crash of Mailroom cannot undo; it is on disk
      // (surviving a crash of the machine) at the next sync: `synced()`, which the spool awaits before it lets go of
      // mail, or within SYNC_EVERY_MS for everything else.
      this.db.pragma('synchronous = NORMAL');
      // One process owns the data dir: a second `npm start` on it fails at once instead of sharing the file.
      this.db.pragma('locking_mode = EXCLUSIVE');
    }
    // Rows live in a rowid table, found by a unique index on the key. Keyed by (pk, sk) WITHOUT ROWID, as files made
    // before were, an item of over about 1 KB spilled into an overflow page of its own: the file took 2.5 times the
    // items' size and each write touched twice the pages. Those files keep their layout; the statements suit both.
    const hasItems = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'").get() !== undefined;
    if (!hasItems) {
      this.db.exec(`
        CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, item TEXT NOT NULL, size INTEGER NOT NULL, expires_at INTEGER);
        CREATE UNIQUE INDEX items_by_key ON items (pk, sk);
      `);
    }
    this.db.exec('CREATE INDEX IF NOT EXISTS items_by_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;');
    this.atomically = this.db.transaction((work: () => unknown) => work()) as <T>(work: () => T) => T;
    this.changes = this.db.prepare<[], number>('SELECT total_changes()').pluck();
    // A failed sync here fails again, visibly, in the next `synced()` the spool awaits.
    const syncIfChanged = () => {
      if (this.changes.get() !== this.changesAtSync) void this.synced().catch(() => undefined);
    };
    this.syncTimer = this.durable ? setInterval(syncIfChanged, SYNC_EVERY_MS).unref() : undefined;
    this.readItem = this.db.prepare('SELECT item, size FROM items WHERE pk = ? AND sk = ?');
    this.writeItem = this.db.prepare('INSERT OR REPLACE INTO items (pk, sk, item, size, expires_at) VALUES (?, ?, ?, ?, ?)');
    this.removeItem = this.db.prepare('DELETE FROM items WHERE pk = ? AND sk = ?');
    this.expiredItems = this.db.prepare('SELECT item, size FROM items WHERE expires_at < ? ORDER BY expires_at LIMIT ?');
    this.removeExpired = this.db.prepare('DELETE FROM items WHERE pk = ? AND sk = ? AND expires_at < ?');
  }

  /** Closing checkpoints the log into the database file, synced (SQLite does this in synchronous=NORMAL). */
  close(): void {
    clearInterval(this.syncTimer);
    void this.walFile?.then((handle) => handle.close()).catch(() => undefined);
    this.db.close();
  }

  async get<T extends Item>(key: ItemKey): Promise<T | undefined> {
    return this.read(key) as T | undefined;
  }

  async getAll<T extends Item>(keys: ItemKey[]): Promise<(T | undefined)[]> {
    return keys.map((key) => this.read(key) as T | undefined);
  }

  async put(item: Item, options: { ifNotExists?: boolean; ifUnchanged?: { attribute: string; value: unknown } } = {}): Promise<boolean> {
    const when = options.ifNotExists ? { itemExists: false } : options.ifUnchanged ? unchanged(options.ifUnchanged) : undefined;
    const stored = this.encoded(item);
    return this.atomically(() => {
      // Only a conditional put needs what is stored.
      if (when && !holds(when, this.read(item))) return false;
      this.write(stored);
      return true;
    });
  }

  async update<T extends Item>(key: ItemKey, set: Record<string, unknown>, remove: string[] = []): Promise<T | undefined> {
    refuseKeyChanges(remove);
    return this.atomically(() => {
      const stored = this.read(key);
      if (!stored) return undefined;
      const next = applyUpdate({ update: key, set }, stored);
      for (const name of remove) delete next[name];
      this.write(this.encoded(next));
      return next as T;
    });
  }

  async delete(key: ItemKey, options: { ifUnchanged?: { attribute: string; value: unknown } } = {}): Promise<boolean> {
    const when = options.ifUnchanged ? unchanged(options.ifUnchanged) : undefined;
    return this.atomically(() => {
      if (!holds(when, this.read(key))) return false;
      this.removeItem.run(key.pk, key.sk);
      return true;
    });
  }

  async putAll(items: Item[]): Promise<void> {
    if (items.length > MAX_BATCH_WRITE) throw new Error(`putAll takes at most ${MAX_BATCH_WRITE} items, not ${items.length}`);
    refuseRepeatedKeys(items, 'Provided list of item keys contains duplicates');
    const stored = items.map((item) => this.encoded(item));
    this.atomically(() => stored.forEach((s) => this.write(s)));
  }

  async query<T extends Item>(input: QueryInput): Promise<QueryPage<T>> {
    const ranged = input.skFrom !== undefined || input.skTo !== undefined;
    // As the DynamoDB adapter asks: BETWEEN the bounds when narrowed, else begins_with the prefix.
    const from = ranged ? (input.skFrom ?? input.skPrefix) : input.skPrefix;
    const to = ranged ? (input.skTo ?? `${input.skPrefix}\uffff`) : undefined;
    const end = ranged ? undefined : prefixEnd(input.skPrefix);
    const after = input.startAfter?.sk;
    const clauses = ['pk = ?', 'sk >= ?'];
    const params: string[] = [input.pk, from];
    if (to !== undefined) clauses.push('sk <= ?'), params.push(to);
    if (end !== undefined) clauses.push('sk < ?'), params.push(end);
    if (after !== undefined) clauses.push(input.newestFirst ? 'sk < ?' : 'sk > ?'), params.push(after);
    const rows = this.statement(`SELECT item, size FROM items WHERE ${clauses.join(' AND ')} ORDER BY sk ${input.newestFirst ? 'DESC' : 'ASC'}`).iterate(...params);
    const items: T[] = [];
    let bytes = 0;
    for (const row of rows) {
      items.push(decode(row.item) as T);
      bytes += row.size;
      if (items.length === input.limit || bytes >= MAX_PAGE_BYTES) {
        // Stopped by the limit or the 1 MB cut, DynamoDB names the last item read whether or not more follow.
        const last = items[items.length - 1];
        rows.return?.();
        return { items, lastKey: { pk: last.pk, sk: last.sk } };
      }
    }
    return { items };
  }

  async transactWrite(ops: WriteOp[]): Promise<void> {
    if (ops.length > MAX_TRANSACTION_ITEMS) throw new Error(`a transaction takes at most ${MAX_TRANSACTION_ITEMS} ops, not ${ops.length}`);
    refuseRepeatedKeys(ops.map(keyOfOp), 'Transaction request cannot include multiple operations on one item');
    const puts = ops.map((op) => ('put' in op ? this.encoded(op.put) : undefined));
    this.atomically(() => {
      // A put with no condition neither needs nor changes what is stored before it.
      const stored = ops.map((op) => ('put' in op && !opCondition(op) ? undefined : this.read(keyOfOp(op))));
      const failed = ops.flatMap((op, i) => (holds(opCondition(op), stored[i]) ? [] : [i]));
      if (failed.length) throw new TransactionConditionsFailed(failed);
      const writes = ops.map((op, i) => {
        if ('put' in op) return puts[i]!;
        if ('update' in op) return this.encoded(applyUpdate(op, stored[i]));
        return undefined;
      });
      ops.forEach((op, i) => {
        if ('delete' in op) this.removeItem.run(op.delete.pk, op.delete.sk);
        else if (writes[i]) this.write(writes[i]!);
      });
    });
  }

  async increment(key: ItemKey, attribute: string, by: number, options: { expiresAt?: number } = {}): Promise<number> {
    return this.atomically(() => {
      const next = applyUpdate({ update: key, upsert: true, add: { [attribute]: by }, setIfAbsent: { expiresAt: options.expiresAt } }, this.read(key));
      this.write(this.encoded(next));
      return next[attribute] as number;
    });
  }

  /**
   * Resolves once every commit made so far is on disk: an fsync of the write-ahead log, in the thread pool, so the
   * process goes on meanwhile. Callers that come while one runs share the next (a group commit), so the spool can
   * wait for one before it lets go of mail without each message waiting for the disk in turn.
   */
  synced(): Promise<void> {
    if (!this.durable) return Promise.resolve();
    if (!this.syncing) return (this.syncing = this.syncLog());
    return (this.queued ??= this.syncing.then(() => {
      this.queued = undefined;
      return (this.syncing ??= this.syncLog());
    }));
  }

  private async syncLog(): Promise<void> {
    try {
      this.changesAtSync = this.changes.get()!;
      // The log is one file for the table's life (one process holds it, and it is not truncated), so one handle does.
      const wal = await (this.walFile ??= open(this.wal, 'r').catch((err) => {
        this.walFile = undefined;
        throw err;
      }));
      await wal.sync();
    } finally {
      this.syncing = undefined;
    }
  }

  /**
   * Items whose `expiresAt` (epoch seconds) is before `nowSeconds`, soonest first: what DynamoDB's TTL would delete.
   * Reads never hide them (DynamoDB does not either); the core does.
   */
  expiredBefore(nowSeconds: number, limit: number): Item[] {
    return this.expiredItems.all(nowSeconds, limit).map((row) => decode(row.item));
  }

  /** Deletes an expired item, unless it was written again with a later expiry since it was read. */
  deleteIfExpired(key: ItemKey, nowSeconds: number): void {
    this.removeExpired.run(key.pk, key.sk, nowSeconds);
  }

  /** Queries come in a few shapes, each prepared once. */
  private statement(sql: string): Database.Statement<string[], Row> {
    let prepared = this.queries.get(sql);
    if (!prepared) this.queries.set(sql, (prepared = this.db.prepare<string[], Row>(sql)));
    return prepared;
  }

  private read(key: ItemKey): Item | undefined {
    const row = this.readItem.get(key.pk, key.sk);
    return row ? decode(row.item) : undefined;
  }

  /** The item as stored, refused as DynamoDB refuses it: keys missing, empty or too long, or over 400 KB. */
  private encoded(item: Item) {
    for (const [name, max] of [['pk', MAX_PARTITION_KEY_BYTES], ['sk', MAX_SORT_KEY_BYTES]] as const) {
      const value = item[name];
      if (typeof value !== 'string' || value === '') {
        throw new StoreValidationError(`One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${name}`);
      }
      if (Buffer.byteLength(value) > max) throw new StoreValidationError(`One or more parameter values were invalid: Size of key ${name} exceeds ${max} bytes`);
    }
    const json = encode(item);
    const size = dynamoItemSize(item);
    if (size > MAX_ITEM_BYTES) throw new StoreValidationError('Item size has exceeded the maximum allowed size');
    const expiresAt = typeof item.expiresAt === 'number' ? item.expiresAt : null;
    return { pk: item.pk, sk: item.sk, json, size, expiresAt };
  }

  private write(s: ReturnType<SqliteTable['encoded']>) {
    this.writeItem.run(s.pk, s.sk, s.json, s.size, s.expiresAt);
  }
}

function unchanged({ attribute, value }: { attribute: string; value: unknown }) {
  return value === undefined ? { allOf: [{ itemExists: true }, { attribute, absent: true as const }] } : { attribute, equals: value };
}

function keyOfOp(op: WriteOp): ItemKey {
  return 'put' in op ? op.put : 'delete' in op ? op.delete : 'check' in op ? op.check : op.update;
}

function refuseRepeatedKeys(keys: ItemKey[], message: string) {
  if (new Set(keys.map((k) => JSON.stringify([k.pk, k.sk]))).size < keys.length) throw new StoreValidationError(message);
}
