import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../../lambdas/local/dynamodb-local';
import { startTtlSweeper } from '../../lambdas/local/ttl-sweeper';

let dynamo: DynamoDbLocal;
beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ host: '127.0.0.1' });
  await ensureTable(dynamo.client, 'sweep');
});
afterAll(() => dynamo.stop());

describe('the local TTL sweep (DynamoDB Local never expires items itself)', () => {
  it('deletes items whose expiresAt has passed, hands each one over for clean-up, and leaves the rest', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);
    const put = (pk: string, expiresAt?: number) =>
      dynamo.client.send(
        new PutItemCommand({
          TableName: 'sweep',
          Item: { pk: { S: pk }, sk: { S: 'x' }, ...(expiresAt ? { expiresAt: { N: String(expiresAt) } } : {}) },
        }),
      );
    await put('expired', now - 10);
    await put('alive', now + 3600);
    await put('forever');
    const exists = async (pk: string) =>
      (await dynamo.client.send(new GetItemCommand({ TableName: 'sweep', Key: { pk: { S: pk }, sk: { S: 'x' } } }))).Item !== undefined;
    const expired: unknown[] = [];
    const sweeper = startTtlSweeper(dynamo.client, 'sweep', { info: jest.fn(), warn: jest.fn(), error: jest.fn() }, async (item) => void expired.push(item));

    // Act
    const deleted = await sweeper.sweep();
    sweeper.stop();

    // Assess
    expect(deleted).toBe(1);
    expect(expired).toEqual([{ pk: 'expired', sk: 'x', expiresAt: now - 10 }]);
    expect(await exists('expired')).toBe(false);
    expect(await exists('alive')).toBe(true);
    expect(await exists('forever')).toBe(true);
  });
});
