import { createHash } from 'node:crypto';
import type { Item } from '../../ports';
import { inOrder } from '../in-order';
import type { CoreDeps } from '../deps';
import { notFound } from '../errors';
import { getInbox } from '../inboxes';
import { isLive, isoTime, listNewestFirst, timeSlice, type ListPage, type ListRequest } from '../listing';
import { messageMatcher, type KeptApart, type MessageFilter } from './message-filter';
import type { BlockingRule } from '../rules/rule-matching';
import { parseSearch, searchMatcher, searchTimeRange } from './message-search';
import type { Extracted, ExtractedLink } from '../mail/extract';
import type { HeaderField, MailAddress, ParseFailureCode } from '../mail/parse-mime';
import { unpackContent } from './message-content-packing';
import { cutPart } from '../mail/mime-parts';
import { rawKeyOf } from '../raw-mail';
import { blobKeys, messageContentKey, messageKey, messageListPrefix } from '../table-keys';

export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED';

export interface Verdicts {
  spam: VerdictStatus;
  virus: VerdictStatus;
  spf: VerdictStatus;
  dkim: VerdictStatus;
  dmarc: VerdictStatus;
}

export interface AttachmentMeta {
  id: string;
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
  contentId: string | null;
  inline: boolean;
  /** The MIME part it is cut from when asked for; absent: it was stored as an object of its own. Not shown. */
  part?: string;
}

/** Bodies and headers: in their own item beside the summary when small, otherwise one JSON object in the bucket. */
export interface MessageContent {
  text: string | null;
  html: string | null;
  headers: HeaderField[];
  /** Present when the attachment list was too long to keep in the item. */
  attachments?: AttachmentMeta[];
}

/** Where a sent message stands: with SES (`sent`), kept locally instead (`captured`), or what SES reported back. */
export type DeliveryStatus = 'sending' | 'sent' | 'captured' | 'failed' | 'delivered' | 'bounced' | 'complained';

export interface MessageItem extends Item {
  type: 'message';
  id: string;
  orgId: string;
  inboxId: string;
  threadId: string;
  direction: 'inbound' | 'outbound';
  /** Sent mail only (null for received mail). */
  delivery?: DeliveryStatus | null;
  /** Sent mail only: its Bcc recipients. */
  bcc?: MailAddress[];
  /** Sent mail only: what SES reported, newest last. */
  deliveryFeedback?: { id: string; status: DeliveryStatus; recipients: string[]; at: string; detail: string | null }[];
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  subject: string;
  receivedAt: string;
  sentAt: string | null;
  size: number;
  snippet: string;
  verdicts: Verdicts;
  extracted: Extracted;
  /** The envelope recipient this copy was delivered to, and its `+tag` if any. */
  recipient: string;
  tag: string | null;
  messageIdHeader: string | null;
  inReplyTo: string | null;
  references: string[];
  /** Empty when `attachmentsInContent`: the list is then kept with the content. */
  attachments: AttachmentMeta[];
  attachmentsInContent?: true;
  /** Any attachment that is not an inline part of the HTML. */
  hasAttachments: boolean;
  quarantined: boolean;
  /** Received mail a rule kept out of the inbox: shown only to keys that manage the inbox, and only when asked for. */
  blockedBy?: BlockingRule;
  parseError: { code: ParseFailureCode; reason: string } | null;
  /** Absent on messages stored before read state existed: those count as unread. */
  unread?: boolean;
  labels?: string[];
  /** Where `MessageContent` is kept: a `MessageContentItem`, or `content.json` in the bucket. */
  contentIn: 'table' | 'bucket';
  /** The raw bytes' object: absent on messages stored before mail was kept where the receipt rule wrote it. */
  rawKey?: string;
  /** The raw object is shared with copies of the same mail in other inboxes (see raw-mail.ts). */
  rawShared?: true;
  sesMessageId: string;
  expiresAt: number;
}

export interface MessageContentItem extends Item {
  type: 'message-content';
  /** `MessageContent` as gzipped JSON. */
  packed?: Uint8Array;
  /** Items written before content was packed hold it as a map. */
  content?: MessageContent;
  expiresAt: number;
}

