import { performance } from 'node:perf_hooks';
import type { ItemKey } from '../../lambdas/core/table-keys';
import type { Blobs, Item, Logger, QueryInput, QueryPage, Table, WriteOp } from '../../lambdas/ports';
import { dynamoItemSize } from '../../lambdas/local/embedded/dynamodb-item-size';
import { consistentReadUnits, writeUnits } from './cost-request-units';

/** What one phase (the SES action, the parser, the API, ...) asked of the table, the bucket and the logs. */
export interface PhaseCounts {
  dynamodb: {
    get: number;
    getMissing: number;
    query: number;
    queryItems: number;
    queryBytes: number;
    queryRru: number;
    put: number;
    update: number;
    increment: number;
    delete: number;
    transactWrite: number;
    transactItems: number;
    /** BatchWriteItem requests, and the puts they carried (billed as puts). */
    batchWrite: number;
    batchItems: number;
    /** Read request units; every Mailroom read is strongly consistent (see dynamodb-table.ts). */
    rru: number;
    wru: number;
    bytesRead: number;
    bytesWritten: number;
  };
  s3: {
    /** Billed in the PUT, COPY, POST, LIST tier. */
    put: number;
    copy: number;
    list: number;
    /** Billed in the GET, SELECT and other tier. */
    get: number;
    /** Free. */
    delete: number;
    bytesPut: number;
    bytesGot: number;
  };
  logs: { lines: number; bytes: number };
  /** Wall time during which a call to the table or the bucket was in flight (calls made together count once). */
  storageWaitMs: number;
  /** Times a store call went out while none was in flight: the round trips a handler waited through, one after another. */
  storageRounds: number;
}

export const emptyCounts = (): PhaseCounts => ({
  dynamodb: {
    get: 0,
    getMissing: 0,
    query: 0,
    queryItems: 0,
    queryBytes: 0,
    queryRru: 0,
    put: 0,
    update: 0,
    increment: 0,
    delete: 0,
    transactWrite: 0,
    transactItems: 0,
    batchWrite: 0,
    batchItems: 0,
    rru: 0,
    wru: 0,
    bytesRead: 0,
    bytesWritten: 0,
  },
  s3: { put: 0, copy: 0, list: 0, get: 0, delete: 0, bytesPut: 0, bytesGot: 0 },
  logs: { lines: 0, bytes: 0 },
  storageWaitMs: 0,
  storageRounds: 0,
});

/** Counts everything the metered ports do, under whichever phase is current when each call returns. */
export class Meter {
  phase = 'setup';
  readonly phases = new Map<string, PhaseCounts>();
  /** Bytes of every object written, by key (copies inherit their source's size). */
  readonly objectSizes = new Map<string, number>();
  /** Billed size of every item last written or read, by key. */
  readonly itemSizes = new Map<string, number>();
  /** Sizes of items written, by phase (for storage). */
  readonly itemsWritten = new Map<string, number[]>();
  /** Called after each blob put returns, with its key. */
  onBlobPut?: (key: string) => void;
  /** Store calls in flight, and since when at least one has been. */
  inFlight = 0;
  waitingSince = 0;

  counts(phase = this.phase): PhaseCounts {
    let c = this.phases.get(phase);
    if (!c) this.phases.set(phase, (c = emptyCounts()));
    return c;
  }
}

const itemId = (key: ItemKey) => `${key.pk}\u0000${key.sk}`;

async function timed<T>(meter: Meter, work: () => Promise<T>): Promise<T> {
  if (meter.inFlight++ === 0) {
    meter.waitingSince = performance.now();
    meter.counts().storageRounds++;
  }
  try {
    return await work();
  } finally {
    if (--meter.inFlight === 0) meter.counts().storageWaitMs += performance.now() - meter.waitingSince;
  }
}

/**
 * The table, counting operations and request units. Write units are sized by the larger of the item before
 * (when this meter has seen it) and after the write; a conditional write that fails is still billed.
 */
