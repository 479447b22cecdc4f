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
  createdAt: string;
}

type OrgItem = Item & Org;

const toOrg = ({ id, name, metadata, createdAt }: OrgItem): Org => ({ id, name, metadata: metadata ?? {}, createdAt });

export async function createOrg(deps: CoreDeps, actor: Actor, input: { name: string; metadata?: Record<string, string> }): Promise<Org> {
  const now = deps.clock.now();
  const id = newId('org', now);
  const item: OrgItem = { ...orgKey(id), id, name: input.name, metadata: input.metadata ?? {}, createdAt: now.toISOString() };
  await deps.table.transactWrite([{ put: item, ifNotExists: true }, auditWrite(deps, actor, 'org.created', { type: 'org', id }, { name: input.name })]);
  return toOrg(item);
}

export async function listOrgs(deps: CoreDeps, request: ListRequest): Promise<ListPage<Org>> {
  const { items, nextCursor } = await listNewestFirst<OrgItem>(deps.table, orgListPrefix, request, () => true);
  return { data: items.map(toOrg), nextCursor };
}

export async function requireOrg(deps: CoreDeps, orgId: string): Promise<Org> {
  const item = await deps.table.get<OrgItem>(orgKey(orgId));
  if (!item) throw notFound('org');
  return toOrg(item);
}

/** The org every deployment starts with; the first admin key belongs to it. */
export async function ensureDefaultOrg(deps: { table: Table; clock: Clock }): Promise<void> {
  await deps.table.put(
    { ...orgKey(DEFAULT_ORG_ID), id: DEFAULT_ORG_ID, name: 'default', metadata: {}, createdAt: deps.clock.now().toISOString() },
    { ifNotExists: true },
  );
}
