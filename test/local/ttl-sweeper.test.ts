import { DescribeTimeToLiveCommand, GetItemCommand, PutItemCommand, ScanCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../../lambdas/local/dynamodb-local';
import { startTtlSweeper } from '../../lambdas/local/ttl-sweeper';

let dynamo: DynamoDbLocal;
beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ host: '127.0.0.1', shortLived: true });
  await ensureTable(dynamo.client, 'sweep');
});
afterAll(() => dynamo.stop());

describe('the local TTL sweep (the local table leaves expiry to it)', () => {
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

  it('walks the table in the background a small page at a time, reaching expired items anywhere in it', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);
    const keys = Array.from({ length: 30 }, (_, i) => `walk-${String(i).padStart(2, '0')}`);
    const expiring = new Set([keys[3], keys[17], keys[29]]);
    for (const pk of keys) {
      await dynamo.client.send(
        new PutItemCommand({
          TableName: 'sweep',
          Item: { pk: { S: pk }, sk: { S: 'x' }, expiresAt: { N: String(expiring.has(pk) ? now - 5 : now + 3600) } },
        }),
      );
    }
    const expired: string[] = [];
    const done = new Promise<void>((resolve) => {
      const sweeper = startTtlSweeper(
        dynamo.client,
        'sweep',
        { info: jest.fn(), warn: jest.fn(), error: jest.fn() },
        async (item) => {
          if (!expired.includes(item.pk)) expired.push(item.pk);
          if (expired.length === expiring.size) {
            sweeper.stop();
            resolve();
          }
        },
        { pageSize: 4, everyMs: 5, restMs: 5 },
      );
    });

    const left = async () =>
      (await dynamo.client.send(new ScanCommand({ TableName: 'sweep', FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: 'walk-' } } })))
        .Items!.map((i) => i.pk.S)
        .sort();

    // Act
    await done;

    // Assess
    expect(expired.sort()).toEqual([...expiring].sort());
    // The last item handed over is deleted right after its clean-up.
    for (let tries = 0; (await left()).length > keys.length - expiring.size && tries < 50; tries++) await new Promise((r) => setTimeout(r, 20));
    expect(await left()).toEqual(keys.filter((k) => !expiring.has(k)));
  });

  it('is the only thing that removes expired items: the local table keeps DynamoDB Local\'s own TTL off, which would delete them without their clean-up', async () => {
    // Prepare: a table made with TTL on, as an earlier version of the local stack made it.
    await ensureTable(dynamo.client, 'had-ttl');
    await dynamo.client.send(new UpdateTimeToLiveCommand({ TableName: 'had-ttl', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    const expiredAt = Math.floor(Date.now() / 1000) - 60;

    // Act
    await ensureTable(dynamo.client, 'had-ttl');
    await dynamo.client.send(new PutItemCommand({ TableName: 'had-ttl', Item: { pk: { S: 'old' }, sk: { S: 'x' }, expiresAt: { N: String(expiredAt) } } }));
    // DynamoDB Local removes an expired item within about five seconds when TTL is on.
    await new Promise((r) => setTimeout(r, 8000));

    // Assess
    expect((await dynamo.client.send(new DescribeTimeToLiveCommand({ TableName: 'had-ttl' }))).TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    expect((await dynamo.client.send(new GetItemCommand({ TableName: 'had-ttl', Key: { pk: { S: 'old' }, sk: { S: 'x' } } }))).Item).toBeDefined();
    const handedOver: unknown[] = [];
    const sweeper = startTtlSweeper(dynamo.client, 'had-ttl', { info: jest.fn(), warn: jest.fn(), error: jest.fn() }, async (item) => void handedOver.push(item.pk));
    expect(await sweeper.sweep()).toBe(1);
    sweeper.stop();
    expect(handedOver).toEqual(['old']);
  }, 20_000);
});