export function meteredTable(inner: Table, meter: Meter): Table {
  const written = (size: number) => {
    const list = meter.itemsWritten.get(meter.phase) ?? [];
    list.push(size);
    meter.itemsWritten.set(meter.phase, list);
  };
  // A batched read is billed item by item, as that many gets are.
  const countRead = (key: ItemKey, item: Item | undefined) => {
    const c = meter.counts().dynamodb;
    c.get++;
    if (!item) {
      c.getMissing++;
      c.rru += consistentReadUnits(0);
    } else {
      const size = dynamoItemSize(item);
      meter.itemSizes.set(itemId(key), size);
      c.bytesRead += size;
      c.rru += consistentReadUnits(size);
    }
  };
  return {
    async get<T extends Item>(key: ItemKey) {
      const item = await timed(meter, () => inner.get<T>(key));
      countRead(key, item);
      return item;
    },
    async getAll<T extends Item>(keys: ItemKey[]) {
      const items = await timed(meter, () => inner.getAll<T>(keys));
      keys.forEach((key, i) => countRead(key, items[i]));
      return items;
    },
    async put(item: Item, options?: Parameters<Table['put']>[1]) {
      const size = dynamoItemSize(item);
      const before = meter.itemSizes.get(itemId(item)) ?? 0;
      const created = await timed(meter, () => inner.put(item, options));
      const c = meter.counts().dynamodb;
      c.put++;
      c.wru += writeUnits(Math.max(before, size));
      if (created) {
        c.bytesWritten += size;
        meter.itemSizes.set(itemId(item), size);
        written(size);
      }
      return created;
    },
    async update<T extends Item>(key: ItemKey, set: Record<string, unknown>, remove?: string[]) {
      const before = meter.itemSizes.get(itemId(key)) ?? 0;
      const after = await timed(meter, () => inner.update<T>(key, set, remove));
      const size = after ? dynamoItemSize(after) : 0;
      const c = meter.counts().dynamodb;
      c.update++;
      c.wru += writeUnits(Math.max(before, size));
      if (after) {
        c.bytesWritten += size;
        meter.itemSizes.set(itemId(key), size);
      }
      return after;
    },
    async delete(key: ItemKey, options?: Parameters<Table['delete']>[1]) {
      const deleted = await timed(meter, () => inner.delete(key, options));
      const c = meter.counts().dynamodb;
      c.delete++;
      c.wru += writeUnits(meter.itemSizes.get(itemId(key)) ?? 0);
      if (deleted) meter.itemSizes.delete(itemId(key));
      return deleted;
    },
    async query<T extends Item>(input: QueryInput): Promise<QueryPage<T>> {
      const page = await timed(meter, () => inner.query<T>(input));
      const bytes = page.items.reduce((sum, item) => sum + dynamoItemSize(item), 0);
      const c = meter.counts().dynamodb;
      c.query++;
      c.queryItems += page.items.length;
      c.queryBytes += bytes;
      c.bytesRead += bytes;
      // A query is billed on the sum of the items it read, rounded up once.
      c.queryRru += consistentReadUnits(bytes);
      c.rru += consistentReadUnits(bytes);
      return page;
    },
    async putAll(items: Item[]) {
      const sizes = items.map((item) => Math.max(dynamoItemSize(item), meter.itemSizes.get(itemId(item)) ?? 0));
      await timed(meter, () => inner.putAll(items));
      const c = meter.counts().dynamodb;
      c.batchWrite++;
      c.batchItems += items.length;
      items.forEach((item, i) => {
        c.wru += writeUnits(sizes[i]);
        c.bytesWritten += dynamoItemSize(item);
        meter.itemSizes.set(itemId(item), dynamoItemSize(item));
        written(dynamoItemSize(item));
      });
    },
    async transactWrite(ops: WriteOp[]) {
      // An update is sized by the item before it (when seen) and what it writes; a condition check by the item it reads.
      const sizes = ops.map((op) =>
        'put' in op
          ? Math.max(dynamoItemSize(op.put), meter.itemSizes.get(itemId(op.put)) ?? 0)
          : 'update' in op
            ? Math.max(meter.itemSizes.get(itemId(op.update)) ?? 0, dynamoItemSize({ ...op.update, ...op.set, ...op.setIfAbsent, ...op.add }))
            : (meter.itemSizes.get(itemId('delete' in op ? op.delete : op.check)) ?? 0),
      );
      try {
        await timed(meter, () => inner.transactWrite(ops));
        ops.forEach((op, i) => {
          if ('put' in op) {
            meter.itemSizes.set(itemId(op.put), dynamoItemSize(op.put));
            written(sizes[i]);
          } else if ('update' in op) {
            meter.itemSizes.set(itemId(op.update), sizes[i]);
            written(sizes[i]);
          } else if ('delete' in op) meter.itemSizes.delete(itemId(op.delete));
        });
        meter.counts().dynamodb.bytesWritten += sizes.reduce((a, b) => a + b, 0);
      } finally {
        const c = meter.counts().dynamodb;
        c.transactWrite++;
        c.transactItems += ops.length;
        c.wru += sizes.reduce((sum, size) => sum + writeUnits(size, true), 0);
      }
    },
    async increment(key: ItemKey, attribute: string, by: number, options?: { expiresAt?: number }) {
      const value = await timed(meter, () => inner.increment(key, attribute, by, options));
      const size = Math.max(meter.itemSizes.get(itemId(key)) ?? 0, dynamoItemSize({ ...key, [attribute]: by, ...options }));
      const c = meter.counts().dynamodb;
      c.increment++;
      c.wru += writeUnits(size);
      return value;
    },
  };
}

