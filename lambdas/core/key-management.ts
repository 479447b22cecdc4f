import type { Item } from '../ports';
import { generateApiKey } from './api-keys';
import { auditWrite, type Actor } from './audit';
import { keyStatus, requireCanGrant, type ApiKeyRecord, type Principal, type Rights, type Scope } from './auth';
import type { CoreDeps } from './deps';
import { MailroomError, invalid, notFound } from './errors';
import { requireInboxesInOrg } from './inboxes';
import { keyRegistration } from './key-registry';
import { listNewestFirst, type ListPage, type ListRequest } from './listing';
import { requireOrg } from './orgs';
import { apiKeyByHash, apiKeyInOrg, apiKeyListPrefix } from './table-keys';

/** What the API shows about a key: never the key itself after creation, never its hash. */
export type ApiKeyView = Pick<ApiKeyRecord, 'orgId' | 'name' | 'scopes' | 'inboxIds' | 'prefix' | 'last4' | 'createdAt' | 'createdBy'> & {
  id: string;
  status: 'active' | 'expired' | 'revoked';
  expiresAt: string | null;
  revokedAt: string | null;
  rotatedTo: string | null;
};

export interface CreateKeyInput {
  name: string;
  scopes: Scope[];
  inboxIds?: string[];
  expiresAt?: string;
  orgId?: string;
}

type KeyTwin = Item & ApiKeyRecord & { keyHash: string };

export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;

export function toApiKeyView(record: ApiKeyRecord, now: Date): ApiKeyView {
  return {
    id: record.keyId,
    orgId: record.orgId,
    name: record.name,
    scopes: record.scopes,
    inboxIds: record.inboxIds ?? null,
    prefix: record.prefix,
    last4: record.last4,
    status: keyStatus(record, now),
    createdAt: record.createdAt,
    createdBy: record.createdBy ?? null,
    expiresAt: record.validUntil ?? null,
    revokedAt: record.revokedAt ?? null,
    rotatedTo: record.rotatedTo ?? null,
  };
}

const rightsOf = (record: ApiKeyRecord): Rights => ({
  orgId: record.orgId,
  scopes: record.scopes,
  inboxIds: record.inboxIds ?? null,
  validUntil: record.validUntil ?? null,
});

/** Mints a key (shown once, in the result) with at most the caller's rights. */
export async function createApiKey(
  deps: CoreDeps,
  principal: Principal,
  actor: Actor,
  input: CreateKeyInput,
): Promise<{ view: ApiKeyView; key: string }> {
  const now = deps.clock.now();
  const orgId = await keyOrg(deps, principal, input.orgId);
  if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= now.getTime()) {
    throw invalid('expiresAt must be in the future', { field: 'expiresAt' });
  }
  const wanted: Rights = {
    orgId,
    scopes: [...new Set(input.scopes)],
    inboxIds: input.inboxIds ? [...new Set(input.inboxIds)] : null,
    // A key minted by an expiring key expires with it unless it asks for less.
    validUntil: input.expiresAt ? new Date(input.expiresAt).toISOString() : principal.validUntil,
  };
  requireCanGrant(principal, wanted);
  await requireInboxesInOrg(deps, orgId, wanted.inboxIds ?? []);
  const key = generateApiKey();
  const { record, writes } = keyRegistration(deps.clock, { key, name: input.name, ...wanted, createdBy: principal.keyId });
  await deps.table.transactWrite([
    ...writes,
    auditWrite(deps, { ...actor, orgId }, 'key.created', { type: 'api_key', id: record.keyId }, { name: record.name, scopes: record.scopes, inboxIds: record.inboxIds, createdByOrg: actor.orgId }),
  ]);
  return { view: toApiKeyView(record, now), key };
}

/** The org whose keys a request acts on: the caller's own, or (admin keys only) the one it names. */
export async function keyOrg(deps: CoreDeps, principal: Principal, orgId: string | undefined): Promise<string> {
  if (orgId === undefined || orgId === principal.orgId) return principal.orgId;
  if (!principal.scopes.includes('admin')) throw new MailroomError('forbidden', 'only an admin key acts on another org');
  await requireOrg(deps, orgId);
  return orgId;
}

export async function listApiKeys(deps: CoreDeps, orgId: string, request: ListRequest): Promise<ListPage<ApiKeyView>> {
  const now = deps.clock.now();
  const { items, nextCursor } = await listNewestFirst<KeyTwin>(deps.table, apiKeyListPrefix(orgId), request, () => true);
  return { data: items.map((i) => toApiKeyView(i, now)), nextCursor };
}

async function getKeyTwin(deps: CoreDeps, orgId: string, keyId: string): Promise<KeyTwin> {
  const twin = await deps.table.get<KeyTwin>(apiKeyInOrg(orgId, keyId));
  if (!twin) throw notFound('API key');
  return twin;
}

/** Revokes a key (idempotently); returns its hash so the caller's process can forget it at once. */
export async function revokeApiKey(deps: CoreDeps, principal: Principal, actor: Actor, keyId: string, orgId = principal.orgId): Promise<string> {
  const twin = await getKeyTwin(deps, orgId, keyId);
  requireCanGrant(principal, rightsOf(twin));
  if (twin.revokedAt) return twin.keyHash;
  const set = { revokedAt: deps.clock.now().toISOString() };
  await deps.table.transactWrite([
    { update: apiKeyByHash(twin.keyHash), set },
    { update: apiKeyInOrg(twin.orgId, keyId), set },
    auditWrite(deps, { ...actor, orgId }, 'key.revoked', { type: 'api_key', id: keyId }, { name: twin.name }),
  ]);
  return twin.keyHash;
}

/**
 * Replaces a key with a new one of the same rights. The old key keeps working for the grace period
 * (never beyond its own expiry), so deployments can switch over without downtime.
 */
export async function rotateApiKey(
  deps: CoreDeps,
  principal: Principal,
  actor: Actor,
  keyId: string,
  gracePeriodSeconds: number = DEFAULT_ROTATION_GRACE_SECONDS,
  orgId = principal.orgId,
): Promise<{ view: ApiKeyView; key: string; oldKeyHash: string }> {
  const now = deps.clock.now();
  const old = await getKeyTwin(deps, orgId, keyId);
  requireCanGrant(principal, rightsOf(old));
  const status = keyStatus(old, now);
  if (status !== 'active') throw new MailroomError('conflict', `this API key is ${status} and cannot be rotated`);
  if (old.rotatedTo) throw new MailroomError('conflict', `this API key was already rotated; rotate ${old.rotatedTo} instead`);
  const graceEnd = new Date(now.getTime() + gracePeriodSeconds * 1000).toISOString();
  const oldValidUntil = old.validUntil && old.validUntil < graceEnd ? old.validUntil : graceEnd;
  const key = generateApiKey();
  const { record, writes } = keyRegistration(deps.clock, { key, ...rightsOf(old), name: old.name, createdBy: principal.keyId });
  const set = { validUntil: oldValidUntil, rotatedTo: record.keyId };
  await deps.table.transactWrite([
    ...writes,
    { update: apiKeyByHash(old.keyHash), set },
    { update: apiKeyInOrg(old.orgId, keyId), set },
    auditWrite(deps, { ...actor, orgId }, 'key.rotated', { type: 'api_key', id: keyId }, { name: old.name, newKeyId: record.keyId, oldKeyValidUntil: oldValidUntil }),
  ]);
  return { view: toApiKeyView(record, now), key, oldKeyHash: old.keyHash };
}
