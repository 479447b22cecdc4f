import type { CoreDeps } from './deps';
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
/** How far back one look reads when `since` is not reached sooner: the newest 100 messages. */
const LOOK_PAGES = 5;
const PAGE = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Long-polls an inbox for the newest message that matches, returning at once if one is already there.
 * Each look is one to five Queries of the newest summaries; looks back off to one a second, so a 25-second
 * wait costs at most about 30 reads. Where `arrivals` tells of new mail, a pause ends when it is stored.
 */
export async function waitForMessage(deps: CoreDeps, orgId: string, inboxId: string, request: WaitRequest): Promise<{ timedOut: boolean; message: MessageSummary | null }> {
  await getInbox(deps, orgId, inboxId);
  const deadline = Date.now() + request.timeoutSeconds * 1000;
  const matches = messageMatcher(request);
  const since = request.since && isoTime(request.since, 'since');

  // Listening starts before the first look, so mail stored while a look runs still ends the next pause.
  const arrivals = deps.arrivals?.watch(orgId, inboxId);
  try {
    for (let look = 0; ; look++) {
      const found = await newestMatch(deps, orgId, inboxId, since, matches);
      if (found) return { timedOut: false, message: toSummary(found) };
      const pause = Math.min(BACKOFF_MS[Math.min(look, BACKOFF_MS.length - 1)], deadline - Date.now());
      if (pause <= 0) return { timedOut: true, message: null };
      await (arrivals ? arrivals.next(pause) : sleep(pause));
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
): Promise<MessageItem | undefined> {
  const live = isLive(deps.clock.now());
  let startAfter: ItemKey | undefined;
  for (let page = 0; page < LOOK_PAGES; page++) {
    const { items, lastKey } = await deps.table.query<MessageItem>({ ...messageListPrefix(orgId, inboxId), limit: PAGE, startAfter, newestFirst: true });
    const found = items.find((m) => live(m) && matches(m));
    // Newest first: once a page reaches messages older than `since`, nothing further down can match.
    if (found || !lastKey || (since && items.some((m) => m.receivedAt < since))) return found;
    startAfter = lastKey;
  }
  return undefined;
}
