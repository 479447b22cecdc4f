import { DeleteItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Item, Logger } from '../ports';

/**
 * DynamoDB deletes expired items within days; DynamoDB Local never does. This sweep plays that part on the
 * laptop (reads already hide expired items, so its timing is not observable through the API), and hands each
 * removed item to `onExpired`, as the table's stream hands TTL deletions to the expiry function on AWS.
 */
export function startTtlSweeper(
  client: DynamoDBClient,
  tableName: string,
  log: Logger,
  onExpired: (item: Item) => Promise<void>,
  everyMs = 60_000,
): { stop(): void; sweep(nowSeconds?: number): Promise<number> } {
  /** `nowSeconds` lets a test play a later time. */
  const sweep = async (nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> => {
    let deleted = 0;
    let start: Record<string, any> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
          ExclusiveStartKey: start,
        }),
      );
      for (const raw of page.Items ?? []) {
        await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: raw.pk, sk: raw.sk } }));
        await onExpired(unmarshall(raw) as Item);
        deleted++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return deleted;
  };
  const timer = setInterval(() => void sweep().catch((err: Error) => log.warn('TTL sweep failed', { error: err.message })), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