/** The bucket, counting requests by S3's price tiers. Presigning a URL makes no request. */
export function meteredBlobs(inner: Blobs, meter: Meter): Blobs {
  return {
    async put(key: string, body: Buffer, contentType?: string) {
      await timed(meter, () => inner.put(key, body, contentType));
      const c = meter.counts().s3;
      c.put++;
      c.bytesPut += body.length;
      meter.objectSizes.set(key, body.length);
      meter.onBlobPut?.(key);
    },
    async get(key: string) {
      const body = await timed(meter, () => inner.get(key));
      const c = meter.counts().s3;
      c.get++;
      c.bytesGot += body?.length ?? 0;
      return body;
    },
    async copy(fromKey: string, toKey: string) {
      await timed(meter, () => inner.copy(fromKey, toKey));
      meter.counts().s3.copy++;
      meter.objectSizes.set(toKey, meter.objectSizes.get(fromKey) ?? 0);
    },
    async deletePrefix(prefix: string) {
      await timed(meter, () => inner.deletePrefix(prefix));
      // At least one listing and one batch delete (more for prefixes over 1,000 keys); deletes are free.
      const c = meter.counts().s3;
      c.list++;
      c.delete++;
      for (const key of [...meter.objectSizes.keys()]) if (key.startsWith(prefix)) meter.objectSizes.delete(key);
    },
    async deleteKeys(keys: string[]) {
      await timed(meter, () => inner.deleteKeys(keys));
      // One free DeleteObjects request per 1,000 keys.
      meter.counts().s3.delete += Math.ceil(keys.length / 1000);
      for (const key of keys) meter.objectSizes.delete(key);
    },
    downloadUrl: (key, link) => inner.downloadUrl(key, link),
  };
}

/** The logger, counting the bytes each line would take as the JSON logger writes it to CloudWatch. */
export function meteredLog(inner: Logger, meter: Meter): Logger {
  const emit = (level: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    const c = meter.counts().logs;
    c.lines++;
    c.bytes += Buffer.byteLength(JSON.stringify({ level, time: new Date().toISOString(), message, ...fields })) + 1;
    inner[level](message, fields);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}
