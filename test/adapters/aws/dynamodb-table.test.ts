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
