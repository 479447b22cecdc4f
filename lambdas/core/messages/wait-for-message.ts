import type { CoreDeps } from '../deps';
import { inOrder } from '../in-order';
import { getInbox } from '../inboxes';
import { isLive, isoTime, timeSlice } from '../listing';
import { messageMatcher, type MessageFilter } from './message-filter';
import { toSummary, type MessageItem, type MessageSummary } from './messages';
import { messageListPrefix, type ItemKey } from '../table-keys';

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
/**
 * Messages sort by when mail was received (or sent), but show once they are stored, so a delivery that is retried
 * lands beneath newer mail: Lambda retries a failed one twice, a minute or two after each failure, and each attempt
 * may run two minutes, so the last can store mail about nine minutes after it arrived. Looks after the first read
 * only mail received from this long before the wait began: on a quiet inbox a look then costs one read unit, not
 * the 30 or so that 100 summaries do. Mail held back longer (throttled deliveries, a redriven dead letter) is found
 * by the next wait's first look, or at once where the wait is told of it.
 */
export const LATE_MAIL_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Long-polls an inbox for the newest message that matches, returning at once if one is already there.
 * The first look is one or two Queries of the newest 100 summaries (more where pages come back cut short); later
 * looks read only mail received in the last ten minutes, and back off to one a second. In between, a one-item read
 * every 200 ms watches the top of that slice and brings the next look forward when it changes: a 25-second wait
 * on a quiet inbox that finds nothing makes about 30 looks and 100 of those small reads, a read unit each. Where
 * `arrivals` tells of new mail (the local stack), a pause ends when mail that matches is stored, and looks on the
 * timer are a second apart.
 */
export async function waitForMessage(deps: CoreDeps, orgId: string, inboxId: string, request: WaitRequest): Promise<{ timedOut: boolean; message: MessageSummary | null }> {
  const deadline = Date.now() + request.timeoutSeconds * 1000;
  const matches = messageMatcher(request);
  const since = request.since && isoTime(request.since, 'since');
  const lateMailFrom = new Date(deps.clock.now().getTime() - LATE_MAIL_MS).toISOString();
  const firstLook = receivedFrom(orgId, inboxId, since);
  const laterLooks = receivedFrom(orgId, inboxId, since && since > lateMailFrom ? since : lateMailFrom);

  // Listening starts before the first look, so mail stored while a look runs still ends the next pause.
  const arrivals = deps.arrivals?.watch(orgId, inboxId, (message) => matches(message as MessageSummary));
  try {
    // The inbox check goes with the first look: both are keyed by org and inbox, so one round trip does.
    let looking = inOrder([getInbox(deps, orgId, inboxId), newestMatch(deps, firstLook, matches)]).then(([, match]) => match);
    for (let look = 0; ; look++) {
      const { found, newestSk } = await looking;
      if (found) return { timedOut: false, message: toSummary(found) };
      const backoff = arrivals ? BACKOFF_WITH_ARRIVALS_MS : BACKOFF_MS;
      const pause = Math.min(backoff[Math.min(look, backoff.length - 1)], deadline - Date.now());
      if (pause <= 0) return { timedOut: true, message: null };
      // Told of mail it wants, a wait looks as far back as its first look did: the mail may have been received long
      // before it was stored (mail the local spool replays after a restart).
      let told = false;
      if (arrivals) told = await arrivals.next(pause);
      else await untilTopChanges(deps, laterLooks, newestSk, pause);
      looking = newestMatch(deps, told ? firstLook : laterLooks, matches);
    }
  } finally {
    arrivals?.close();
  }
}

type MessageRange = ReturnType<typeof receivedFrom>;

/** The inbox's messages received from `from` on (all of them without it). */
function receivedFrom(orgId: string, inboxId: string, from: string | undefined) {
  return { ...messageListPrefix(orgId, inboxId), ...timeSlice('M#', 'msg', from) };
}

async function newestMatch(deps: CoreDeps, range: MessageRange, matches: (m: MessageItem) => boolean): Promise<{ found?: MessageItem; newestSk?: string }> {
  const live = isLive(deps.clock.now());
  let startAfter: ItemKey | undefined;
  let newestSk: string | undefined;
  let read = 0;
  for (let request = 0; request < MAX_LOOK_REQUESTS && read < LOOK_BACK; request++) {
    const limit = request === 0 ? FIRST_PAGE : LOOK_BACK - read;
    const { items, lastKey } = await deps.table.query<MessageItem>({ ...range, limit, startAfter, newestFirst: true });
    read += items.length;
    newestSk ??= items[0]?.sk;
    const found = items.find((m) => live(m) && matches(m));
    if (found || !lastKey) return { found, newestSk };
    startAfter = lastKey;
  }
  return { newestSk };
}

/** Sleeps `ms`, ending early once the newest message in `range` is no longer the one at `newestSk`. */
async function untilTopChanges(deps: CoreDeps, range: MessageRange, newestSk: string | undefined, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0; left = until - Date.now()) {
    await sleep(Math.min(TOP_CHECK_MS, left));
    // The pause is over: the next look reads the inbox anyway.
    if (Date.now() >= until) return;
    const { items } = await deps.table.query<MessageItem>({ ...range, limit: 1, newestFirst: true });
    if (items[0]?.sk !== newestSk) return;
  }
}
