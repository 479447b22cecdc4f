import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { Item, Job, MailroomEvent } from '../ports';
import { auditWrite, systemActor } from './audit';
import { METRIC } from './metric-names';
import type { CoreDeps } from './deps';
import { notFound } from './errors';
import { deterministicId, newId } from './ids';
import { listNewestFirst, type ListPage, type ListRequest } from './listing';
import { deliveryKey, deliveryListPrefix, webhookKey } from './table-keys';
import { allWebhooks, getWebhookItem, signingSecrets, type WebhookItem } from './webhooks';

export interface DeliveryAttempt {
  at: string;
  /** How the attempt came about: the retry schedule, or someone asking (retry, test). */
  trigger: 'schedule' | 'manual';
  statusCode: number | null;
  latencyMs: number;
  responseSnippet: string | null;
  error: string | null;
}

export interface DeliveryItem extends Item {
  type: 'delivery';
  id: string;
  orgId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  /** The inbox the event is about, if any (so deleting the inbox can take its deliveries along). */
  inboxId?: string | null;
  /** The exact body sent on every attempt. */
  payload: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: DeliveryAttempt[];
  attemptCount: number;
  scheduledAttempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: number;
}

export type Delivery = Omit<DeliveryItem, 'pk' | 'sk' | 'type' | 'orgId' | 'payload' | 'expiresAt' | 'scheduledAttempts' | 'inboxId'> & { payload: unknown };

/** Deliveries (and their attempts) are kept this long for inspection and replay. */
export const DELIVERY_RETENTION_DAYS = 30;
/** An endpoint that has failed without a single success for this long is turned off. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3600 * 1000;
const MAX_ATTEMPTS_KEPT = 50;
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

export const toDelivery = ({ pk: _pk, sk: _sk, type: _t, orgId: _o, expiresAt: _e, scheduledAttempts: _s, inboxId: _i, payload, ...rest }: DeliveryItem): Delivery => ({
  ...rest,
  payload: JSON.parse(payload) as unknown,
});

/** Webhook work: fanning an event out to the endpoints that want it, or one delivery attempt. */
export async function runWebhookJob(deps: CoreDeps, job: Extract<Job, { kind: 'fan-out' | 'deliver' }>): Promise<void> {
  if (job.kind === 'fan-out') return fanOut(deps, job.event);
  const delivery = await deps.table.get<DeliveryItem>(deliveryKey(job.orgId, job.webhookId, job.deliveryId));
  if (!delivery || delivery.status !== 'pending') return;
  const now = deps.clock.now();
  // A queue may hand a job over early (e.g. a delay longer than it supports): wait for the planned time.
  if (delivery.nextAttemptAt && delivery.nextAttemptAt > now.toISOString()) return deps.jobs.enqueue(job, new Date(delivery.nextAttemptAt));
  const hook = await deps.table.get<WebhookItem>(webhookKey(job.orgId, job.webhookId));
  if (!hook || !hook.enabled) {
    await deps.table.update(deliveryKey(job.orgId, job.webhookId, job.deliveryId), {
      status: 'failed',
      nextAttemptAt: null,
      updatedAt: now.toISOString(),
    });
    return;
  }
  await attempt(deps, hook, delivery, 'schedule');
}

/** The org's enabled endpoints that want this event. */
export async function webhooksFor(deps: CoreDeps, event: MailroomEvent): Promise<WebhookItem[]> {
  return (await allWebhooks(deps, event.orgId)).filter(
    (h) => h.enabled && h.events.includes(event.type) && (!h.inboxIds || (event.inboxId !== null && h.inboxIds.includes(event.inboxId))),
  );
}

/** One delivery per (event, endpoint): a repeated event finds its deliveries already made and sends nothing. */
async function fanOut(deps: CoreDeps, event: MailroomEvent): Promise<void> {
  const hooks = await webhooksFor(deps, event);
  await Promise.all(
    hooks.map(async (hook) => {
      const delivery = await createDelivery(deps, hook, event, deterministicId('dlv', new Date(event.timestamp), event.id, hook.id));
      if (delivery) await attempt(deps, hook, delivery, 'schedule');
    }),
  );
}

