import type { MailroomEvent } from '../../ports';
import type { CoreDeps } from '../deps';
import { cursorAt, eventsAfter, type EventCursor } from './event-log';
import type { EventType } from './events';

/** What one stream sends: the org's events, narrowed to some inboxes and types. */
export interface EventStreamRequest {
  orgId: string;
  /** The inboxes the caller's key is restricted to, or null for all. */
  visibleInboxes: string[] | null;
  inboxIds?: string[];
  types?: EventType[];
  /** The last event the client saw (`Last-Event-ID`): the stream starts right after it; otherwise with what comes next. */
  after?: EventCursor;
}

export interface EventStreamTiming {
  /** How often the log is read while nothing tells of new events. */
  pollMs: number;
  /** A comment line at least this often keeps proxies from closing a quiet stream. */
  heartbeatMs: number;
  /** The stream ends after this long (a Lambda's time is bounded); the client reconnects with Last-Event-ID. */
  maxMs: number;
}

const PAGE = 100;
/** What an EventSource waits before it reconnects, sent first so a stream that ends is resumed at once. */
const RECONNECT_MS = 500;

/**
 * Server-Sent Events of an org's log, oldest first, each `id:` its place in the log, so a reconnect with
 * Last-Event-ID resumes without a gap or a repeat for as long as the log keeps events. Events are passed over
 * only once they are older than the settle time (see CoreSettings.eventSettleMs).
 */
export async function* eventStream(deps: CoreDeps, request: EventStreamRequest, timing: EventStreamTiming): AsyncGenerator<Buffer> {
  const shown = visibleTo(request);
  const watch = deps.eventNotices?.watch(request.orgId);
  try {
    const started = deps.clock.now().getTime();
    let cursor = request.after ?? cursorAt(deps.clock.now());
    let lastSent = started;
    yield frame(`retry: ${RECONNECT_MS}\n: connected\n\n`);
    while (deps.clock.now().getTime() - started < timing.maxMs) {
      const settled = new Date(deps.clock.now().getTime() - deps.settings.eventSettleMs);
      const page = await eventsAfter(deps, request.orgId, cursor, settled, PAGE);
      const frames: string[] = [];
      for (const { cursor: at, event } of page) {
        cursor = at;
        if (shown(event)) frames.push(`id: ${at}\nevent: ${event.type}\ndata: ${JSON.stringify(eventPayload(event))}\n\n`);
      }
      if (frames.length) {
        lastSent = deps.clock.now().getTime();
        yield frame(frames.join(''));
      }
      if (page.length === PAGE) continue;
      if (deps.clock.now().getTime() - lastSent >= timing.heartbeatMs) {
        lastSent = deps.clock.now().getTime();
        yield frame(': keep-alive\n\n');
      }
      // Word of a new event may come before it has settled: then the next look is after the settle time.
      if (!watch) await sleep(timing.pollMs);
      else if ((await watch.next(timing.pollMs)) && deps.settings.eventSettleMs > 0) await sleep(deps.settings.eventSettleMs);
    }
    yield frame(': the stream ends here; reconnect with Last-Event-ID to go on\n\n');
  } finally {
    watch?.close();
  }
}

/** An event as a stream carries it: a webhook's body, with the event's id and inbox. */
export const eventPayload = (event: MailroomEvent) => ({ id: event.id, type: event.type, timestamp: event.timestamp, inboxId: event.inboxId, data: event.data });

function visibleTo(request: EventStreamRequest): (event: MailroomEvent) => boolean {
  const { visibleInboxes, inboxIds, types } = request;
  const inInbox = (ids: string[] | null | undefined, event: MailroomEvent) => !ids || (event.inboxId !== null && ids.includes(event.inboxId));
  return (event) => (!types || types.includes(event.type as EventType)) && inInbox(visibleInboxes, event) && inInbox(inboxIds, event);
}

const frame = (text: string) => Buffer.from(text, 'utf8');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
