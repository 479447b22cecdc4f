import { DeleteItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../ports';

/**
 * DynamoDB deletes expired items within days; DynamoDB Local never does. This sweep plays that part
 * on the laptop (reads already hide expired items, so its timing is not observable through the API).
 */
export function startTtlSweeper(client: DynamoDBClient, tableName: string, log: Logger, everyMs = 60_000): { stop(): void; sweep(): Promise<number> } {
  const sweep = async (): Promise<number> => {
    let deleted = 0;
    let start: Record<string, any> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(Date.now() / 1000)) } },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: start,
        }),
      );
      for (const key of page.Items ?? []) {
        await client.send(new DeleteItemCommand({ TableName: tableName, Key: key }));
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
