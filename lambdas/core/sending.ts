import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { detectMimeType } from 'nodemailer/lib/mime-funcs';
import type { Actor } from './audit';
import { METRIC } from './metric-names';
import type { CoreDeps } from './deps';
import { MailroomError, invalid } from './errors';
import { messageSentEvent } from './events/events';
import { newId } from './ids';
import { getInbox, type InboxItem } from './inboxes';
import type { ParsedMessage } from './mail/parse-mime';
import { getMessage, toSummary, type Message, type MessageItem, type MessageSummary, type Verdicts } from './messages/messages';
import { writeMessage } from './messages/message-writer';
import { messageKey, sendCounterKey, sentMessageKey } from './table-keys';
import { suppressedAmong } from './delivery-feedback';
import { inOrder } from './in-order';
import { blockingRule, type Rule } from './rules/rule-matching';
import { orgRules, ruleLists } from './rules/rules';

export interface OutgoingAttachment {
  filename: string;
  contentType?: string;
  /** Base64. */
  content: string;
}

export interface SendInput {
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  text?: string;
  html?: string;
  attachments?: OutgoingAttachment[];
  /** Only names on the allow-list (`X-…`, `List-Unsubscribe`, …); never From, To, Message-ID and the like. */
  headers?: Record<string, string>;
}

export interface ReplyInput extends Omit<SendInput, 'to' | 'subject'> {
  /** Also to everyone else the message was addressed to. */
  replyAll?: boolean;
}

/** SES accepts at most 50 recipients per message. */
export const MAX_RECIPIENTS = 50;
/** What fits a 10 MB API request once base64 has added its third. */
export const MAX_ATTACHMENT_BYTES = 7 * 1024 * 1024;
export const DEFAULT_DAILY_SEND_LIMIT = 200;
const CUSTOM_HEADER = /^(x-(?!ses-|amz-)[a-z0-9-]+|list-unsubscribe|list-unsubscribe-post|list-id|auto-submitted|precedence)$/i;
const NOT_CHECKED: Verdicts = { spam: 'DISABLED', virus: 'DISABLED', spf: 'DISABLED', dkim: 'DISABLED', dmarc: 'DISABLED' };

/**
 * Sends a message from an inbox: checks the inbox's guardrails, builds the MIME with nodemailer (which folds
 * and encodes every header, and values with a line break are refused before that), keeps the sent message in
 * the inbox like a received one, hands it to the mail sender, and announces `message.sent`.
 */
export async function sendMessage(deps: CoreDeps, actor: Actor, inboxId: string, input: SendInput, threading: Threading = {}): Promise<MessageSummary> {
  const [inbox, org] = await inOrder([getInbox(deps, actor.orgId, inboxId), orgRules(deps, actor.orgId)]);
  const recipients = [...input.to, ...(input.cc ?? []), ...(input.bcc ?? [])].map((a) => a.toLowerCase());
  checkMessage(input, recipients);
  await refusalsCounted(deps, async () => {
    checkRecipients(inbox, recipients, org);
    await checkSuppressions(deps, inbox.orgId, recipients);
    await countAgainstDailyLimit(deps, inbox);
  });

  const now = deps.clock.now();
  const id = newId('msg', now);
  const raw = await compose(inbox, id, now, input, threading);
  const parsed = { ok: true as const, message: asParsed(inbox, id, now, input, threading) };
  const { message } = await writeMessage(deps, {
    inbox,
    id,
    direction: 'outbound',
    at: now,
    raw: { bytes: raw },
    size: raw.length,
    parsed,
    recipient: { address: inbox.address, tag: null },
    verdicts: NOT_CHECKED,
    providerMessageId: '',
    delivery: 'sending',
    bcc: (input.bcc ?? []).map((address) => ({ address, name: '' })),
    extracted: { codes: [], links: [], codesWithheld: null },
  });
  let sent: MessageItem;
  try {
    const { providerMessageId, status } = await deps.mailSender.send({ from: inbox.address, recipients, raw });
    sent = (await deps.table.update<MessageItem>(messageKey(inbox.orgId, inbox.id, id), { delivery: status, sesMessageId: providerMessageId })) ?? message;
    await deps.table.put({ ...sentMessageKey(providerMessageId), type: 'sent-message', orgId: inbox.orgId, inboxId: inbox.id, messageId: id, expiresAt: message.expiresAt });
  } catch (err) {
    await deps.table.update(messageKey(inbox.orgId, inbox.id, id), { delivery: 'failed' });
    deps.log.error('sending failed', { orgId: inbox.orgId, inboxId: inbox.id, messageId: id, error: (err as Error).message });
    throw new MailroomError('upstream_failed', `the mail could not be handed over for delivery: ${(err as Error).message}`, { messageId: id });
  }
  deps.metrics.count(METRIC.messagesSent);
  await deps.events.publish(messageSentEvent(sent));
  return toSummary(sent);
}