const SUMMARY_FIELDS = [
  'id',
  'inboxId',
  'threadId',
  'direction',
  'from',
  'to',
  'cc',
  'subject',
  'receivedAt',
  'size',
  'snippet',
  'verdicts',
  'extracted',
  'recipient',
  'tag',
  'hasAttachments',
  'quarantined',
  'parseError',
] as const satisfies readonly (keyof MessageItem)[];

export type MessageSummary = Pick<MessageItem, (typeof SUMMARY_FIELDS)[number]> & {
  unread: boolean;
  labels: string[];
  delivery: DeliveryStatus | null;
  bcc: MailAddress[];
  blockedBy: BlockingRule | null;
};

export interface Message extends MessageSummary, MessageContent {
  replyTo: MailAddress[];
  sentAt: string | null;
  messageIdHeader: string | null;
  inReplyTo: string | null;
  references: string[];
  attachments: AttachmentMeta[];
}

export function toSummary(m: MessageItem): MessageSummary {
  const fields = Object.fromEntries(SUMMARY_FIELDS.map((f) => [f, m[f]])) as Pick<MessageItem, (typeof SUMMARY_FIELDS)[number]>;
  return { ...fields, extracted: currentExtracted(m.extracted), unread: m.unread ?? true, labels: m.labels ?? [], delivery: m.delivery ?? null, bcc: m.bcc ?? [], blockedBy: m.blockedBy ?? null };
}

/** Messages stored before links were classified kept bare URLs and no withholding reason. */
function currentExtracted(stored: Extracted | { codes: string[]; links: (string | ExtractedLink)[] }): Extracted {
  return {
    codes: stored.codes,
    links: stored.links.map((l) => (typeof l === 'string' ? { url: l, kind: 'other', text: null } : l)),
    codesWithheld: 'codesWithheld' in stored ? stored.codesWithheld : null,
  };
}

export interface ListMessagesRequest extends ListRequest, MessageFilter, KeptApart {
  /** A search (see message-search.ts), ANDed with the other filters. */
  q?: string;
}

/** Items a search reads per query: it keeps few of them, and fewer, larger queries cost less than many small ones. */
export const SEARCH_READ_AHEAD = 100;

export async function listMessages(
  deps: CoreDeps,
  orgId: string,
  inboxId: string,
  request: ListMessagesRequest,
): Promise<ListPage<MessageSummary>> {
  const live = isLive(deps.clock.now());
  const matches = messageMatcher(request, request);
  const terms = request.q === undefined ? [] : parseSearch(request.q);
  const found = searchMatcher(terms);
  const searched = searchTimeRange(terms);
  const since = [request.since && isoTime(request.since, 'since'), searched.since].filter(Boolean).sort().at(-1);
  const until = [request.until && isoTime(request.until, 'until'), searched.until].filter(Boolean).sort()[0];
  const range = { ...messageListPrefix(orgId, inboxId), ...timeSlice('M#', 'msg', since, until) };
  const [, { items, nextCursor }] = await inOrder([
    getInbox(deps, orgId, inboxId),
    listNewestFirst<MessageItem>(deps.table, range, request, (m) => live(m) && matches(m) && found(m), terms.length ? SEARCH_READ_AHEAD : 0),
  ]);
  return { data: items.map(toSummary), nextCursor };
}

export interface MessageChanges {
  unread?: boolean;
  /** Replaces the message's labels. */
  labels?: string[];
}

/**
 * Read state and labels are the reader's bookkeeping, not a change to the mail, so they are not
 * audited (an agent marking every message read would drown the log).
 */
export async function updateMessage(deps: CoreDeps, orgId: string, inboxId: string, messageId: string, changes: MessageChanges): Promise<MessageSummary> {
  await getMessageItem(deps, orgId, inboxId, messageId, true);
  const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
  const updated = await deps.table.update<MessageItem>(messageKey(orgId, inboxId, messageId), set);
  // Deleted between the read and the write.
  if (!updated) throw notFound('message');
  return toSummary(updated);
}

/**
 * A live message of a live inbox (a blocked one only for callers who `seeBlocked`). The message's key holds its
 * org and inbox, so the inbox check needs no answer before the message is read: both go in one round trip.
 */
export async function getMessageItem(deps: CoreDeps, orgId: string, inboxId: string, messageId: string, seeBlocked = false): Promise<MessageItem> {
  const [, item] = await inOrder([getInbox(deps, orgId, inboxId), deps.table.get<MessageItem>(messageKey(orgId, inboxId, messageId))]);
  if (!item || !isLive(deps.clock.now())(item) || (item.blockedBy && !seeBlocked)) throw notFound('message');
  return item;
}

