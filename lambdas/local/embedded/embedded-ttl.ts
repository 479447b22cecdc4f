import type { Item, Logger } from '../../ports';
import type { TtlSweeper } from '../ttl-sweeper';
import type { SqliteTable } from './sqlite-table';

/** Expired items taken per step; the table's expiry index finds them without walking the rest. */
const PAGE = 100;
const EVERY_MS = 10_000;

/**
 * DynamoDB's TTL for the embedded table: every few seconds, items whose `expiresAt` has passed are handed to
 * `onExpired` (as the table's stream hands TTL deletions to the expiry function on AWS) and then deleted.
 * Clean-up comes first, so a failure between the two hands the item over again instead of losing its clean-up.
 */
export function startEmbeddedTtl(table: SqliteTable, log: Logger, onExpired: (item: Item) => Promise<void>): TtlSweeper {
  const sweep = async (nowSeconds = Math.floor(Date.now() / 1000)): Promise<number> => {
    let deleted = 0;
    for (;;) {
      const expired = table.expiredBefore(nowSeconds, PAGE);
      for (const item of expired) {
        await onExpired(item);
        table.deleteIfExpired(item, nowSeconds);
      }
      deleted += expired.length;
      if (expired.length < PAGE) return deleted;
    }
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const step = async () => {
    try {
      await sweep();
    } catch (err) {
      log.warn('TTL sweep failed', { error: (err as Error).message });
    }
    if (!stopped) timer = setTimeout(() => void step(), EVERY_MS).unref();
  };
  timer = setTimeout(() => void step(), EVERY_MS).unref();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
    sweep,
  };
}
