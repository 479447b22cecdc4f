import { randomBytes } from 'node:crypto';
import type { Item } from '../ports';
import { addressTaken, retiredAddress } from './address-claims';
import { auditWrite, type Actor } from './audit';
import type { CoreDeps } from './deps';
import { MailroomError, invalid, notFound } from './errors';
import { newId } from './ids';
import { isLive, listNewestFirst, type ListPage, type ListRequest } from './listing';
import { DOMAIN_PATTERN, LOCAL_PART_PATTERN } from './mail/addresses';
import type { Rule } from './rules/rule-matching';
import { ownsVerified, type DomainItem } from './domains/domains';
import { addressClaimKey, domainClaimKey, inboxKey, inboxListPrefix } from './table-keys';

export interface InboxItem extends Item {
  type: 'inbox';
  id: string;
  orgId: string;
  address: string;
  localPart: string;
  domain: string;
  label: string | null;
  metadata: Record<string, string>;
  retentionDays: number | null;
  /** Extract codes even from mail that failed DMARC or was flagged as spam (off unless set). */
  codesFromUnverifiedMail?: boolean;
  sending?: SendingGuardrails;
  /** The inbox's own allow and block rules, in order (see rules/). */
  rules?: Rule[];
  rulesVersion?: number;
  /** Received mail its rules or its org's kept out. */
  blockedMessages?: number;
  createdAt: string;
  updatedAt: string;
  /** Epoch seconds; set for temporary inboxes. */
  expiresAt?: number;
  /** Set while the inbox is being purged: it receives and shows nothing more. */
  deleting?: true;
}

/** What an inbox may send: at most `dailyLimit` messages a UTC day, and only to recipients its lists admit. */
export interface SendingGuardrails {
  /** Null: the default limit. */
  dailyLimit: number | null;
  /** Addresses or domains; when not empty, only these may be sent to. */
  allowList: string[];
  /** Addresses or domains never sent to. */
  blockList: string[];
}

