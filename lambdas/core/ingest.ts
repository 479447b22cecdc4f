import { systemActor } from './audit';
import { METRIC } from './metric-names';
import type { CoreDeps } from './deps';
import { MailroomError } from './errors';
import { messageReceivedEvent } from './events';
import { getAddressClaim } from './address-claims';
import { inOrder } from './in-order';
import { deterministicId } from './ids';
import { createInbox, type InboxItem } from './inboxes';
import { isLive } from './listing';
import { LOCAL_PART_PATTERN, parseRecipient, type Recipient } from './mail/addresses';
import { parseMime, type ParseOutcome } from './mail/parse-mime';
import type { MessageItem, Verdicts } from './messages';
import { withdrawMessage, writeMessage } from './message-writer';
import { extractFromMail } from './mail/extract';
import { forgetInThread } from './threads';
import { DEFAULT_ORG_ID, droppedMailCounter, inboxKey } from './table-keys';

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
  stored: { orgId: string; inboxId: string; messageId: string; duplicate: boolean }[];
  dropped: string[];
  parseError: string | null;
}

/** SES writes this object when a receipt rule is created; it is not mail. */
export const SES_SETUP_NOTIFICATION = 'AMAZON_SES_SETUP_NOTIFICATION';


interface Target {
  inbox: InboxItem;
  recipient: Recipient;
}

export async function ingestMail(deps: CoreDeps, mail: InboundMail): Promise<IngestResult> {
  const result: IngestResult = { stored: [], dropped: [], parseError: null };
  if (mail.sesMessageId === SES_SETUP_NOTIFICATION) return result;

  const started = performance.now();
  // Fetching the mail and looking up its inboxes need nothing from each other; inboxes are created only for mail in hand.
  const [raw, found] = await inOrder([deps.blobs.get(mail.rawKey), findRecipientInboxes(deps, mail.recipients)]);
  // Throwing makes Lambda retry and, in the end, park the event in the dead-letter queue: never a silent loss.
  if (!raw) throw new Error(`raw mail ${mail.rawKey} is not in the bucket`);
  const { targets, dropped } = await withCreatedInboxes(deps, found);

  result.dropped = dropped;
  if (dropped.length) await countDropped(deps, mail, dropped);
  if (targets.length === 0) return result;

  const parsed = await parseMime(raw);
  if (!parsed.ok) {
    result.parseError = parsed.code;
    deps.metrics.count(METRIC.parseFailures);
    deps.log.warn('mail stored with a parse error', { sesMessageId: mail.sesMessageId, code: parsed.code, reason: parsed.reason });
  }
  for (const target of targets) {
    const { message, kept, ...stored } = await storeCopy(deps, mail, raw.length, parsed, target);
    if (!(await stillReceiving(deps, target.inbox))) {
      await withdrawMessage(deps, message);
      await forgetInThread(deps, message, { withLookups: true });
      result.dropped.push(target.recipient.address);
      await countDropped(deps, mail, [target.recipient.address]);
      continue;
    }
    // Also for a copy stored by an earlier run that stopped before announcing it: webhooks deliver each event once.
    // A copy its owner deleted before this delivery finished stays deleted, and is not announced.
    if (kept) await deps.events.publish(messageReceivedEvent(message));
    result.stored.push(stored);
    if (!stored.duplicate) {
      deps.metrics.count(METRIC.messagesReceived);
      if (message.quarantined) deps.metrics.count(METRIC.messagesQuarantined);
    }
  }
  deps.metrics.milliseconds(METRIC.parseLatency, performance.now() - started);
  return result;
}

/**
 * Deleting an inbox marks it before purging it. A copy written while that began is checked here, after its
 * write: either this read sees the mark and the copy is withdrawn, or it came first and the purge removes it.
 */
async function stillReceiving(deps: CoreDeps, inbox: InboxItem): Promise<boolean> {
  const current = await deps.table.get<InboxItem>(inboxKey(inbox.orgId, inbox.id));
  return current !== undefined && !current.deleting;
}

interface FoundRecipient {
  raw: string;
  recipient: Recipient | null;
  inbox: InboxItem | undefined;
}

