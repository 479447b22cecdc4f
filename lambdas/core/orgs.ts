import type { Clock, Item, Table } from '../ports';
import { auditWrite, type Actor } from './audit';
import type { CoreDeps } from './deps';
import { notFound } from './errors';
import { newId } from './ids';
import { listNewestFirst, type ListPage, type ListRequest } from './listing';
import { DEFAULT_ORG_ID, orgKey, orgListPrefix } from './table-keys';

export interface Org {
  id: string;
  name: string;
  metadata: Record<string, string>;
  /** `deleting` from the moment its deletion is asked for until nothing of it is left. */
  status: 'active' | 'deleting';
  createdAt: string;
}

/** The stored org also names the key protecting its vault. */
export type OrgItem = Item & Omit<Org, 'status'> & { vaultKeyRef?: string; deleting?: true };

const toOrg = ({ id, name, metadata, createdAt, deleting }: OrgItem): Org => ({
  id,
  name,
  metadata: metadata ?? {},
  status: deleting ? 'deleting' : 'active',
  createdAt,
});

export async function createOrg(deps: CoreDeps, actor: Actor, input: { name: string; metadata?: Record<string, string> }): Promise<Org> {
  const now = deps.clock.now();
  const id = newId('org', now);
  const vaultKeyRef = await deps.keyRing.createOrgKey(id);
  const item: OrgItem = { ...orgKey(id), id, name: input.name, metadata: input.metadata ?? {}, createdAt: now.toISOString(), vaultKeyRef };
  await deps.table.transactWrite([{ put: item, ifNotExists: true }, auditWrite(deps, actor, 'org.created', { type: 'org', id }, { name: input.name })]);
  return toOrg(item);
}

export async function listOrgs(deps: CoreDeps, request: ListRequest): Promise<ListPage<Org>> {
  const { items, nextCursor } = await listNewestFirst<OrgItem>(deps.table, orgListPrefix, request, () => true);
  return { data: items.map(toOrg), nextCursor };
}

/** An org that exists and is not being deleted. */
export async function requireOrg(deps: CoreDeps, orgId: string): Promise<Org> {
  const item = await deps.table.get<OrgItem>(orgKey(orgId));
  if (!item || item.deleting) throw notFound('org');
  return toOrg(item);
}

/** The key an org's vault uses; orgs made before the vault existed (or at deploy time) get theirs on first use. */
export async function orgVaultKey(deps: CoreDeps, orgId: string): Promise<string> {
  const org = await deps.table.get<OrgItem>(orgKey(orgId));
  if (org?.vaultKeyRef) return org.vaultKeyRef;
  const keyRef = await deps.keyRing.createOrgKey(orgId);
  if (org) await deps.table.update(orgKey(orgId), { vaultKeyRef: keyRef });
  return keyRef;
}

/** The org every deployment starts with; the first admin key belongs to it. */
export async function ensureDefaultOrg(deps: { table: Table; clock: Clock }): Promise<void> {
  await deps.table.put(
    { ...orgKey(DEFAULT_ORG_ID), id: DEFAULT_ORG_ID, name: 'default', metadata: {}, createdAt: deps.clock.now().toISOString() },
    { ifNotExists: true },
  );
}
