import { DeleteItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Item, Logger } from '../ports';

type Key = Record<string, any>;

export interface TtlSweeper {
  stop(): void;
  /** One whole pass over the table; `nowSeconds` lets a test play a later time. Returns how many items it deleted. */
  sweep(nowSeconds?: number): Promise<number>;
}

export interface TtlSweeperPacing {
  /** Items read per step of the background walk. */
  pageSize: number;
  /** Pause between steps. */
  everyMs: number;
  /** Pause after a whole pass, before the walk starts over. */
  restMs: number;
}

/**
 * A background walk that reads `pageSize` items a step costs DynamoDB Local the same whatever the table holds;
 * a whole-table scan at once stalls every other request for seconds once an inbox holds thousands of messages.
 * At 100 items a second, a table of 10,000 messages (about 40,000 items) is walked in under seven minutes:
 * soon enough, as reads already hide expired items and DynamoDB itself may take a day or two.
 */
const DEFAULT_PACING: TtlSweeperPacing = { pageSize: 100, everyMs: 1000, restMs: 60_000 };

/**
 * DynamoDB deletes expired items within days; the local table has TTL off (see `ensureTable`), so nothing else
 * deletes them there. This sweep plays that part on the laptop (reads already hide expired items, so its timing
 * is not observable through the API), and hands each removed item to `onExpired`, as the table's stream hands
 * TTL deletions to the expiry function on AWS.
 * In the background it walks the table one small page at a time, starting over at the end.
 */
export function startTtlSweeper(
  client: DynamoDBClient,
  tableName: string,
  log: Logger,
  onExpired: (item: Item) => Promise<void>,
  pacing: TtlSweeperPacing = DEFAULT_PACING,
): TtlSweeper {
  const sweepPage = async (start: Key | undefined, nowSeconds: number, limit?: number) => {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'expiresAt < :now',
        ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        ExclusiveStartKey: start,
        Limit: limit,
      }),
    );
    // Clean-up first: if the delete then fails (or succeeds unseen), a later pass hands the item over again,
    // at least once, as the stream does on AWS; the other order could lose an item's clean-up for good.
    for (const raw of page.Items ?? []) {
      await onExpired(unmarshall(raw) as Item);
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: raw.pk, sk: raw.sk } }));
    }
    return { deleted: page.Items?.length ?? 0, next: page.LastEvaluatedKey };
  };

  const sweep = async (nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> => {
    let deleted = 0;
    let start: Key | undefined;
    do {
      const page = await sweepPage(start, nowSeconds);
      deleted += page.deleted;
      start = page.next;
    } while (start);
    return deleted;
  };

  let cursor: Key | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Each step is scheduled after the previous one ends, so steps never pile up behind a busy table.
  const step = async () => {
    try {
      cursor = (await sweepPage(cursor, Math.floor(Date.now() / 1000), pacing.pageSize)).next;
    } catch (err) {
      log.warn('TTL sweep failed', { error: (err as Error).message });
    }
    if (!stopped) timer = setTimeout(() => void step(), cursor ? pacing.everyMs : pacing.restMs).unref();
  };
  timer = setTimeout(() => void step(), pacing.restMs).unref();

  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
    sweep,
  };
}
