import { DomainHeldElsewhere, type Item, type MailDomainState, type MailDomainStatus } from '../../ports';
import { auditWrite, type Actor } from '../audit';
import type { CoreDeps } from '../deps';
import { MailroomError, invalid, notFound } from '../errors';
import { queryAll } from '../listing';
import type { InboxItem } from '../inboxes';
import { DOMAIN_PATTERN } from '../mail/addresses';
import { domainClaimKey, inboxListPrefix, orgDomainKey, orgDomainPrefix } from '../table-keys';

/** An org's own domain, as both its claim and the org's twin of it hold it. */
export interface DomainItem extends Item {
  type: 'domain';
  domain: string;
  orgId: string;
  status: MailDomainStatus;
  dkimTokens: string[];
  createdAt: string;
  verifiedAt: string | null;
}

export interface DnsRecord {
  type: 'MX' | 'TXT' | 'CNAME';
  name: string;
  value: string;
  /** What it is for: receiving (MX), verification and signing (DKIM), SPF, DMARC. */
  purpose: 'receiving' | 'dkim' | 'spf' | 'dmarc';
}

export interface Domain {
  domain: string;
  status: MailDomainStatus;
  /** Add these at your DNS provider; the domain is verified once the DKIM records resolve. */
  records: DnsRecord[];
  createdAt: string;
  verifiedAt: string | null;
}

/** The records a domain needs to receive through the mail service and to send signed, aligned mail. */
export function dnsRecords(domain: string, dkimTokens: string[], inboundMxHost: string): DnsRecord[] {
  return [
    { type: 'MX', name: domain, value: `10 ${inboundMxHost}`, purpose: 'receiving' },
    ...dkimTokens.map((token): DnsRecord => ({ type: 'CNAME', name: `${token}._domainkey.${domain}`, value: `${token}.dkim.amazonses.com`, purpose: 'dkim' })),
    { type: 'TXT', name: domain, value: 'v=spf1 include:amazonses.com ~all', purpose: 'spf' },
    { type: 'TXT', name: `_dmarc.${domain}`, value: 'v=DMARC1; p=quarantine; adkim=r; aspf=r', purpose: 'dmarc' },
  ];
}

const toDomain = (deps: CoreDeps, item: DomainItem): Domain => ({
  domain: item.domain,
  status: item.status,
  records: dnsRecords(item.domain, item.dkimTokens, deps.mailDomains.inboundMxHost),
  createdAt: item.createdAt,
  verifiedAt: item.verifiedAt,
});

function normalisedDomain(deps: CoreDeps, raw: string): string {
  const domain = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_PATTERN.test(domain)) throw invalid('domain is a DNS name such as mail.example.com', { field: 'domain' });
  if (deps.settings.domains.some((own) => domain === own || domain.endsWith(`.${own}`))) {
    throw invalid(`${domain} is one of this deployment's own domains (or below one); inboxes there need no registration`, { field: 'domain' });
  }
  return domain;
}

/**
 * Claims the domain for the org (one org per domain) and registers it with the mail service. A registration the
 * service refuses takes the claim back, so the domain can be tried again.
 */
export async function registerDomain(deps: CoreDeps, actor: Actor, raw: string): Promise<Domain> {
  if (!deps.settings.orgDomains) throw new MailroomError('unprocessable', 'this deployment takes mail for its own domains only (it was deployed with orgDomains off)');
  const domain = normalisedDomain(deps, raw);
  const now = deps.clock.now().toISOString();
  const item: DomainItem = { ...domainClaimKey(domain), type: 'domain', domain, orgId: actor.orgId, status: 'pending', dkimTokens: [], createdAt: now, verifiedAt: null };
  try {
    await deps.table.transactWrite([
      { put: item, ifNotExists: true },
      { put: { ...item, ...orgDomainKey(actor.orgId, domain) } },
      auditWrite(deps, actor, 'domain.created', { type: 'domain', id: domain }),
    ]);
  } catch (err) {
    if (err instanceof MailroomError && err.code === 'conflict') throw new MailroomError('conflict', `${domain} is registered already (by this org or another)`);
    throw err;
  }
  let state: MailDomainState;
  try {
    state = await deps.mailDomains.register(domain, actor.orgId);
  } catch (err) {
    await deps.table.transactWrite([{ delete: domainClaimKey(domain) }, { delete: orgDomainKey(actor.orgId, domain) }]);
    if (err instanceof DomainHeldElsewhere) throw new MailroomError('conflict', err.message);
    throw new MailroomError('upstream_failed', `the mail service did not take ${domain}: ${(err as Error).message}`);
  }
  return toDomain(deps, await recordState(deps, actor, item, state));
}