async function createDelivery(deps: CoreDeps, hook: WebhookItem, event: MailroomEvent, id: string): Promise<DeliveryItem | undefined> {
  const now = deps.clock.now();
  const item: DeliveryItem = {
    ...deliveryKey(hook.orgId, hook.id, id),
    type: 'delivery',
    id,
    orgId: hook.orgId,
    webhookId: hook.id,
    eventId: event.id,
    eventType: event.type,
    inboxId: event.inboxId,
    payload: JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data }),
    status: 'pending',
    attempts: [],
    attemptCount: 0,
    scheduledAttempts: 0,
    nextAttemptAt: now.toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + DELIVERY_RETENTION_DAYS * 86400,
  };
  return (await deps.table.put(item, { ifNotExists: true })) ? item : undefined;
}

/** Standard Webhooks v1: one `v1,<base64>` signature per signing secret, space-separated. */
export function signatureHeader(secrets: string[], webhookId: string, at: Date, body: string): string {
  return secrets.map((secret) => new StandardWebhook(secret).sign(webhookId, at, body)).join(' ');
}

/** Sends the delivery once, records the attempt, and plans the next one (or gives up, or turns the endpoint off). */
async function attempt(deps: CoreDeps, hook: WebhookItem, delivery: DeliveryItem, trigger: DeliveryAttempt['trigger']): Promise<DeliveryItem> {
  const at = deps.clock.now();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Mailroom-Webhooks/1',
    'webhook-id': delivery.eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatureHeader(signingSecrets(hook, at), delivery.eventId, at, delivery.payload),
  };
  const started = performance.now();
  let statusCode: number | null = null;
  let responseSnippet: string | null = null;
  let error: string | null = null;
  let retryAfterHeader: string | undefined;
  try {
    const response = await deps.webhookSender.send({ url: hook.url, headers, body: delivery.payload, timeoutMs: deps.settings.webhooks.timeoutMs });
    statusCode = response.status;
    responseSnippet = response.bodySnippet;
    if (statusCode === 429 || statusCode === 503) retryAfterHeader = response.headers['retry-after'];
    if (statusCode >= 300 && statusCode < 400) error = 'redirects are not followed';
  } catch (err) {
    error = (err as Error).message;
  }
  // Waits count from the answer, not from the request: Retry-After means "after this response".
  const answeredAt = deps.clock.now();
  const retryAfterMs = retryAfter(retryAfterHeader, answeredAt);
  const succeeded = statusCode !== null && statusCode >= 200 && statusCode < 300;
  deps.metrics.count(METRIC.webhookAttempts);
  deps.metrics.count(succeeded ? METRIC.webhookSuccesses : METRIC.webhookFailures);
  const gone = statusCode === 410;
  const record: DeliveryAttempt = { at: at.toISOString(), trigger, statusCode, latencyMs: Math.round(performance.now() - started), responseSnippet, error };

  const failingSince = succeeded ? null : (hook.failingSince ?? at.toISOString());
  const disableReason = gone
    ? 'the endpoint answered 410 Gone'
    : failingSince && at.getTime() - Date.parse(failingSince) >= DISABLE_AFTER_FAILING_MS
      ? 'every attempt failed for 5 days'
      : null;

  const scheduledAttempts = delivery.scheduledAttempts + (trigger === 'schedule' ? 1 : 0);
  const delays = deps.settings.webhooks.retryDelaysMs;
  let status: DeliveryItem['status'] = succeeded ? 'succeeded' : delivery.status;
  let nextAttemptAt: string | null = succeeded ? null : delivery.nextAttemptAt;
  if (!succeeded && trigger === 'schedule') {
    if (disableReason || scheduledAttempts > delays.length) {
      status = 'failed';
      nextAttemptAt = null;
    } else {
      const delay = Math.max(jittered(delays[scheduledAttempts - 1]), retryAfterMs);
      nextAttemptAt = new Date(answeredAt.getTime() + delay).toISOString();
    }
  }
  const updated: DeliveryItem = {
    ...delivery,
    status,
    nextAttemptAt,
    scheduledAttempts,
    attemptCount: delivery.attemptCount + 1,
    attempts: [...delivery.attempts, record].slice(-MAX_ATTEMPTS_KEPT),
    updatedAt: at.toISOString(),
  };
  // Queues deliver at least once: if another run recorded an attempt meanwhile, it also planned what follows.
  if (!(await deps.table.put(updated, { ifUnchanged: { attribute: 'attemptCount', value: delivery.attemptCount } }))) {
    deps.log.warn('delivery attempted twice at once; keeping the other record', { deliveryId: delivery.id });
    return (await deps.table.get<DeliveryItem>(deliveryKey(hook.orgId, hook.id, delivery.id))) ?? updated;
  }
  if (status === 'pending' && nextAttemptAt && trigger === 'schedule') {
    await deps.jobs.enqueue({ kind: 'deliver', orgId: hook.orgId, webhookId: hook.id, deliveryId: delivery.id }, new Date(nextAttemptAt));
  }
  await trackEndpointHealth(deps, hook, failingSince, disableReason, at);
  return updated;
}

