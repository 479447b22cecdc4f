import { systemActor } from './audit';
import { METRIC } from './metric-names';
import type { CoreDeps } from './deps';
import { MailroomError } from './errors';
import { messageReceivedEvent } from './events/events';
import { getAddressClaim } from './address-claims';
import { inOrder } from './in-order';
import { deterministicId } from './ids';
import { createInbox, type InboxItem } from './inboxes';
import { isLive } from './listing';
import { LOCAL_PART_PATTERN, parseRecipient, type Recipient } from './mail/addresses';
import { parseMime, type ParseOutcome } from './mail/parse-mime';
import type { Verdicts } from './messages/messages';
import { writeMessage } from './messages/message-writer';
import { shareRaw } from './raw-mail';
import { extractFromMail, type Extracted } from './mail/extract';
import { blockingRule, type BlockingRule, type Rule } from './rules/rule-matching';
import { orgRules, ruleLists, type OrgRulesItem } from './rules/rules';
import { ownsVerified, type DomainItem } from './domains/domains';
import { DEFAULT_ORG_ID, domainClaimKey, droppedMailCounter, inboxKey, messageTombstoneKey, orgRulesKey } from './table-keys';

/** One received mail as SES (or the local SMTP server) hands it over: raw bytes already stored at `rawKey`. */
export interface InboundMail {
  sesMessageId: string;
  receivedAt: Date;
  /** Envelope recipients (RCPT TO) in our domains. */
  recipients: string[];
  verdicts: Verdicts;
  rawKey: string;
}

export interface IngestResult {
  /** `blocked`: kept out of the inbox by a rule (stored apart, not announced). */
  stored: { orgId: string; inboxId: string; messageId: string; duplicate: boolean; blocked: boolean }[];
  dropped: string[];
  parseError: string | null;
}

/** SES writes this object when a receipt rule is created; it is not mail. */
export const SES_SETUP_NOTIFICATION = 'AMAZON_SES_SETUP_NOTIFICATION';


interface Target {
  inbox: InboxItem;
  /** The rules of the inbox's org (its own are on the inbox). */
  orgRules: Rule[];
  recipient: Recipient;
}

export async function ingestMail(deps: CoreDeps, mail: InboundMail): Promise<IngestResult> {
  const result: IngestResult = { stored: [], dropped: [], parseError: null };
  if (mail.sesMessageId === SES_SETUP_NOTIFICATION) return result;

  const started = performance.now();
  // Fetching the mail and looking up its inboxes need nothing from each other; inboxes are created only for mail in hand.
  const [raw, found] = await inOrder([deps.blobs.get(mail.rawKey), findRecipientInboxes(deps, mail.recipients)]);
  if (!raw) {
    // A repeated delivery of mail whose every copy has since been deleted (and its object with them) has nothing to do.
    if (await everyCopyDeleted(deps, mail, found)) return result;
    // Throwing makes Lambda retry and, in the end, park the event in the dead-letter queue: never a silent loss.
    throw new Error(`raw mail ${mail.rawKey} is not in the bucket`);
  }
  const { targets, dropped } = await withCreatedInboxes(deps, found);

  result.dropped = dropped;
  if (dropped.length) await countDropped(deps, mail, dropped);
  if (targets.length === 0) {
    // Nobody keeps it: counted and logged as dropped, its object goes now rather than at the bucket's backstop.
    await deps.blobs.deleteKeys([mail.rawKey]);
    return result;
  }

  const parsed = await parseMime(raw);
  if (!parsed.ok) {
    result.parseError = parsed.code;
    deps.metrics.count(METRIC.parseFailures);
    deps.log.warn('mail stored with a parse error', { sesMessageId: mail.sesMessageId, code: parsed.code, reason: parsed.reason });
  }
  // Decided by the envelope alone, so that every delivery of the same mail decides alike.
  const shared = new Set(mail.recipients.map((r) => r.toLowerCase())).size > 1;
  if (shared) await shareRaw(deps, mail.rawKey, targets.map(({ inbox }) => ({ orgId: inbox.orgId, inboxId: inbox.id, id: copyId(mail, inbox) })));
  for (const target of targets) {
    const blockedBy = blockingRule(ruleLists(target.orgRules, target.inbox), 'receiving', parsed.message.from?.address ?? null) ?? undefined;
    const { message, outcome } = await storeCopy(deps, mail, raw, parsed, target, shared, blockedBy);
    if (outcome === 'inbox-gone') {
      result.dropped.push(target.recipient.address);
      await countDropped(deps, mail, [target.recipient.address]);
      continue;
    }
    // A copy its owner deleted before this delivery stays deleted, and is not announced; nor is blocked mail.
    if (outcome !== 'deleted' && !message.blockedBy) await deps.events.publish(messageReceivedEvent(message));
    result.stored.push({ orgId: target.inbox.orgId, inboxId: target.inbox.id, messageId: message.id, duplicate: outcome !== 'stored', blocked: Boolean(message.blockedBy) });
    if (outcome === 'stored') {
      deps.metrics.count(message.blockedBy ? METRIC.messagesBlocked : METRIC.messagesReceived);
      if (message.quarantined) deps.metrics.count(METRIC.messagesQuarantined);
    }
  }
  deps.metrics.milliseconds(METRIC.parseLatency, performance.now() - started);
  return result;
}

