import type { Item } from '../ports';
import { hashApiKey, isWellFormedApiKey } from './api-keys';
import type { CoreDeps } from './deps';
import { MailroomError, notFound } from './errors';
import { apiKeyByHash } from './table-keys';

export const SCOPES = [
  'inboxes:read',
  'inboxes:write',
  'messages:read',
  'messages:send',
  'webhooks:manage',
  'vault:write',
  'vault:reveal',
  'vault:totp',
  'keys:manage',
  'audit:read',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyRecord {
  keyId: string;
  orgId: string;
  name: string;
  scopes: Scope[];
  /** When set, the key sees only these inboxes. */
  inboxIds: string[] | null;
  prefix: string;
  last4: string;
  createdAt: string;
  /** The key that minted this one; null for keys minted at deploy time or by `npm start`. */
  createdBy: string | null;
  /** ISO time from which the key is refused (its expiry, or the end of a rotation's grace period). */
  validUntil?: string;
  revokedAt?: string;
  /** Set on a rotated key: the key that replaced it. */
  rotatedTo?: string;
}

export type ApiKeyItem = Item & ApiKeyRecord;

export interface Principal {
  orgId: string;
  keyId: string;
  scopes: Scope[];
  inboxIds: string[] | null;
  validUntil: string | null;
}

/**
 * How long an API process trusts a key record it has read. A revoked key is therefore refused everywhere
 * within this many seconds (expiry is checked on every request against the clock, so it is exact).
 */
export const KEY_CACHE_SECONDS = 30;
const KEY_CACHE_ENTRIES = 1000;

/** Key records by hash, per API process, so most requests cost no read. */
export class KeyCache {
  private readonly entries = new Map<string, { item: ApiKeyItem; readAt: number }>();

  async lookup(deps: CoreDeps, keyHash: string): Promise<ApiKeyItem | undefined> {
    const now = deps.clock.now().getTime();
    const cached = this.entries.get(keyHash);
    if (cached && now - cached.readAt < KEY_CACHE_SECONDS * 1000) return cached.item;
    const item = await deps.table.get<ApiKeyItem>(apiKeyByHash(keyHash));
    this.entries.delete(keyHash);
    if (item) {
      if (this.entries.size >= KEY_CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(keyHash, { item, readAt: now });
    }
    return item;
  }

  /** Forgets a key this process just changed, so its own next request sees the change at once. */
  forget(keyHash: string): void {
    this.entries.delete(keyHash);
  }
}

const unauthorized = (message = 'a valid API key is required: Authorization: Bearer mr_...') => new MailroomError('unauthorized', message);

/** The key's state at `now`: only `active` keys are accepted. */
export function keyStatus(record: Pick<ApiKeyRecord, 'revokedAt' | 'validUntil'>, now: Date): 'active' | 'revoked' | 'expired' {
  if (record.revokedAt) return 'revoked';
  if (record.validUntil && record.validUntil <= now.toISOString()) return 'expired';
  return 'active';
}

/** Resolves `Authorization: Bearer <key>` to the key's org and rights; only the key's hash is ever looked up. */
export async function authenticate(deps: CoreDeps, cache: KeyCache, authorization: string | undefined): Promise<{ principal: Principal; apiKey: string }> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match || !isWellFormedApiKey(match[1])) throw unauthorized();
  const item = await cache.lookup(deps, hashApiKey(match[1]));
  if (!item) throw unauthorized();
  const status = keyStatus(item, deps.clock.now());
  if (status !== 'active') throw unauthorized(`this API key is ${status}`);
  return {
    principal: { orgId: item.orgId, keyId: item.keyId, scopes: item.scopes, inboxIds: item.inboxIds ?? null, validUntil: item.validUntil ?? null },
    apiKey: match[1],
  };
}

export const hasScope = (principal: Principal, scope: Scope): boolean => principal.scopes.includes(scope) || principal.scopes.includes('admin');

/** Passes when the key holds the scope, or any one of the scopes given. */
export function requireScope(principal: Principal, scope: Scope | readonly Scope[]): void {
  const anyOf = typeof scope === 'string' ? [scope] : scope;
  if (!anyOf.some((s) => hasScope(principal, s))) {
    const needed = anyOf.length === 1 ? `the ${anyOf[0]} scope` : `one of the scopes ${anyOf.join(', ')}`;
    throw new MailroomError('forbidden', `this API key lacks ${needed}`, { requiredScope: anyOf.length === 1 ? anyOf[0] : anyOf });
  }
}

/** An inbox-restricted key sees other inboxes exactly as it sees another org's: not found. */
export function requireInboxAccess(principal: Principal, inboxId: string): void {
  if (principal.inboxIds && !principal.inboxIds.includes(inboxId)) throw notFound('inbox');
}

export interface Rights {
  orgId: string;
  scopes: Scope[];
  inboxIds: string[] | null;
  validUntil: string | null;
}

/** A key may only hand out (or take away) rights it holds itself: same org, its scopes, its inboxes, its lifetime. */
export function requireCanGrant(principal: Principal, wanted: Rights): void {
  const refuse = (message: string) => {
    throw new MailroomError('forbidden', message);
  };
  if (wanted.orgId !== principal.orgId && !principal.scopes.includes('admin')) refuse('only an admin key acts on another org');
  const missing = wanted.scopes.filter((s) => !hasScope(principal, s) || (s === 'admin' && !principal.scopes.includes('admin')));
  if (missing.length) refuse(`this API key cannot grant scopes it does not have: ${missing.join(', ')}`);
  if (principal.inboxIds) {
    if (!wanted.inboxIds) refuse('an inbox-restricted key can only manage keys restricted to its own inboxes');
    const outside = wanted.inboxIds!.filter((id) => !principal.inboxIds!.includes(id));
    if (outside.length) refuse(`this API key cannot grant access to inboxes it cannot see: ${outside.join(', ')}`);
  }
  if (principal.validUntil && (!wanted.validUntil || wanted.validUntil > principal.validUntil)) {
    refuse(`this API key expires at ${principal.validUntil} and cannot manage a key that outlives it`);
  }
}
