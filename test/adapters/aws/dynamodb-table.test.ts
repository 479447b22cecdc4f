import { DynamoDbTable } from '../../../lambdas/adapters/aws/dynamodb-table';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../../../lambdas/local/dynamodb-local';

let dynamo: DynamoDbLocal;
let table: DynamoDbTable;
beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ host: '127.0.0.1', shortLived: true });
  await ensureTable(dynamo.client, 'batch');
  table = new DynamoDbTable(dynamo.client, 'batch');
});
afterAll(() => dynamo.stop());

describe('the DynamoDB table adapter writing several items at once', () => {
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

describe('the DynamoDB table adapter reading several items at once', () => {
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

describe('the DynamoDB table adapter writing in a transaction', () => {
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