export async function listDomains(deps: CoreDeps, actor: Actor): Promise<Domain[]> {
  const items = await queryAll<DomainItem>(deps.table, orgDomainPrefix(actor.orgId));
  return Promise.all(items.map(async (item) => toDomain(deps, await refreshed(deps, actor, item))));
}

export async function getDomain(deps: CoreDeps, actor: Actor, raw: string): Promise<Domain> {
  return toDomain(deps, await refreshed(deps, actor, await ownItem(deps, actor.orgId, raw)));
}

/** Removes the domain from the mail service and the org. Refused while an inbox of the org has an address there. */
export async function removeDomain(deps: CoreDeps, actor: Actor, raw: string): Promise<void> {
  const item = await ownItem(deps, actor.orgId, raw);
  const inboxes = await queryAll<InboxItem>(deps.table, inboxListPrefix(actor.orgId));
  const using = inboxes.filter((i) => i.domain === item.domain && !i.deleting);
  if (using.length) throw new MailroomError('conflict', `${using.length} inbox(es) still have addresses at ${item.domain}; delete them first`, { inboxIds: using.map((i) => i.id) });
  await deps.mailDomains.remove(item.domain);
  await deps.table.transactWrite([
    { delete: domainClaimKey(item.domain) },
    { delete: orgDomainKey(actor.orgId, item.domain) },
    auditWrite(deps, actor, 'domain.deleted', { type: 'domain', id: item.domain }),
  ]);
}

/** Whether mail for (and inboxes at) `domain` belong to the org: its own domain, verified. */
export function ownsVerified(claim: DomainItem | undefined, orgId: string): boolean {
  return claim?.orgId === orgId && claim.status === 'verified';
}

async function ownItem(deps: CoreDeps, orgId: string, raw: string): Promise<DomainItem> {
  const item = await deps.table.get<DomainItem>(orgDomainKey(orgId, raw.trim().toLowerCase()));
  if (!item) throw notFound('domain');
  return item;
}

/** A domain not yet verified is asked about again; a change is recorded (and its verification audited). */
async function refreshed(deps: CoreDeps, actor: Actor, item: DomainItem): Promise<DomainItem> {
  if (item.status === 'verified') return item;
  const state = await deps.mailDomains.state(item.domain);
  return state ? recordState(deps, actor, item, state) : item;
}

async function recordState(deps: CoreDeps, actor: Actor, item: DomainItem, state: MailDomainState): Promise<DomainItem> {
  const verifiedNow = state.status === 'verified' && item.status !== 'verified';
  const updated: DomainItem = { ...item, status: state.status, dkimTokens: state.dkimTokens, verifiedAt: verifiedNow ? deps.clock.now().toISOString() : item.verifiedAt };
  if (updated.status === item.status && updated.dkimTokens.join() === item.dkimTokens.join()) return item;
  const set = { status: updated.status, dkimTokens: updated.dkimTokens, verifiedAt: updated.verifiedAt };
  await deps.table.transactWrite([
    { update: domainClaimKey(item.domain), set, when: { attribute: 'orgId', equals: item.orgId } },
    { update: orgDomainKey(item.orgId, item.domain), set },
    ...(verifiedNow ? [auditWrite(deps, actor, 'domain.verified', { type: 'domain', id: item.domain })] : []),
  ]);
  return updated;
}
