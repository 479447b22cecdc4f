import type { Item, WriteOp } from '../ports';
import type { CoreDeps } from './deps';
import { newId } from './ids';
import { isLive, listNewestFirst, timeSlice, type ListPage, type ListRequest } from './listing';
import { auditEventKey, auditListPrefix } from './table-keys';

/** Who did something: an API key (with the request it came in), or Mailroom itself (e.g. mail creating an inbox). */
export interface Actor {
  orgId: string;
  type: 'api_key' | 'system';
  id: string;
  requestId: string | null;
  sourceIp: string | null;
}

export const systemActor = (orgId: string, id: string): Actor => ({ orgId, type: 'system', id, requestId: null, sourceIp: null });

export const AUDIT_ACTIONS = [
  'org.created',
  'org.deleted',
  'key.created',
  'key.rotated',
  'key.revoked',
  'inbox.created',
  'inbox.updated',
  'inbox.deleted',
  'address.released',
  'message.deleted',
  'suppression.removed',
  'rule.created',
  'rule.updated',
  'rule.deleted',
  'domain.created',
  'domain.verified',
  'domain.deleted',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.disabled',
  'vault.written',
  'vault.deleted',
  'vault.revealed',
  'vault.totp_issued',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEvent {
  id: string;
  action: AuditAction;
  actor: { type: Actor['type']; id: string };
  target: { type: string; id: string };
  at: string;
  requestId: string | null;
  sourceIp: string | null;
  /** Facts about the change that help an investigation; never secrets, key material or message content. */
  details: Record<string, unknown>;
}

type AuditItem = Item & AuditEvent & { expiresAt: number };

/** The audit event as a write, to be committed in the same transaction as the change it records. */
export function auditWrite(
  deps: Pick<CoreDeps, 'clock' | 'settings'>,
  actor: Actor,
  action: AuditAction,
  target: AuditEvent['target'],
  details: Record<string, unknown> = {},
): WriteOp {
  const now = deps.clock.now();
  const id = newId('evt', now);
  const item: AuditItem = {
    ...auditEventKey(actor.orgId, id),
    id,
    action,
    actor: { type: actor.type, id: actor.id },
    target,
    at: now.toISOString(),
    requestId: actor.requestId,
    sourceIp: actor.sourceIp,
    details,
    expiresAt: Math.floor(now.getTime() / 1000) + deps.settings.auditRetentionDays * 86400,
  };
  return { put: item };
}

export interface AuditQuery extends ListRequest {
  actor?: string;
  action?: string;
  since?: string;
  until?: string;
}

const toEvent = ({ id, action, actor, target, at, requestId, sourceIp, details }: AuditItem): AuditEvent => ({
  id,
  action,
  actor,
  target,
  at,
  requestId,
  sourceIp,
  details,
});

/** Newest first; the time range narrows the key range, actor and action filter what it reads. */
export async function listAuditEvents(deps: CoreDeps, orgId: string, query: AuditQuery): Promise<ListPage<AuditEvent>> {
  const range = { ...auditListPrefix(orgId), ...timeSlice('E#', 'evt', query.since, query.until) };
  const live = isLive(deps.clock.now());
  const keep = (item: AuditItem) =>
    live(item) && (!query.actor || item.actor.id === query.actor) && (!query.action || item.action === query.action);
  const { items, nextCursor } = await listNewestFirst<AuditItem>(deps.table, range, query, keep);
  return { data: items.map(toEvent), nextCursor };
}
