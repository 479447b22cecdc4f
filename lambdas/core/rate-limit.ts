import type { CoreDeps } from './deps';
import { rateWindowKey } from './table-keys';

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  exceeded: boolean;
}

const WINDOW_SECONDS = 60;

/**
 * Counts one request against the key's current one-minute window. The counter lives in the table, so
 * every API process shares it; each window's item expires by TTL shortly after the window ends.
 */
export async function consumeRequest(deps: CoreDeps, keyId: string): Promise<RateLimitState> {
  const nowMs = deps.clock.now().getTime();
  const windowStart = Math.floor(nowMs / 1000 / WINDOW_SECONDS) * WINDOW_SECONDS;
  const windowEnd = windowStart + WINDOW_SECONDS;
  const count = await deps.table.increment(rateWindowKey(keyId, windowStart), 'count', 1, { expiresAt: windowEnd + WINDOW_SECONDS });
  const limit = deps.settings.rateLimitPerMinute;
  return {
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds: Math.max(1, Math.ceil(windowEnd - nowMs / 1000)),
    exceeded: count > limit,
  };
}
