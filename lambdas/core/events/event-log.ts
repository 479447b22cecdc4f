import type { Item, MailroomEvent } from '../../ports';
import type { CoreDeps } from '../deps';
import { invalid } from '../errors';
import { isLive } from '../listing';
import { packJson, unpackJson } from '../packed-json';
import { eventLogKey, eventLogPrefix, type ItemKey } from '../table-keys';

/** How long the log keeps an event: a live stream can resume (Last-Event-ID) without a gap within this time. */
export const EVENT_RETENTION_HOURS = 72;

/**
 * Where an event stands in its org's log: the time it was logged, then its id (events logged in the same
 * millisecond sort by id). It is the stream's `id:`, so a client resumes after the last one it saw; a time alone
 * (a UTC ISO time with milliseconds) resumes with what was logged from then on.
 */
export type EventCursor = string;
const CURSOR = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z(#evt_[0-9A-HJKMNP-TV-Z]{26})?$/;

/**
 * The event gzipped: a message.received event carries the message's summary, which packed keeps its entry under
 * the 1 KB a write unit covers (plain, about 2). Entries logged before packing hold the event as a map.
 */
export interface EventLogItem extends Item {
  type: 'event';
  /** Beside the packed event, for deleting an inbox's entries without unpacking the org's. */
  inboxId?: string;
  packed?: Uint8Array;
  event?: MailroomEvent;
  expiresAt: number;
}

function eventOf(item: EventLogItem): MailroomEvent {
  if (item.packed) return unpackJson<MailroomEvent>(item.packed);
  if (item.event) return item.event;
  throw new Error(`event log entry ${item.sk} holds no event`);
}

/** An event's entry in its org's log, logged at `at`. */
export const eventLogItem = (event: MailroomEvent, at: Date): EventLogItem => ({
  ...eventLogKey(event.orgId, `${at.toISOString()}#${event.id}`),
  type: 'event',
  ...(event.inboxId ? { inboxId: event.inboxId } : {}),
  packed: packJson(JSON.stringify(event)),
  expiresAt: Math.floor(at.getTime() / 1000) + EVENT_RETENTION_HOURS * 3600,
});

/** Appends an event to its org's log, logged at `at` (the caller's clock by default). */
export async function logEvent(deps: Pick<CoreDeps, 'table' | 'clock'>, event: MailroomEvent, at = deps.clock.now()): Promise<void> {
  await deps.table.put(eventLogItem(event, at));
}

/** Deletes what the org's log says about an inbox (its message summaries), page by page: the log holds days of events. */
export async function forgetEventsOfInbox(deps: Pick<CoreDeps, 'table'>, orgId: string, inboxId: string): Promise<void> {
  for (let startAfter: ItemKey | undefined, first = true; first || startAfter; first = false) {
    const page = await deps.table.query<EventLogItem>({ ...eventLogPrefix(orgId), limit: 1000, startAfter });
    await Promise.all(page.items.filter((item) => (item.inboxId ?? item.event?.inboxId) === inboxId).map((item) => deps.table.delete(item)));
    startAfter = page.lastKey;
  }
}

export function parseCursor(value: string): EventCursor {
  if (!CURSOR.test(value) || Number.isNaN(Date.parse(value.slice(0, 24)))) {
    throw invalid('Last-Event-ID is the id of an event a stream sent (a time, #, then an evt_ id), or a time (2026-12-07T15:00:00.000Z)', { field: 'Last-Event-ID' });
  }
  return value;
}

/** A cursor that comes before anything logged from `at` on. */
export const cursorAt = (at: Date): EventCursor => at.toISOString();

export interface LoggedEvent {
  cursor: EventCursor;
  event: MailroomEvent;
}

/** Events logged after `after` and before `before`, oldest first, one page of at most `limit`. */
export async function eventsAfter(deps: Pick<CoreDeps, 'table' | 'clock'>, orgId: string, after: EventCursor, before: Date, limit: number): Promise<LoggedEvent[]> {
  const prefix = eventLogPrefix(orgId);
  // A cursor from before the retention starts where the log does, past events that only wait for TTL's deletion.
  const oldest = cursorAt(new Date(deps.clock.now().getTime() - EVENT_RETENTION_HOURS * 3600_000));
  if (after < oldest) after = oldest;
  // Nothing has settled since the cursor yet (a stream that just opened at "now").
  if (before.toISOString() <= after.slice(0, 24)) return [];
  const page = await deps.table.query<EventLogItem>({
    ...prefix,
    limit: limit + 1,
    skFrom: `${prefix.skPrefix}${after}`,
    skTo: `${prefix.skPrefix}${before.toISOString()}`,
  });
  return page.items
    .filter(isLive(deps.clock.now()))
    .map((item) => ({ cursor: item.sk.slice(prefix.skPrefix.length), item }))
    .filter((logged) => logged.cursor > after)
    .slice(0, limit)
    .map(({ cursor, item }) => ({ cursor, event: eventOf(item) }));
}