/** Each envelope recipient with its inbox, if it has one; all looked up at once. */
function findRecipientInboxes(deps: CoreDeps, recipients: string[]): Promise<FoundRecipient[]> {
  return Promise.all(
    recipients.map(async (raw) => {
      const recipient = parseRecipient(raw);
      const inbox = recipient && deps.settings.domains.includes(recipient.domain) ? await findInbox(deps, recipient.address) : undefined;
      return { raw, recipient, inbox };
    }),
  );
}

/**
 * The inboxes the mail goes to, creating those of new addresses in auto-create domains (each address once, even
 * when tags make several recipients of it); recipients without one are dropped.
 */
async function withCreatedInboxes(deps: CoreDeps, found: FoundRecipient[]): Promise<{ targets: Target[]; dropped: string[] }> {
  const creating = new Map<string, Promise<InboxItem | undefined>>();
  const create = (recipient: Recipient) => {
    if (!creating.has(recipient.address)) creating.set(recipient.address, createAutoInbox(deps, recipient));
    return creating.get(recipient.address)!;
  };
  const resolved = await inOrder(found.map(async (f) => ({ ...f, inbox: f.inbox ?? (f.recipient ? await create(f.recipient) : undefined) })));
  const targets = new Map<string, Target>();
  const dropped: string[] = [];
  for (const { raw, recipient, inbox } of resolved) {
    if (!inbox || !recipient) dropped.push(raw);
    else if (!targets.has(inbox.id)) targets.set(inbox.id, { inbox, recipient });
  }
  return { targets: [...targets.values()], dropped };
}

async function createAutoInbox(deps: CoreDeps, recipient: Recipient): Promise<InboxItem | undefined> {
  const { domains, autoCreateDomains } = deps.settings;
  if (!domains.includes(recipient.domain) || !autoCreateDomains.includes(recipient.domain) || !LOCAL_PART_PATTERN.test(recipient.localPart)) return undefined;
  try {
    return await createInbox(deps, systemActor(DEFAULT_ORG_ID, 'inbound-mail'), { localPart: recipient.localPart, domain: recipient.domain });
  } catch (err) {
    // Two messages for a new address raced; the other one created the inbox.
    if (err instanceof MailroomError && err.code === 'conflict') return findInbox(deps, recipient.address);
    throw err;
  }
}

async function findInbox(deps: CoreDeps, address: string): Promise<InboxItem | undefined> {
  const claim = await getAddressClaim(deps, address);
  // A retired address has no inbox: its mail is dropped like mail for an unknown one.
  if (!claim?.inboxId) return undefined;
  const inbox = await deps.table.get<InboxItem>(inboxKey(claim.orgId, claim.inboxId));
  return inbox && isLive(deps.clock.now())(inbox) && !inbox.deleting ? inbox : undefined;
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

async function storeCopy(
  deps: CoreDeps,
  mail: InboundMail,
  size: number,
  parsed: ParseOutcome,
  { inbox, recipient }: Target,
): Promise<IngestResult['stored'][number] & { message: MessageItem; kept: boolean }> {
  const id = deterministicId('msg', mail.receivedAt, mail.sesMessageId, inbox.id);
  const { message, created, kept } = await writeMessage(deps, {
    inbox,
    id,
    direction: 'inbound',
    at: mail.receivedAt,
    raw: { copyFrom: mail.rawKey },
    size,
    parsed,
    recipient,
    verdicts: mail.verdicts,
    providerMessageId: mail.sesMessageId,
    extracted: extractFromMail(
      { subject: parsed.message.subject, text: parsed.message.text, html: parsed.message.html, listUnsubscribe: headerValue(parsed.message.headers, 'list-unsubscribe') },
      { dmarc: mail.verdicts.dmarc, spam: mail.verdicts.spam, codesFromUnverifiedMail: inbox.codesFromUnverifiedMail },
    ),
  });
  return { orgId: inbox.orgId, inboxId: inbox.id, messageId: id, duplicate: !created, message, kept };
}

function headerValue(headers: { name: string; value: string }[], name: string): string | null {
  return headers.find((h) => h.name.toLowerCase() === name)?.value ?? null;
}
