import type { Item } from '../ports';
import { hashApiKey, isWellFormedApiKey } from './api-keys';
import type { CoreDeps } from './deps';
import { MailroomError } from './errors';
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

export interface ApiKeyItem extends Item {
  keyId: string;
  orgId: string;
  name: string;
  scopes: Scope[];
  prefix: string;
  last4: string;
  createdAt: string;
  /** ISO time after which the key is refused. */
  expiresAt?: string;
  revokedAt?: string;
}

export interface Principal {
  orgId: string;
  keyId: string;
  scopes: Scope[];
}

const unauthorized = () => new MailroomError('unauthorized', 'a valid API key is required: Authorization: Bearer mr_...');

/** Resolves `Authorization: Bearer <key>` to the key's org and scopes; only the key's hash is ever looked up. */
export async function authenticate(deps: CoreDeps, authorization: string | undefined): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match || !isWellFormedApiKey(match[1])) throw unauthorized();
  const item = await deps.table.get<ApiKeyItem>(apiKeyByHash(hashApiKey(match[1])));
  const now = deps.clock.now().toISOString();
  if (!item || item.revokedAt || (item.expiresAt && item.expiresAt <= now)) throw unauthorized();
  return { orgId: item.orgId, keyId: item.keyId, scopes: item.scopes };
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
    throw new MailroomError('forbidden', `this API key lacks the ${scope} scope`, { requiredScope: scope });
  }
}