/** The inbox's guardrails and the suppression list, each refusal counted. */
async function refusalsCounted(deps: CoreDeps, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (err) {
    deps.metrics.count(METRIC.sendsRefused);
    throw err;
  }
}

/** Replies in the message's thread: `Re:` subject, In-Reply-To and References, the original quoted below. */
export async function replyToMessage(deps: CoreDeps, actor: Actor, inboxId: string, messageId: string, input: ReplyInput): Promise<MessageSummary> {
  const inbox = await getInbox(deps, actor.orgId, inboxId);
  const original = await getMessage(deps, actor.orgId, inboxId, messageId);
  const self = inbox.address.toLowerCase();
  const sender = original.direction === 'outbound' ? original.to : original.replyTo.length ? original.replyTo : original.from ? [original.from] : [];
  const to = unique(sender.map((a) => a.address.toLowerCase()).filter((a) => a !== self));
  const others = input.replyAll ? [...original.to, ...original.cc].map((a) => a.address.toLowerCase()).filter((a) => a !== self && !to.includes(a)) : [];
  if (to.length === 0) throw invalid('the message has no sender to reply to');
  const threading = {
    inReplyTo: original.messageIdHeader ?? undefined,
    references: original.messageIdHeader ? [...original.references, original.messageIdHeader] : original.references,
  };
  return sendMessage(
    deps,
    actor,
    inboxId,
    {
      ...input,
      to,
      cc: unique([...others, ...(input.cc ?? [])]),
      subject: /^re:/i.test(original.subject) ? original.subject : `Re: ${original.subject}`,
      text: input.text === undefined ? undefined : `${input.text}\n\n${quoteText(original)}`,
      html: input.html === undefined ? undefined : `${input.html}\n${quoteHtml(original)}`,
    },
    threading,
  );
}

interface Threading {
  inReplyTo?: string;
  references?: string[];
}

function checkMessage(input: SendInput, recipients: string[]): void {
  if (input.to.length === 0) throw invalid('to needs at least one address', { field: 'to' });
  if (recipients.length > MAX_RECIPIENTS) throw invalid(`at most ${MAX_RECIPIENTS} recipients (to, cc and bcc together)`, { field: 'to' });
  if (input.text === undefined && input.html === undefined) throw invalid('give text, html or both', { field: 'text' });
  if (/[\r\n]/.test(input.subject)) throw invalid('subject may not contain a line break', { field: 'subject' });
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (!CUSTOM_HEADER.test(name)) throw invalid(`header ${name} cannot be set; allowed are X-… (but not X-SES-/X-Amz-), List-Unsubscribe, List-Unsubscribe-Post, List-Id, Auto-Submitted and Precedence`, { field: 'headers' });
    if (/[\r\n]/.test(value)) throw invalid(`header ${name} may not contain a line break`, { field: 'headers' });
  }
  const bytes = (input.attachments ?? []).reduce((sum, a) => sum + Buffer.byteLength(a.content, 'base64'), 0);
  if (bytes > MAX_ATTACHMENT_BYTES) throw new MailroomError('payload_too_large', `attachments come to ${bytes} bytes; at most ${MAX_ATTACHMENT_BYTES}`);
}

/**
 * The org's and the inbox's sending rules, then the inbox's recipient lists (an address or its domain; the block
 * list wins, and a non-empty allow list admits only itself).
 */
function checkRecipients(inbox: InboxItem, recipients: string[], org: Rule[]): void {
  const matches = (list: string[], address: string) => list.some((entry) => entry === address || (!entry.includes('@') && address.endsWith(`@${entry}`)));
  const block = inbox.sending?.blockList ?? [];
  const allow = inbox.sending?.allowList ?? [];
  const lists = ruleLists(org, inbox);
  const refusal = (address: string): { reason: string; ruleId?: string } | null => {
    const rule = blockingRule(lists, 'sending', address);
    if (rule) return { reason: `blocked by the ${rule.level === 'org' ? 'org’s' : 'inbox’s'} rule ${rule.ruleId}`, ruleId: rule.ruleId };
    if (matches(block, address)) return { reason: 'on the inbox’s block list' };
    return allow.length > 0 && !matches(allow, address) ? { reason: 'not on the inbox’s allow list' } : null;
  };
  const refused = recipients.flatMap((address) => {
    const why = refusal(address);
    return why ? [{ address, ...why }] : [];
  });
  if (refused.length > 0) {
    throw new MailroomError('unprocessable', `not sent: ${refused.map((r) => `${r.address} is ${r.reason}`).join('; ')}`, { refused });
  }
}