/** The id of the mail's copy in an inbox: the same on every delivery of it. */
const copyId = (mail: InboundMail, inbox: InboxItem) => deterministicId('msg', mail.receivedAt, mail.sesMessageId, inbox.id);

/** Whether every inbox the mail reached has since deleted its copy (its tombstone is there). */
async function everyCopyDeleted(deps: CoreDeps, mail: InboundMail, found: FoundRecipient[]): Promise<boolean> {
  const inboxes = found.flatMap((f) => (f.inbox ? [f.inbox] : []));
  if (inboxes.length === 0) return false;
  const tombstones = await deps.table.getAll(inboxes.map((inbox) => messageTombstoneKey(inbox.orgId, inbox.id, copyId(mail, inbox))));
  return tombstones.every((t) => t !== undefined);
}

interface FoundRecipient {
  raw: string;
  recipient: Recipient | null;
  inbox: InboxItem | undefined;
  orgRules: Rule[];
}

/** Each envelope recipient with its inbox, if it has one; all looked up at once. */
function findRecipientInboxes(deps: CoreDeps, recipients: string[]): Promise<FoundRecipient[]> {
  return Promise.all(
    recipients.map(async (raw) => {
      const recipient = parseRecipient(raw);
      const found = recipient ? await findInbox(deps, recipient) : undefined;
      return { raw, recipient, inbox: found?.inbox, orgRules: found?.orgRules ?? [] };
    }),
  );
}

/**
 * The inboxes the mail goes to, creating those of new addresses in auto-create domains (each address once, even
 * when tags make several recipients of it); recipients without one are dropped.
 */
async function withCreatedInboxes(deps: CoreDeps, found: FoundRecipient[]): Promise<{ targets: Target[]; dropped: string[] }> {
  const creating = new Map<string, Promise<InboxWithRules | undefined>>();
  const create = (recipient: Recipient) => {
    if (!creating.has(recipient.address)) creating.set(recipient.address, createAutoInbox(deps, recipient));
    return creating.get(recipient.address)!;
  };
  const resolved = await inOrder(found.map(async (f) => (f.inbox ? { ...f, inbox: f.inbox } : { raw: f.raw, recipient: f.recipient, ...(f.recipient ? await create(f.recipient) : undefined) })));
  const targets = new Map<string, Target>();
  const dropped: string[] = [];
  for (const { raw, recipient, inbox, orgRules } of resolved) {
    if (!inbox || !recipient) dropped.push(raw);
    else if (!targets.has(inbox.id)) targets.set(inbox.id, { inbox, orgRules: orgRules ?? [], recipient });
  }
  return { targets: [...targets.values()], dropped };
}

