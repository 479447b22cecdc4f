import { randomBytes } from 'node:crypto';
import type { Item } from '../ports';
import { auditWrite, type Actor } from './audit';
import type { CoreDeps } from './deps';
import { invalid, notFound } from './errors';
import { newId } from './ids';
import { requireInboxesInOrg } from './inboxes';
import { deleteRange, listNewestFirst, queryAll, type ListPage, type ListRequest } from './listing';
import { deliveryListPrefix, webhookKey, webhookListPrefix } from './table-keys';
import { webhookUrlProblem } from './webhook-targets';

export interface WebhookSecret {
  secret: string;
  createdAt: string;
  /** Set on a replaced secret: deliveries are signed with it too until then. */
  expiresAt: string | null;
}

export interface WebhookItem extends Item {
  type: 'webhook';
  id: string;
  orgId: string;
  url: string;
  events: string[];
  inboxIds: string[] | null;
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  /** When the current run of failed attempts began; endpoints failing for 5 days are disabled. */
  failingSince: string | null;
  secrets: WebhookSecret[];
  createdAt: string;
  updatedAt: string;
}

export type Webhook = Omit<WebhookItem, 'pk' | 'sk' | 'type' | 'secrets' | 'orgId'>;

export interface CreateWebhookInput {
  url: string;
  events: string[];
  inboxIds?: string[];
  description?: string;
  enabled?: boolean;
}

export interface UpdateWebhookInput {
  url?: string;
  events?: string[];
  inboxIds?: string[] | null;
  description?: string | null;
  enabled?: boolean;
}

/** How long a replaced secret keeps signing, so receivers can switch without missing a delivery. */
export const SECRET_ROTATION_OVERLAP_SECONDS = 24 * 3600;

/** Standard Webhooks secrets: `whsec_` + base64 of 24 random bytes. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export function toWebhook(item: WebhookItem): Webhook {
  const { pk: _pk, sk: _sk, type: _type, secrets: _secrets, orgId: _orgId, ...view } = item;
  return view;
}

/** The secrets deliveries are signed with at `now`: the current one and any replaced one still in its overlap. */
export function signingSecrets(item: WebhookItem, now: Date): string[] {
  return item.secrets.filter((s) => !s.expiresAt || s.expiresAt > now.toISOString()).map((s) => s.secret);
}

async function checkTarget(deps: CoreDeps, orgId: string, input: { url?: string; inboxIds?: string[] | null }): Promise<void> {
  if (input.url !== undefined) {
    const problem = webhookUrlProblem(input.url, deps.settings.webhooks);
    if (problem) throw invalid(problem, { field: 'url' });
  }
  await requireInboxesInOrg(deps, orgId, input.inboxIds ?? []);
}

export async function createWebhook(deps: CoreDeps, actor: Actor, input: CreateWebhookInput): Promise<{ webhook: Webhook; secret: string }> {
  await checkTarget(deps, actor.orgId, input);
  const now = deps.clock.now().toISOString();
  const id = newId('wh', deps.clock.now());
  const secret = newSecret();
  const item: WebhookItem = {
    ...webhookKey(actor.orgId, id),
    type: 'webhook',
    id,
    orgId: actor.orgId,
    url: input.url,
    events: [...new Set(input.events)],
    inboxIds: input.inboxIds ? [...new Set(input.inboxIds)] : null,
    description: input.description ?? null,
    enabled: input.enabled ?? true,
    disabledReason: null,
    failingSince: null,
    secrets: [{ secret, createdAt: now, expiresAt: null }],
    createdAt: now,
    updatedAt: now,
  };
  await deps.table.transactWrite([
    { put: item, ifNotExists: true },
    auditWrite(deps, actor, 'webhook.created', { type: 'webhook', id }, { url: item.url, events: item.events }),
  ]);
  return { webhook: toWebhook(item), secret };
}

export async function getWebhookItem(deps: CoreDeps, orgId: string, webhookId: string): Promise<WebhookItem> {
  const item = await deps.table.get<WebhookItem>(webhookKey(orgId, webhookId));
  if (!item) throw notFound('webhook');
  return item;
}

export async function listWebhooks(deps: CoreDeps, orgId: string, request: ListRequest): Promise<ListPage<Webhook>> {
  const { items, nextCursor } = await listNewestFirst<WebhookItem>(deps.table, webhookListPrefix(orgId), request, () => true);
  return { data: items.map(toWebhook), nextCursor };
}

/** Every endpoint of the org, for fan-out (an org has few). */
export function allWebhooks(deps: CoreDeps, orgId: string): Promise<WebhookItem[]> {
  return queryAll<WebhookItem>(deps.table, webhookListPrefix(orgId));
}

export async function updateWebhook(deps: CoreDeps, actor: Actor, webhookId: string, input: UpdateWebhookInput): Promise<Webhook> {
  await getWebhookItem(deps, actor.orgId, webhookId);
  await checkTarget(deps, actor.orgId, input);
  const set: Record<string, unknown> = {
    url: input.url,
    events: input.events && [...new Set(input.events)],
    inboxIds: input.inboxIds === undefined ? undefined : input.inboxIds && [...new Set(input.inboxIds)],
    description: input.description,
    enabled: input.enabled,
    updatedAt: deps.clock.now().toISOString(),
  };
  // Turning an endpoint back on starts it afresh.
  if (input.enabled === true) Object.assign(set, { disabledReason: null, failingSince: null });
  await deps.table.transactWrite([
    { update: webhookKey(actor.orgId, webhookId), set },
    auditWrite(deps, actor, 'webhook.updated', { type: 'webhook', id: webhookId }, { changed: Object.keys(input) }),
  ]);
  return toWebhook(await getWebhookItem(deps, actor.orgId, webhookId));
}

/** Deletes the endpoint and its delivery history. */
export async function deleteWebhook(deps: CoreDeps, actor: Actor, webhookId: string): Promise<void> {
  const item = await getWebhookItem(deps, actor.orgId, webhookId);
  await deleteRange(deps.table, deliveryListPrefix(actor.orgId, webhookId));
  await deps.table.transactWrite([
    { delete: webhookKey(actor.orgId, webhookId) },
    auditWrite(deps, actor, 'webhook.deleted', { type: 'webhook', id: webhookId }, { url: item.url }),
  ]);
}

/** A new secret (returned once); the old one keeps signing alongside it for a day. */
export async function rotateWebhookSecret(deps: CoreDeps, actor: Actor, webhookId: string): Promise<{ webhook: Webhook; secret: string }> {
  const item = await getWebhookItem(deps, actor.orgId, webhookId);
  const now = deps.clock.now();
  const overlapEnd = new Date(now.getTime() + SECRET_ROTATION_OVERLAP_SECONDS * 1000).toISOString();
  const secret = newSecret();
  const previous = item.secrets.find((s) => !s.expiresAt);
  const secrets: WebhookSecret[] = [
    { secret, createdAt: now.toISOString(), expiresAt: null },
    ...(previous ? [{ ...previous, expiresAt: overlapEnd }] : []),
  ];
  await deps.table.transactWrite([
    { update: webhookKey(actor.orgId, webhookId), set: { secrets, updatedAt: now.toISOString() } },
    auditWrite(deps, actor, 'webhook.secret_rotated', { type: 'webhook', id: webhookId }, { previousSecretValidUntil: overlapEnd }),
  ]);
  return { webhook: toWebhook({ ...item, updatedAt: now.toISOString() }), secret };
}
