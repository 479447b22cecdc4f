import type { CoreDeps } from './deps';
import { inOrder } from './in-order';
import { getInbox } from './inboxes';
import { isLive, isoTime } from './listing';
import { messageMatcher, type MessageFilter } from './message-filter';
import { toSummary, type MessageItem, type MessageSummary } from './messages';
import { messageListPrefix, type ItemKey } from './table-keys';

export interface WaitRequest extends Pick<MessageFilter, 'from' | 'subjectContains' | 'since'> {
  timeoutSeconds: number;
}

/** Pauses between looks: quick at first (mail usually lands within a second), then once a second. */
const BACKOFF_MS = [100, 200, 400, 800, 1000];
/**
 * Where arrivals are told, a pause ends when matching mail is stored, so a look on the timer only has to catch
 * what is not told: a sent copy before it is handed over (told then) or whose sending failed (never told).
 */
const BACKOFF_WITH_ARRIVALS_MS = [1000];
/**
 * Within a pause, the newest message alone is read this often (one item, one read unit): new mail lands on top,
 * so a wait notices it within about this long instead of at its next look.
 */
const TOP_CHECK_MS = 200;
/**
 * How far back one look reads, when `since` is not reached sooner: the newest 100 messages. It reads the newest
 * 20 first, where a match usually is, then the rest in one request rather than four (the same read units, fewer
 * round trips); more only where DynamoDB cuts a page short at 1 MB, up to five requests in all.
 */
const LOOK_BACK = 100;
const FIRST_PAGE = 20;
const MAX_LOOK_REQUESTS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Long-polls an inbox for the newest message that matches, returning at once if one is already there.
 * Each look is one or two Queries of the newest 100 summaries (more where pages come back cut short), and looks
 * back off to one a second. In between, a one-item read every 200 ms watches the top of the inbox and brings the
 * next look forward when it changes: a 25-second wait that finds nothing makes about 30 looks and 100 of those
 * small reads. Where `arrivals` tells of
 * new mail (the local stack), a pause ends when mail that matches is stored, and looks on the timer are a second
 * apart.
 */
export async function waitForMessage(deps: CoreDeps, orgId: string, inboxId: string, request: WaitRequest): Promise<{ timedOut: boolean; message: MessageSummary | null }> {
  const deadline = Date.now() + request.timeoutSeconds * 1000;
  const matches = messageMatcher(request);
  const since = request.since && isoTime(request.since, 'since');

  // Listening starts before the first look, so mail stored while a look runs still ends the next pause.
  const arrivals = deps.arrivals?.watch(orgId, inboxId, (message) => matches(message as MessageSummary));
  try {
    // The inbox check goes with the first look: both are keyed by org and inbox, so one round trip does.
    let looking = inOrder([getInbox(deps, orgId, inboxId), newestMatch(deps, orgId, inboxId, since, matches)]).then(([, match]) => match);
    for (let look = 0; ; look++) {
      const { found, newestSk } = await looking;
      if (found) return { timedOut: false, message: toSummary(found) };
      const backoff = arrivals ? BACKOFF_WITH_ARRIVALS_MS : BACKOFF_MS;
      const pause = Math.min(backoff[Math.min(look, backoff.length - 1)], deadline - Date.now());
      if (pause <= 0) return { timedOut: true, message: null };
      await (arrivals ? arrivals.next(pause) : untilTopChanges(deps, orgId, inboxId, newestSk, pause));
      looking = newestMatch(deps, orgId, inboxId, since, matches);
    }
  } finally {
    arrivals?.close();
  }
}

async function newestMatch(
  deps: CoreDeps,
  orgId: string,
  inboxId: string,
  since: string | undefined,
  matches: (m: MessageItem) => boolean,
): Promise<{ found?: MessageItem; newestSk?: string }> {
  const live = isLive(deps.clock.now());
  let startAfter: ItemKey | undefined;
  let newestSk: string | undefined;
  let read = 0;
  for (let request = 0; request < MAX_LOOK_REQUESTS && read < LOOK_BACK; request++) {
    const limit = request === 0 ? FIRST_PAGE : LOOK_BACK - read;
    const { items, lastKey } = await deps.table.query<MessageItem>({ ...messageListPrefix(orgId, inboxId), limit, startAfter, newestFirst: true });
    read += items.length;
    newestSk ??= items[0]?.sk;
    const found = items.find((m) => live(m) && matches(m));
    // Newest first: once a page reaches messages older than `since`, nothing further down can match.
    if (found || !lastKey || (since && items.some((m) => m.receivedAt < since))) return { found, newestSk };
    startAfter = lastKey;
  }
  return { newestSk };
}

/** Sleeps `ms`, ending early once the inbox's newest message is no longer the one at `newestSk`. */
async function untilTopChanges(deps: CoreDeps, orgId: string, inboxId: string, newestSk: string | undefined, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0; left = until - Date.now()) {
    await sleep(Math.min(TOP_CHECK_MS, left));
    // The pause is over: the next look reads the inbox anyway.
    if (Date.now() >= until) return;
    const { items } = await deps.table.query<MessageItem>({ ...messageListPrefix(orgId, inboxId), limit: 1, newestFirst: true });
    if (items[0]?.sk !== newestSk) return;
  }
}