async function createAutoInbox(deps: CoreDeps, recipient: Recipient): Promise<InboxWithRules | undefined> {
  const { domains, autoCreateDomains } = deps.settings;
  if (!domains.includes(recipient.domain) || !autoCreateDomains.includes(recipient.domain) || !LOCAL_PART_PATTERN.test(recipient.localPart)) return undefined;
  try {
    const [inbox, rules] = await inOrder([
      createInbox(deps, systemActor(DEFAULT_ORG_ID, 'inbound-mail'), { localPart: recipient.localPart, domain: recipient.domain }),
      orgRules(deps, DEFAULT_ORG_ID),
    ]);
    return { inbox, orgRules: rules };
  } catch (err) {
    // Two messages for a new address raced; the other one created the inbox.
    if (err instanceof MailroomError && err.code === 'conflict') return findInbox(deps, recipient);
    throw err;
  }
}

interface InboxWithRules {
  inbox: InboxItem;
  orgRules: Rule[];
}

/**
 * The address's live inbox, read in one request with its org's rules and, for an org's own domain, the domain's
 * claim: mail for a domain that is not (or no longer) the inbox's org's, verified, reaches no inbox.
 */
async function findInbox(deps: CoreDeps, recipient: Recipient): Promise<InboxWithRules | undefined> {
  const claim = await getAddressClaim(deps, recipient.address);
  // A retired address has no inbox: its mail is dropped like mail for an unknown one.
  if (!claim?.inboxId) return undefined;
  const ownDomain = !deps.settings.domains.includes(recipient.domain);
  const [inbox, rules, domain] = (await deps.table.getAll([
    inboxKey(claim.orgId, claim.inboxId),
    orgRulesKey(claim.orgId),
    ...(ownDomain ? [domainClaimKey(recipient.domain)] : []),
  ])) as [InboxItem | undefined, OrgRulesItem | undefined, DomainItem | undefined];
  if (ownDomain && !ownsVerified(domain, claim.orgId)) return undefined;
  return inbox && isLive(deps.clock.now())(inbox) && !inbox.deleting ? { inbox, orgRules: rules?.rules ?? [] } : undefined;
}

async function countDropped(deps: CoreDeps, mail: InboundMail, dropped: string[]): Promise<void> {
  await deps.table.increment(droppedMailCounter(mail.receivedAt.toISOString().slice(0, 10)), 'count', dropped.length);
  deps.metrics.count(METRIC.messagesDropped, dropped.length);
  deps.log.warn('mail for unknown addresses dropped', {
    sesMessageId: mail.sesMessageId,
    count: dropped.length,
    domains: [...new Set(dropped.map((d) => d.slice(d.lastIndexOf('@') + 1)))],
  });
}

async function storeCopy(deps: CoreDeps, mail: InboundMail, raw: Buffer, parsed: ParseOutcome, { inbox, recipient }: Target, shared: boolean, blockedBy?: BlockingRule) {
  return writeMessage(deps, {
    blockedBy,
    inbox,
    id: copyId(mail, inbox),
    direction: 'inbound',
    at: mail.receivedAt,
    raw: { storedAt: mail.rawKey, shared, bytesRead: raw },
    size: raw.length,
    parsed,
    recipient,
    verdicts: mail.verdicts,
    providerMessageId: mail.sesMessageId,
    // Nobody acts on blocked mail, so nothing is taken from it (a code in it must not reach an agent).
    extracted: blockedBy
      ? NOTHING_EXTRACTED
      : extractFromMail(
          { subject: parsed.message.subject, text: parsed.message.text, html: parsed.message.html, listUnsubscribe: headerValue(parsed.message.headers, 'list-unsubscribe') },
          { dmarc: mail.verdicts.dmarc, spam: mail.verdicts.spam, codesFromUnverifiedMail: inbox.codesFromUnverifiedMail },
        ),
  });
}

const NOTHING_EXTRACTED: Extracted = { codes: [], links: [], codesWithheld: null };

function headerValue(headers: { name: string; value: string }[], name: string): string | null {
  return headers.find((h) => h.name.toLowerCase() === name)?.value ?? null;
}