export interface Inbox {
  id: string;
  address: string;
  localPart: string;
  domain: string;
  label: string | null;
  metadata: Record<string, string>;
  retentionDays: number;
  codesFromUnverifiedMail: boolean;
  sending: SendingGuardrails;
  blockedMessages: number;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreateInboxInput {
  localPart?: string;
  domain?: string;
  label?: string;
  metadata?: Record<string, string>;
  retentionDays?: number;
  ttlMinutes?: number;
  codesFromUnverifiedMail?: boolean;
  sending?: SendingGuardrails;
}

export interface UpdateInboxInput {
  label?: string | null;
  metadata?: Record<string, string>;
  retentionDays?: number | null;
  codesFromUnverifiedMail?: boolean;
  sending?: SendingGuardrails;
}

export function toInbox(item: InboxItem, defaultRetentionDays: number): Inbox {
  return {
    id: item.id,
    address: item.address,
    localPart: item.localPart,
    domain: item.domain,
    label: item.label,
    metadata: item.metadata,
    retentionDays: item.retentionDays ?? defaultRetentionDays,
    codesFromUnverifiedMail: item.codesFromUnverifiedMail ?? false,
    sending: item.sending ?? NO_GUARDRAILS,
    blockedMessages: item.blockedMessages ?? 0,
    expiresAt: item.expiresAt ? new Date(item.expiresAt * 1000).toISOString() : null,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

const NO_GUARDRAILS: SendingGuardrails = { dailyLimit: null, allowList: [], blockList: [] };

const normalisedGuardrails = (g: SendingGuardrails): SendingGuardrails => ({
  dailyLimit: g.dailyLimit,
  allowList: g.allowList.map((e) => e.toLowerCase()),
  blockList: g.blockList.map((e) => e.toLowerCase()),
});

/** Random local parts are 12 base36 characters: unguessable enough that a test inbox is not found by chance. */
function randomLocalPart(): string {
  return BigInt(`0x${randomBytes(8).toString('hex')}`).toString(36).padStart(12, '0').slice(-12);
}

export async function createInbox(deps: CoreDeps, actor: Actor, input: CreateInboxInput): Promise<InboxItem> {
  const { orgId } = actor;
  const domain = (input.domain ?? deps.settings.domains[0]).toLowerCase();
  const configured = deps.settings.domains.includes(domain);
  if (!DOMAIN_PATTERN.test(domain) || (!configured && !ownsVerified(await deps.table.get<DomainItem>(domainClaimKey(domain)), orgId))) {
    throw invalid(`domain must be one of ${deps.settings.domains.join(', ')}, or a verified domain of this org (see /v1/domains)`, { field: 'domain' });
  }
  const localPart = (input.localPart ?? randomLocalPart()).toLowerCase();
  if (!LOCAL_PART_PATTERN.test(localPart)) {
    throw invalid('localPart may contain letters, digits, ".", "_" and "-" (no "+"), and must start and end with a letter or digit', {
      field: 'localPart',
    });
  }
  const now = deps.clock.now();
  const address = `${localPart}@${domain}`;
  const id = newId('inb', now);
  const item: InboxItem = {
    ...inboxKey(orgId, id),
    type: 'inbox',
    id,
    orgId,
    address,
    localPart,
    domain,
    label: input.label ?? null,
    metadata: input.metadata ?? {},
    retentionDays: input.retentionDays ?? null,
    codesFromUnverifiedMail: input.codesFromUnverifiedMail ?? false,
    sending: input.sending ? normalisedGuardrails(input.sending) : NO_GUARDRAILS,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: input.ttlMinutes ? Math.floor(now.getTime() / 1000) + input.ttlMinutes * 60 : undefined,
  };
  try {
    await deps.table.transactWrite([
      { put: item, ifNotExists: true },
      { put: { ...addressClaimKey(address), orgId, inboxId: id, expiresAt: item.expiresAt }, ifNotExists: true },
      auditWrite(deps, actor, 'inbox.created', { type: 'inbox', id }, { address }),
    ]);
  } catch (err) {
    if (err instanceof MailroomError && err.code === 'conflict') throw await addressTaken(deps, orgId, address);
    throw err;
  }
  return item;
}

export async function getInbox(deps: CoreDeps, orgId: string, inboxId: string): Promise<InboxItem> {
  const item = await inboxEvenIfDeleting(deps, orgId, inboxId);
  if (item.deleting) throw notFound('inbox');
  return item;
}

/** A live inbox, also one whose deletion began (so a deletion cut short can be repeated). */
export async function inboxEvenIfDeleting(deps: CoreDeps, orgId: string, inboxId: string): Promise<InboxItem> {
  const item = await deps.table.get<InboxItem>(inboxKey(orgId, inboxId));
  if (!item || !isLive(deps.clock.now())(item)) throw notFound('inbox');
  return item;
}

/** `visible` limits the list to those inboxes (an inbox-restricted key's). */
/** Checks ids a request names as a filter (webhook, key restriction): each must be a live inbox of the org. */
export async function requireInboxesInOrg(deps: CoreDeps, orgId: string, inboxIds: readonly string[]): Promise<void> {
  for (const inboxId of inboxIds) {
    await getInbox(deps, orgId, inboxId).catch((err: unknown) => {
      if (err instanceof MailroomError && err.code === 'not_found') throw invalid(`inboxIds: no inbox ${inboxId} in this org`, { field: 'inboxIds' });
      throw err;
    });
  }
}

export async function listInboxes(deps: CoreDeps, orgId: string, request: ListRequest, visible: string[] | null = null): Promise<ListPage<Inbox>> {
  const live = isLive(deps.clock.now());
  const keep = (item: InboxItem) => live(item) && !item.deleting && (!visible || visible.includes(item.id));
  const { items, nextCursor } = await listNewestFirst<InboxItem>(deps.table, inboxListPrefix(orgId), request, keep);
  return { data: items.map((i) => toInbox(i, deps.settings.defaultRetentionDays)), nextCursor };
}

export async function updateInbox(deps: CoreDeps, actor: Actor, inboxId: string, input: UpdateInboxInput): Promise<InboxItem> {
  const current = await getInbox(deps, actor.orgId, inboxId);
  const changes = {
    label: input.label,
    metadata: input.metadata,
    retentionDays: input.retentionDays,
    codesFromUnverifiedMail: input.codesFromUnverifiedMail,
    sending: input.sending && normalisedGuardrails(input.sending),
  };
  await deps.table.transactWrite([
    { update: inboxKey(actor.orgId, inboxId), set: { ...changes, updatedAt: deps.clock.now().toISOString() } },
    auditWrite(deps, actor, 'inbox.updated', { type: 'inbox', id: inboxId }, { changed: Object.keys(changes).filter((k) => k in input) }),
  ]);
  return (await deps.table.get<InboxItem>(inboxKey(actor.orgId, inboxId))) ?? current;
}

/** Removes the inbox item and retires its address until released (its contents are purged first, see inbox-deletion). */
export async function removeInbox(deps: CoreDeps, actor: Actor, inbox: InboxItem): Promise<void> {
  await deps.table.transactWrite([
    { delete: inboxKey(inbox.orgId, inbox.id) },
    { put: retiredAddress(inbox.orgId, inbox.address, deps.clock.now(), inbox.expiresAt) },
    auditWrite(deps, actor, 'inbox.deleted', { type: 'inbox', id: inbox.id }, { address: inbox.address }),
  ]);
}