export async function getMessage(deps: CoreDeps, orgId: string, inboxId: string, messageId: string, seeBlocked = false): Promise<Message> {
  // Most messages keep their content in the table, so it is read in the same round trip as the message; for
  // one whose content is in the bucket, that read finds nothing and costs one read unit.
  const [item, contentItem] = await inOrder([getMessageItem(deps, orgId, inboxId, messageId, seeBlocked), readContentItem(deps, orgId, inboxId, messageId)]);
  return fullMessage(deps, item, contentItem);
}

/** A stored summary with its bodies, headers and attachment list; `contentItem` if its content item was read already. */
export async function fullMessage(deps: CoreDeps, item: MessageItem, contentItem?: MessageContentItem): Promise<Message> {
  const content = await contentOf(deps, item, contentItem);
  return {
    ...toSummary(item),
    replyTo: item.replyTo,
    sentAt: item.sentAt,
    messageIdHeader: item.messageIdHeader,
    inReplyTo: item.inReplyTo,
    references: item.references,
    attachments: (content.attachments ?? item.attachments).map(({ part: _part, ...shown }) => shown),
    text: content.text,
    html: content.html,
    headers: content.headers,
  };
}

const readContentItem = (deps: CoreDeps, orgId: string, inboxId: string, messageId: string) =>
  deps.table.get<MessageContentItem>(messageContentKey(orgId, inboxId, messageId));

async function contentOf(deps: CoreDeps, item: MessageItem, contentItem?: MessageContentItem): Promise<MessageContent> {
  if (item.contentIn === 'table') {
    const stored = contentItem ?? (await readContentItem(deps, item.orgId, item.inboxId, item.id));
    if (!stored) throw new Error(`content of message ${item.id} is missing from the table`);
    return unpackContent(stored);
  }
  const stored = await deps.blobs.get(blobKeys.content(item.orgId, item.inboxId, item.id));
  if (!stored) throw new Error(`content of message ${item.id} is missing from the bucket`);
  return JSON.parse(stored.toString('utf8')) as MessageContent;
}

export interface StoredBytes {
  key: string;
  size: number;
  filename: string;
  contentType: string;
  /** For bytes kept under no key of their own: makes them. A download link to them needs them written to `key` first. */
  make?: () => Promise<Buffer>;
}

export async function locateRaw(deps: CoreDeps, orgId: string, inboxId: string, messageId: string, seeBlocked = false): Promise<StoredBytes> {
  const item = await getMessageItem(deps, orgId, inboxId, messageId, seeBlocked);
  return { key: rawKeyOf(item), size: item.size, filename: `${messageId}.eml`, contentType: 'message/rfc822' };
}

export async function locateAttachment(
  deps: CoreDeps,
  orgId: string,
  inboxId: string,
  messageId: string,
  attachmentId: string,
  seeBlocked = false,
): Promise<StoredBytes> {
  const item = await getMessageItem(deps, orgId, inboxId, messageId, seeBlocked);
  const attachments = item.attachmentsInContent ? ((await contentOf(deps, item)).attachments ?? []) : item.attachments;
  const attachment = attachments.find((a) => a.id === attachmentId);
  if (!attachment) throw notFound('attachment');
  const { part } = attachment;
  return {
    key: blobKeys.attachment(orgId, inboxId, messageId, attachmentId),
    size: attachment.size,
    filename: attachment.filename ?? attachmentId,
    contentType: attachment.contentType,
    ...(part ? { make: () => cutAttachment(deps, item, attachment, part) } : {}),
  };
}

async function cutAttachment(deps: CoreDeps, item: MessageItem, attachment: AttachmentMeta, part: string): Promise<Buffer> {
  const raw = await deps.blobs.get(rawKeyOf(item));
  if (!raw) throw new Error(`raw message of ${item.id} is missing from the bucket`);
  const bytes = cutPart(raw, part);
  // Checked when the mail was stored; a mismatch now means the raw object is not the one it was.
  if (!bytes || createHash('sha256').update(bytes).digest('hex') !== attachment.sha256) {
    throw new Error(`attachment ${attachment.id} of message ${item.id} no longer matches its raw message`);
  }
  return bytes;
}
