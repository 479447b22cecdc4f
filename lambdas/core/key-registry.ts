import type { Clock, Table } from '../ports';
import { displayHint, hashApiKey } from './api-keys';
import type { ApiKeyItem, Scope } from './auth';
import { newId } from './ids';
import { apiKeyByHash, apiKeyInOrg, DEFAULT_ORG_ID, orgKey } from './table-keys';

export interface RegisterKeyInput {
  /** The plaintext key; only its hash and display hint are stored. */
  key: string;
  orgId: string;
  name: string;
  scopes: Scope[];
}

/** Stores a key as its hash (for auth) and an org-scoped twin (for listing) in one transaction. */
export async function registerApiKey(deps: { table: Table; clock: Clock }, input: RegisterKeyInput): Promise<ApiKeyItem> {
  const now = deps.clock.now();
  const keyHash = hashApiKey(input.key);
  const record = {
    keyId: newId('key', now),
    orgId: input.orgId,
    name: input.name,
    scopes: input.scopes,
    ...displayHint(input.key),
    createdAt: now.toISOString(),
  };
  const byHash: ApiKeyItem = { ...apiKeyByHash(keyHash), ...record };
  await deps.table.transactWrite([
    { put: byHash, ifNotExists: true },
    { put: { ...apiKeyInOrg(input.orgId, record.keyId), ...record, keyHash }, ifNotExists: true },
  ]);
  return byHash;
}

/** The org every deployment starts with; later orgs are created through the API. */
export async function ensureDefaultOrg(deps: { table: Table; clock: Clock }): Promise<void> {
  await deps.table.put(
    { ...orgKey(DEFAULT_ORG_ID), id: DEFAULT_ORG_ID, name: 'default', createdAt: deps.clock.now().toISOString() },
    { ifNotExists: true },
  );
}

/** True when the key is stored and usable (used to keep a configured admin key across restarts). */
export async function isRegistered(table: Table, key: string): Promise<boolean> {
  return (await table.get(apiKeyByHash(hashApiKey(key)))) !== undefined;
}
