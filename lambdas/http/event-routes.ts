import { requireInboxAccess } from '../core/auth';
import { parseCursor } from '../core/events/event-log';
import { eventStream } from '../core/events/event-stream';
import { requireInboxesInOrg } from '../core/inboxes';
import { route, type Route } from './route';
import { eventStreamQuery } from './schemas';

/**
 * How a live stream runs wherever it is served: it reads the log once a second while nothing tells it of new
 * events (on AWS, one Query a second), and ends after ten minutes, within a streaming Lambda's fifteen.
 */
export const EVENT_STREAM_TIMING = { pollMs: 1000, heartbeatMs: 15_000, maxMs: 10 * 60_000 };

export const eventRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/v1/events',
    readsOnly: true,
    summary:
      'Live events as Server-Sent Events: the events webhooks carry (message.received, message.sent, message.delivered, message.bounced, ' +
      'message.complained) as they happen, oldest first, for the inboxes the key sees; each has an id, and a reconnect with Last-Event-ID resumes ' +
      'right after it, without a gap, for the event retention (72 hours). The stream ends after ten minutes; EventSource reconnects by itself',
    tag: 'events',
    scope: 'messages:read',
    query: eventStreamQuery,
    response: { status: 200, description: 'a text/event-stream of events', contentType: 'text/event-stream' },
    handle: async ({ deps, principal, query, headers }) => {
      const lastEventId = headers['last-event-id'] ?? query.lastEventId;
      const after = lastEventId === undefined || lastEventId === '' ? undefined : parseCursor(lastEventId);
      if (query.inboxIds) {
        for (const inboxId of query.inboxIds) requireInboxAccess(principal, inboxId);
        await requireInboxesInOrg(deps, principal.orgId, query.inboxIds);
      }
      const request = { orgId: principal.orgId, visibleInboxes: principal.inboxIds, inboxIds: query.inboxIds, types: query.types, after };
      return { status: 200, stream: { contentType: 'text/event-stream; charset=utf-8', chunks: eventStream(deps, request, EVENT_STREAM_TIMING) } };
    },
  }),
];
