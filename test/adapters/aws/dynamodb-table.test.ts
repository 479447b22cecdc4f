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
