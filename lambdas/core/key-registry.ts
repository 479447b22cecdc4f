import type { Clock, Table, WriteOp } from '../ports';
import { displayHint, hashApiKey } from './api-keys';
import type { ApiKeyItem, ApiKeyRecord, Scope } from './auth';
import { newId } from './ids';
import { apiKeyByHash, apiKeyInOrg } from './table-keys';

export interface RegisterKeyInput {
  /** The plaintext key; only its hash and display hint are stored. */
  key: string;
  orgId: string;
  name: string;
  scopes: Scope[];
  inboxIds?: string[] | null;
  validUntil?: string | null;
  createdBy?: string | null;
}

/** A key's record and the two writes that store it: by hash (for auth) and an org-scoped twin (for listing). */
export function keyRegistration(clock: Clock, input: RegisterKeyInput): { record: ApiKeyRecord; writes: WriteOp[] } {
  const now = clock.now();
  const keyHash = hashApiKey(input.key);
  const record: ApiKeyRecord = {
    keyId: newId('key', now),
    orgId: input.orgId,
    name: input.name,
    scopes: input.scopes,
    inboxIds: input.inboxIds ?? null,
    ...displayHint(input.key),
    createdAt: now.toISOString(),
    createdBy: input.createdBy ?? null,
    ...(input.validUntil ? { validUntil: input.validUntil } : {}),
  };
  return {
    record,
    writes: [
      { put: { ...apiKeyByHash(keyHash), ...record }, ifNotExists: true },
      { put: { ...apiKeyInOrg(input.orgId, record.keyId), ...record, keyHash }, ifNotExists: true },
    ],
  };
}

/** Stores a key minted outside the API (deploy time, `npm start`, tests). */
export async function registerApiKey(deps: { table: Table; clock: Clock }, input: RegisterKeyInput): Promise<ApiKeyItem> {
  const { record, writes } = keyRegistration(deps.clock, input);
  await deps.table.transactWrite(writes);
  return { ...apiKeyByHash(hashApiKey(input.key)), ...record };
}

/** True when the key is stored and usable (used to keep a configured admin key across restarts). */
export async function isRegistered(table: Table, key: string): Promise<boolean> {
  return (await table.get(apiKeyByHash(hashApiKey(key)))) !== undefined;
}