async function checkSuppressions(deps: CoreDeps, orgId: string, recipients: string[]): Promise<void> {
  const suppressed = await suppressedAmong(deps, orgId, recipients);
  if (suppressed.length === 0) return;
  const refused = suppressed.map((s) => ({ address: s.address, reason: `on the org’s suppression list (${s.reason === 'complaint' ? 'complaint' : 'hard bounce'} on ${s.at.slice(0, 10)})` }));
  throw new MailroomError('unprocessable', `not sent: ${refused.map((r) => `${r.address} is ${r.reason}`).join('; ')}`, { refused });
}

async function countAgainstDailyLimit(deps: CoreDeps, inbox: InboxItem): Promise<void> {
  const limit = inbox.sending?.dailyLimit ?? DEFAULT_DAILY_SEND_LIMIT;
  const day = deps.clock.now().toISOString().slice(0, 10);
  const sentToday = await deps.table.increment(sendCounterKey(inbox.orgId, inbox.id, day), 'count', 1, {
    expiresAt: Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 2 * 86400,
  });
  if (sentToday > limit) {
    throw new MailroomError('rate_limited', `this inbox may send ${limit} messages a day (UTC); it has reached that for ${day}`);
  }
}

async function compose(inbox: InboxItem, id: string, at: Date, input: SendInput, threading: Threading): Promise<Buffer> {
  const composer = new MailComposer({
    from: { name: inbox.label ?? '', address: inbox.address },
    to: input.to,
    cc: input.cc,
    bcc: input.bcc,
    subject: input.subject,
    text: input.text,
    html: input.html,
    date: at,
    messageId: `<${id.toLowerCase()}@${inbox.domain}>`,
    inReplyTo: threading.inReplyTo,
    references: threading.references,
    headers: input.headers,
    attachments: (input.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content, 'base64') })),
  });
  return composer.compile().build();
}

/**
 * The sent message as a parse of its MIME would read it, from what it was built from: the bytes stored and sent
 * are the composed MIME; this is what lists and reads show, without parsing mail the API itself wrote.
 */
function asParsed(inbox: InboxItem, id: string, at: Date, input: SendInput, threading: Threading): ParsedMessage {
  const from = { address: inbox.address, name: inbox.label ?? '' };
  const addresses = (list: string[] | undefined) => (list ?? []).map((address) => ({ address: address.toLowerCase(), name: '' }));
  const messageId = `<${id.toLowerCase()}@${inbox.domain}>`;
  const headers = [
    { name: 'From', value: from.name ? `"${from.name}" <${from.address}>` : from.address },
    { name: 'To', value: input.to.join(', ') },
    ...(input.cc?.length ? [{ name: 'Cc', value: input.cc.join(', ') }] : []),
    { name: 'Subject', value: input.subject },
    { name: 'Date', value: at.toUTCString() },
    { name: 'Message-ID', value: messageId },
    ...(threading.inReplyTo ? [{ name: 'In-Reply-To', value: threading.inReplyTo }] : []),
    ...(threading.references?.length ? [{ name: 'References', value: threading.references.join(' ') }] : []),
    ...Object.entries(input.headers ?? {}).map(([name, value]) => ({ name, value })),
    { name: 'MIME-Version', value: '1.0' },
  ];
  return {
    subject: input.subject,
    from,
    to: addresses(input.to),
    cc: addresses(input.cc),
    replyTo: [],
    date: at.toISOString(),
    messageId,
    inReplyTo: threading.inReplyTo ?? null,
    references: threading.references ?? [],
    headers,
    text: input.text ?? null,
    html: input.html ?? null,
    attachments: (input.attachments ?? []).map((a, index) => {
      const content = Buffer.from(a.content, 'base64');
      return {
        filename: a.filename,
        contentType: a.contentType ?? detectMimeType(a.filename),
        contentId: null,
        inline: false,
        content,
        // MailComposer puts the body first in multipart/mixed, then the attachments in order; the writer checks it.
        partId: String(index + 2),
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      };
    }),
  };
}

const authorOf = (original: Message) => (original.from ? original.from.name || original.from.address : 'someone');

function quoteText(original: Message): string {
  const who = authorOf(original);
  const body = (original.text ?? '').replace(/\r\n/g, '\n').replace(/\n+$/, '');
  return `On ${new Date(original.receivedAt).toUTCString()}, ${who} wrote:\n${body.split('\n').map((line) => `> ${line}`).join('\n')}`;
}

function quoteHtml(original: Message): string {
  const who = authorOf(original);
  const body = original.html ?? `<pre>${escapeHtml(original.text ?? '')}</pre>`;
  return `<p>On ${escapeHtml(new Date(original.receivedAt).toUTCString())}, ${escapeHtml(who)} wrote:</p><blockquote type="cite">${body}</blockquote>`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const unique = (list: string[]) => [...new Set(list)];
