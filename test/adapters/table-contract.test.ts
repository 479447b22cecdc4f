import { DynamoDbTable } from '../../lambdas/adapters/aws/dynamodb-table';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../../lambdas/local/dynamodb-local';
import { SqliteTable } from '../../lambdas/local/embedded/sqlite-table';
import type { Item, Table } from '../../lambdas/ports';

/**
 * The semantics of DynamoDB that the core relies on, pinned for every `Table` adapter: DynamoDB itself (through
 * DynamoDB Local) and the embedded SQLite table of `npm start`. A behaviour the embedded table shows and DynamoDB
 * does not is a bug in the embedded table.
 */
const stores: [string, () => Promise<{ table: Table; stop: () => Promise<void> | void }>][] = [
  [
    'DynamoDB (DynamoDB Local)',
    async () => {
      const dynamo: DynamoDbLocal = await startDynamoDbLocal({ host: '127.0.0.1', shortLived: true });
      await ensureTable(dynamo.client, 'contract');
      return { table: new DynamoDbTable(dynamo.client, 'contract'), stop: () => dynamo.stop() };
    },
  ],
  [
    'the embedded table (SQLite)',
    async () => {
      const table = new SqliteTable(':memory:');
      return { table, stop: () => table.close() };
    },
  ],
];

describe.each(stores)('%s', (_name, open) => {
  let table: Table;
  let stop: () => Promise<void> | void;
  beforeAll(async () => {
    ({ table, stop } = await open());
  });
  afterAll(() => stop());

  describe('single items', () => {
    it('puts only where nothing is stored when asked, and only while an attribute still reads as it did', async () => {
      // Prepare
      await table.put({ pk: 'S', sk: 'one', version: 'v1' });

      // Act, Assess
      expect(await table.put({ pk: 'S', sk: 'one', version: 'other' }, { ifNotExists: true })).toBe(false);
      expect(await table.put({ pk: 'S', sk: 'one', version: 'v2' }, { ifUnchanged: { attribute: 'version', value: 'v0' } })).toBe(false);
      expect(await table.put({ pk: 'S', sk: 'one', version: 'v2' }, { ifUnchanged: { attribute: 'version', value: 'v1' } })).toBe(true);
      expect(await table.put({ pk: 'S', sk: 'none', version: 'v1' }, { ifUnchanged: { attribute: 'version', value: undefined } })).toBe(false);
      expect(await table.put({ pk: 'S', sk: 'one', note: 'x' }, { ifUnchanged: { attribute: 'note', value: undefined } })).toBe(true);
      expect(await table.get({ pk: 'S', sk: 'one' })).toEqual({ pk: 'S', sk: 'one', note: 'x' });
      expect(await table.get({ pk: 'S', sk: 'none' })).toBeUndefined();
    });

    it('updates an existing item and answers it as stored, leaves a missing one missing, and removes attributes', async () => {
      // Prepare
      await table.put({ pk: 'U', sk: 'item', a: 1, b: 'two', gone: true });

      // Act
      const updated = await table.update({ pk: 'U', sk: 'item' }, { a: 2, c: { nested: [1, 'x'] }, skipped: undefined }, ['gone']);
      const missing = await table.update({ pk: 'U', sk: 'missing' }, { a: 1 });

      // Assess
      expect(updated).toEqual({ pk: 'U', sk: 'item', a: 2, b: 'two', c: { nested: [1, 'x'] } });
      expect(missing).toBeUndefined();
      expect(await table.get({ pk: 'U', sk: 'missing' })).toBeUndefined();
    });

    it('refuses to change an item\'s key by updating it', async () => {
      await table.put({ pk: 'U', sk: 'keyed' });

      await expect(table.update({ pk: 'U', sk: 'keyed' }, { sk: 'moved' })).rejects.toThrow('part of the key');
    });

    it('deletes only while an attribute still reads as it did', async () => {
      // Prepare
      await table.put({ pk: 'D', sk: 'item', lease: 'mine' });

      // Act, Assess
      expect(await table.delete({ pk: 'D', sk: 'item' }, { ifUnchanged: { attribute: 'lease', value: 'theirs' } })).toBe(false);
      expect(await table.get({ pk: 'D', sk: 'item' })).toBeDefined();
      expect(await table.delete({ pk: 'D', sk: 'item' }, { ifUnchanged: { attribute: 'lease', value: 'mine' } })).toBe(true);
      expect(await table.get({ pk: 'D', sk: 'item' })).toBeUndefined();
      expect(await table.delete({ pk: 'D', sk: 'item' })).toBe(true);
    });

    it('adds to a counter atomically, creating it with its expiry once', async () => {
      // Act
      const counts = await Promise.all(Array.from({ length: 10 }, () => table.increment({ pk: 'N', sk: 'counter' }, 'n', 1, { expiresAt: 100 })));
      await table.increment({ pk: 'N', sk: 'counter' }, 'n', 5, { expiresAt: 999 });

      // Assess
      expect([...counts].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await table.get({ pk: 'N', sk: 'counter' })).toEqual({ pk: 'N', sk: 'counter', n: 15, expiresAt: 100 });
    });

    it('keeps every kind of value as the document client reads it back: binary as Uint8Array, sets as Set', async () => {
      // Prepare
      const item = { pk: 'V', sk: 'kinds', s: 'é ✓ 🙂', n: -12.5, big: 2 ** 53 - 1, t: true, f: false, z: null, l: [1, 'a', [null]], m: { a: { b: 'c', l: [{ n: 0 }] } }, ss: new Set(['x', 'y']), ns: new Set([1, 2.5]), bs: new Set([Buffer.from([7])]), bin: Buffer.from([0, 255]), empty: '' };

      // Act
      await table.put(item);
      const read = await table.get<Item & { bin: Uint8Array }>({ pk: 'V', sk: 'kinds' });

      // Assess
      expect(read).toEqual({ ...item, bin: new Uint8Array([0, 255]), bs: new Set([new Uint8Array([7])]) });
      expect(Buffer.isBuffer(read!.bin)).toBe(false);
    });

    it('refuses what DynamoDB refuses: empty keys, empty sets, items over 400 KB, unsupported values', async () => {
      // Prepare: an item of exactly 400 KB as DynamoDB counts it (attribute names and values in UTF-8 bytes)
      const overhead = 'pk'.length + 'X'.length + 'sk'.length + 'edge'.length + 'big'.length;
      const fits = { pk: 'X', sk: 'edge', big: 'z'.repeat(400 * 1024 - overhead) };

      // Act, Assess
      await expect(table.put(fits)).resolves.toBe(true);
      await expect(table.put({ ...fits, big: `${fits.big}z` })).rejects.toThrow('maximum allowed size');
      await expect(table.put({ pk: 'X', sk: '' })).rejects.toThrow('empty string');
      await expect(table.put({ pk: 'X', sk: 'set', s: new Set() })).rejects.toThrow('non-empty set');
      await expect(table.put({ pk: 'X', sk: 'date', d: new Date() })).rejects.toThrow('Unsupported type');
      await expect(table.put({ pk: 'X', sk: 'nan', n: Number.NaN })).rejects.toThrow('NaN');
      await expect(table.putAll([{ pk: 'X', sk: 'twice' }, { pk: 'X', sk: 'twice' }])).rejects.toThrow('duplicates');
      await expect(table.transactWrite([{ put: { pk: 'X', sk: 'twice' } }, { put: { pk: 'X', sk: 'twice', again: true } }])).rejects.toThrow('multiple operations on one item');
      expect(await table.get({ pk: 'X', sk: 'twice' })).toBeUndefined();
    });
  });

  describe('queries', () => {
    const sks = ['M#01', 'M#02', 'M#03', 'M#10', 'M#\u00e9', 'M#\u{1F600}', 'M#\uffff', 'N#01', 'C#01'];
    beforeAll(async () => {
      for (const sk of sks) await table.put({ pk: 'Q', sk, sk2: sk });
      await table.put({ pk: 'Q2', sk: 'M#00' });
    });
    const skOf = (page: { items: Item[] }) => page.items.map((i) => i.sk);

    it('answers one partition\'s items with the prefix, in UTF-8 byte order, either way', async () => {
      const prefixed = ['M#01', 'M#02', 'M#03', 'M#10', 'M#\u00e9', 'M#\uffff', 'M#\u{1F600}'];

      expect(skOf(await table.query({ pk: 'Q', skPrefix: 'M#', limit: 100 }))).toEqual(prefixed);
      expect(skOf(await table.query({ pk: 'Q', skPrefix: 'M#', limit: 100, newestFirst: true }))).toEqual([...prefixed].reverse());
      expect(skOf(await table.query({ pk: 'Q', skPrefix: '', limit: 100 }))).toEqual(['C#01', ...prefixed, 'N#01']);
      expect((await table.query({ pk: 'Q', skPrefix: 'M#', limit: 100 })).lastKey).toBeUndefined();
      expect(skOf(await table.query({ pk: 'nobody', skPrefix: '', limit: 10 }))).toEqual([]);
    });

    it('narrows to inclusive bounds (the upper one defaults to the prefix and U+FFFF, below four-byte characters)', async () => {
      expect(skOf(await table.query({ pk: 'Q', skPrefix: 'M#', skFrom: 'M#02', skTo: 'M#10', limit: 100 }))).toEqual(['M#02', 'M#03', 'M#10']);
      expect(skOf(await table.query({ pk: 'Q', skPrefix: 'M#', skFrom: 'M#10', limit: 100, newestFirst: true }))).toEqual(['M#\uffff', 'M#\u00e9', 'M#10']);
    });

    it('pages by limit, naming the last key read whenever the limit stopped it, even with nothing after', async () => {
      // Act
      const first = await table.query({ pk: 'Q', skPrefix: 'M#', limit: 3, newestFirst: true });
      const second = await table.query({ pk: 'Q', skPrefix: 'M#', limit: 4, newestFirst: true, startAfter: first.lastKey });
      const third = await table.query({ pk: 'Q', skPrefix: 'M#', limit: 4, newestFirst: true, startAfter: second.lastKey });

      // Assess
      expect(skOf(first)).toEqual(['M#\u{1F600}', 'M#\uffff', 'M#\u00e9']);
      expect(first.lastKey).toEqual({ pk: 'Q', sk: 'M#\u00e9' });
      expect(skOf(second)).toEqual(['M#10', 'M#03', 'M#02', 'M#01']);
      expect(second.lastKey).toEqual({ pk: 'Q', sk: 'M#01' });
      expect(third).toEqual({ items: [] });
    });

    it('cuts a page once it has read 1 MB, returning the item that crossed it', async () => {
      // Prepare: five items of 300 KB
      const big = 'x'.repeat(300 * 1024);
      for (let i = 0; i < 5; i++) await table.put({ pk: 'B', sk: `i${i}`, big });

      // Act
      const first = await table.query({ pk: 'B', skPrefix: '', limit: 10 });
      const rest = await table.query({ pk: 'B', skPrefix: '', limit: 10, startAfter: first.lastKey });

      // Assess
      expect(skOf(first)).toEqual(['i0', 'i1', 'i2', 'i3']);
      expect(first.lastKey).toEqual({ pk: 'B', sk: 'i3' });
      expect(skOf(rest)).toEqual(['i4']);
      expect(rest.lastKey).toBeUndefined();
    });
  });

  describe('expiry', () => {
    it('returns an item whose expiresAt has passed until it is deleted, as DynamoDB TTL does (the core hides it)', async () => {
      await table.put({ pk: 'E', sk: 'old', expiresAt: 1 });

      expect(await table.get({ pk: 'E', sk: 'old' })).toEqual({ pk: 'E', sk: 'old', expiresAt: 1 });
      expect((await table.query({ pk: 'E', skPrefix: '', limit: 10 })).items).toHaveLength(1);
    });
  });

  describe('writing several items at once', () => {
    it('writes every item in one request, replacing any that existed, with binary attributes intact', async () => {
      // Prepare
      await table.put({ pk: 'P', sk: 'b', note: 'before' });
      const items = [
        { pk: 'P', sk: 'a', note: 'first' },
        { pk: 'P', sk: 'b', note: 'replaced' },
        { pk: 'Q', sk: 'c', packed: Buffer.from([0, 1, 2, 255]) },
      ];

      // Act
      await table.putAll(items);

      // Assess
      expect(await table.get({ pk: 'P', sk: 'a' })).toEqual({ pk: 'P', sk: 'a', note: 'first' });
      expect(await table.get({ pk: 'P', sk: 'b' })).toEqual({ pk: 'P', sk: 'b', note: 'replaced' });
      expect(Buffer.from((await table.get<{ pk: string; sk: string; packed: Uint8Array }>({ pk: 'Q', sk: 'c' }))!.packed)).toEqual(Buffer.from([0, 1, 2, 255]));
    });

    it('refuses more items than one DynamoDB batch holds, writing none', async () => {
      const items = Array.from({ length: 26 }, (_, i) => ({ pk: 'R', sk: String(i) }));

      await expect(table.putAll(items)).rejects.toThrow('at most 25');

      expect((await table.query({ pk: 'R', skPrefix: '', limit: 100 })).items).toEqual([]);
    });
  });

  describe('reading several items at once', () => {
    it('answers each key in its place, undefined where nothing is stored, however many keys and repeats', async () => {
      // Prepare: more items than one BatchGetItem may ask for
      const stored = Array.from({ length: 230 }, (_, i) => ({ pk: 'G', sk: String(i).padStart(3, '0'), n: i, bytes: Buffer.from([i % 256]) }));
      for (let i = 0; i < stored.length; i += 25) await table.putAll(stored.slice(i, i + 25));
      const keys = [...stored.map(({ pk, sk }) => ({ pk, sk })).reverse(), { pk: 'G', sk: 'missing' }, { pk: 'G', sk: '007' }];

      // Act
      const items = await table.getAll<{ pk: string; sk: string; n: number; bytes: Uint8Array }>(keys);

      // Assess
      expect(items).toHaveLength(keys.length);
      expect(items.slice(0, 230).map((item) => item?.n)).toEqual(stored.map((s) => s.n).reverse());
      expect(items[230]).toBeUndefined();
      expect(items[231]).toMatchObject({ sk: '007', n: 7 });
      expect(Buffer.from(items[0]!.bytes)).toEqual(Buffer.from([229]));
    });

    it('answers an empty list of keys with an empty list', async () => {
      expect(await table.getAll([])).toEqual([]);
    });
  });

  describe('writing in a transaction', () => {
    it('adds to numbers and string sets, sets attributes only where absent, and creates an upserted item', async () => {
      // Act
      const add = { messageCount: 1, people: new Set(['ada@example.com']) };
      await table.transactWrite([{ update: { pk: 'T', sk: 'thread' }, upsert: true, set: { last: 'm1' }, setIfAbsent: { subject: 'first' }, add }]);
      await table.transactWrite([{ update: { pk: 'T', sk: 'thread' }, set: { last: 'm2' }, setIfAbsent: { subject: 'second' }, add: { messageCount: 1, people: new Set(['bob@example.com']) } }]);
      await table.transactWrite([{ update: { pk: 'T', sk: 'thread' }, deleteFromSet: { people: new Set(['ada@example.com']) } }]);

      // Assess
      expect(await table.get({ pk: 'T', sk: 'thread' })).toEqual({ pk: 'T', sk: 'thread', last: 'm2', subject: 'first', messageCount: 2, people: new Set(['bob@example.com']) });
    });

    it('writes nothing when any condition fails, and names the ops whose conditions did not hold', async () => {
      // Prepare
      await table.put({ pk: 'C', sk: 'taken' });
      await table.put({ pk: 'C', sk: 'inbox', deleting: true });

      // Act
      const attempt = table.transactWrite([
        { put: { pk: 'C', sk: 'new' }, ifNotExists: true },
        { put: { pk: 'C', sk: 'taken' }, ifNotExists: true },
        { check: { pk: 'C', sk: 'tombstone' }, when: { itemExists: false } },
        { update: { pk: 'C', sk: 'inbox' }, set: { last: 'x' }, when: { attribute: 'deleting', absent: true } },
      ]);

      // Assess
      await expect(attempt).rejects.toMatchObject({ code: 'conflict', failed: [1, 3] });
      expect(await table.get({ pk: 'C', sk: 'new' })).toBeUndefined();
      expect(await table.get({ pk: 'C', sk: 'inbox' })).toEqual({ pk: 'C', sk: 'inbox', deleting: true });
    });

    it('judges comparisons, membership and sizes as DynamoDB does', async () => {
      // Prepare
      await table.put({ pk: 'K', sk: 'item', last: 'msg_02', expiresAt: 100, people: new Set(['a', 'b']) });
      const holds = async (when: Parameters<typeof table.transactWrite>[0][number] & { check: unknown }) =>
        table.transactWrite([when]).then(
          () => true,
          (err) => (err.code === 'conflict' ? false : Promise.reject(err)),
        );
      const key = { pk: 'K', sk: 'item' };

      // Act, Assess
      expect(await holds({ check: key, when: { attribute: 'last', is: '<', than: 'msg_03' } })).toBe(true);
      expect(await holds({ check: key, when: { attribute: 'last', is: '<', than: 'msg_02' } })).toBe(false);
      expect(await holds({ check: key, when: { attribute: 'expiresAt', is: '<=', than: 100 } })).toBe(true);
      expect(await holds({ check: key, when: { attribute: 'expiresAt', is: '>', than: 100 } })).toBe(false);
      expect(await holds({ check: key, when: { attribute: 'people', contains: 'b' } })).toBe(true);
      expect(await holds({ check: key, when: { attribute: 'people', sizeBelow: 2 } })).toBe(false);
      expect(await holds({ check: key, when: { anyOf: [{ attribute: 'people', sizeBelow: 2 }, { attribute: 'people', contains: 'a' }] } })).toBe(true);
      expect(await holds({ check: key, when: { allOf: [{ itemExists: true }, { attribute: 'gone', absent: true }, { attribute: 'last', equals: 'msg_02' }] } })).toBe(true);
      expect(await holds({ check: { pk: 'K', sk: 'none' }, when: { itemExists: true } })).toBe(false);
    });

    it('retries a transaction that collides with others on the same item until each has counted', async () => {
      // Act: 20 at once on one counter, as 20 messages to one thread are.
      await Promise.all(Array.from({ length: 20 }, () => table.transactWrite([{ update: { pk: 'H', sk: 'hot' }, upsert: true, add: { n: 1 } }])));

      // Assess
      expect(await table.get({ pk: 'H', sk: 'hot' })).toEqual({ pk: 'H', sk: 'hot', n: 20 });
    });

    it('refuses more than 100 ops, writing none', async () => {
      const ops = Array.from({ length: 101 }, (_, i) => ({ put: { pk: 'L', sk: String(i) } }));

      await expect(table.transactWrite(ops)).rejects.toThrow('at most 100');

      expect((await table.query({ pk: 'L', skPrefix: '', limit: 200 })).items).toEqual([]);
    });
  });
});