/** ±10 % so endpoints that failed together do not all retry in the same instant. */
function jittered(ms: number): number {
  return Math.round(ms * (0.9 + Math.random() * 0.2));
}

/** Retry-After as seconds or an HTTP date, capped at a day; 0 when absent or unreadable. */
function retryAfter(value: string | undefined, now: Date): number {
  if (!value) return 0;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - now.getTime();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : 0;
}

/** Remembers when the current run of failures began (or that it ended), and turns the endpoint off when told why. */
async function trackEndpointHealth(deps: CoreDeps, hook: WebhookItem, failingSince: string | null, disableReason: string | null, at: Date): Promise<void> {
  const key = webhookKey(hook.orgId, hook.id);
  if (!disableReason) {
    if (failingSince !== hook.failingSince) await deps.table.update(key, { failingSince });
    return;
  }
  await deps.table.transactWrite([
    { update: key, set: { enabled: false, disabledReason: disableReason, failingSince, updatedAt: at.toISOString() } },
    auditWrite(deps, systemActor(hook.orgId, 'webhook-delivery'), 'webhook.disabled', { type: 'webhook', id: hook.id }, { reason: disableReason, url: hook.url }),
  ]);
  deps.metrics.count(METRIC.webhookEndpointsDisabled);
  deps.log.warn('webhook endpoint disabled', { orgId: hook.orgId, webhookId: hook.id, reason: disableReason });
}

export interface DeliveryQuery extends ListRequest {
  status?: DeliveryItem['status'];
}

export async function listDeliveries(deps: CoreDeps, orgId: string, webhookId: string, query: DeliveryQuery): Promise<ListPage<Delivery>> {
  await getWebhookItem(deps, orgId, webhookId);
  const keep = (d: DeliveryItem) => !query.status || d.status === query.status;
  const { items, nextCursor } = await listNewestFirst<DeliveryItem>(deps.table, deliveryListPrefix(orgId, webhookId), query, keep);
  return { data: items.map(toDelivery), nextCursor };
}

/** Sends a delivery again now, with the same webhook-id, whatever its state (e.g. replay after it failed). */
export async function retryDelivery(deps: CoreDeps, orgId: string, webhookId: string, deliveryId: string): Promise<Delivery> {
  const hook = await getWebhookItem(deps, orgId, webhookId);
  const delivery = await deps.table.get<DeliveryItem>(deliveryKey(orgId, webhookId, deliveryId));
  if (!delivery) throw notFound('delivery');
  return toDelivery(await attempt(deps, hook, delivery, 'manual'));
}

/** Sends a `webhook.test` event to this endpoint only, once, and returns what happened. */
export async function sendTestEvent(deps: CoreDeps, orgId: string, webhookId: string): Promise<Delivery> {
  const hook = await getWebhookItem(deps, orgId, webhookId);
  const now = deps.clock.now();
  const event: MailroomEvent = {
    id: newId('evt', now),
    type: 'webhook.test',
    timestamp: now.toISOString(),
    orgId,
    inboxId: null,
    data: { webhookId, message: 'A test event from Mailroom: your endpoint is reachable and can verify signatures.' },
  };
  const delivery = await createDelivery(deps, hook, event, newId('dlv', now));
  const attempted = await attempt(deps, hook, delivery!, 'manual');
  if (attempted.status !== 'pending') return toDelivery(attempted);
  // A test is one attempt, never retried.
  const failed: DeliveryItem = { ...attempted, status: 'failed', nextAttemptAt: null };
  await deps.table.put(failed);
  return toDelivery(failed);
}
