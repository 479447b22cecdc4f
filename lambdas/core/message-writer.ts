import type { CoreDeps } from './deps';
import { inOrder } from './in-order';
import type { InboxItem } from './inboxes';
import type { Extracted } from './mail/extract';
import type { ParseOutcome } from './mail/parse-mime';
import {
  boundedAddress,
  boundedAddressList,
  boundedExtracted,
  boundedHeaderValue,
  boundedReferences,
  INLINE_ATTACHMENT_LIST_BYTES,
} from './message-bounds';
import { packContentJson } from './message-content-packing';
import type { AttachmentMeta, DeliveryStatus, MessageContent, MessageContentItem, MessageItem, Verdicts } from './messages';
import { blobKeys, messageContentKey, messageKey, messageTombstoneKey } from './table-keys';
import { recordInThread, threadIdFor } from './threads';

/**
 * Packed text/html/headers up to this size get an item of their own; larger ones go to the bucket. Beyond about
 * 8 KB one S3 PUT costs less than the write units (a unit per KB), and S3 storage is a tenth of DynamoDB's.
 */
const INLINE_PACKED_CONTENT_BYTES = 8 * 1024;
/** Mail text and HTML seldom shrink beyond tenfold: content this large goes to the bucket without being gzipped first. */
const LARGEST_JSON_WORTH_PACKING = 64 * INLINE_PACKED_CONTENT_BYTES;
const SNIPPET_CHARS = 200;

/** A parsed message to keep in an inbox: mail received, or mail the inbox sent. */
export interface MessageToWrite {
  inbox: InboxItem;
  id: string;
  direction: 'inbound' | 'outbound';
  /** When it was received, or sent. */
  at: Date;
  /** The raw bytes: already in the bucket (inbound), or in hand (outbound). */
  raw: { copyFrom: string } | { bytes: Buffer };
  size: number;
  parsed: ParseOutcome;
  /** Codes and links (received mail; sent mail has none worth extracting). */
  extracted: Extracted;
  /** The envelope address this copy belongs to (for sent mail, the sending inbox's). */
  recipient: { address: string; tag: string | null };
  verdicts: Verdicts;
  /** SES's message id (or the local stand-in's). */
  providerMessageId: string;
  /** Sent mail: where its delivery stands. */
  delivery?: DeliveryStatus;
  /** Sent mail: Bcc recipients, which its headers do not show. */
  bcc?: { address: string; name: string }[];
}

/**
 * Stores a message: raw copy, attachments and content first, the summary item last, since the summary is what
 * makes the message visible. Writing the same id twice makes nothing new (`created` is false): a repeated
 * delivery rewrites the same bytes, its summary write, conditional on there being none, fails, and its thread is
 * recounted in case the first run stopped before recording it. Not reading first saves a request on every
 * message; repeats are rare.
 *
 * A message deleted before a repeat of its delivery, or while a delivery was recording it, is not `kept`: its
 * tombstone, read with the parts and again once the message is in its thread, has what this run wrote taken back,
 * so the message stays deleted.
 */
export async function writeMessage(deps: CoreDeps, m: MessageToWrite): Promise<{ message: MessageItem; created: boolean; kept: boolean }> {
  const { inbox, id, parsed } = m;
  const { orgId, id: inboxId } = inbox;
  const key = messageKey(orgId, inboxId, id);

  const message = parsed.message;
  const rawKey = blobKeys.raw(orgId, inboxId, id);
  const attachments: AttachmentMeta[] = message.attachments.map((a, index) => ({
    id: `att_${index + 1}`,
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    sha256: a.sha256,
    contentId: a.contentId,
    inline: a.inline,
  }));
  const attachmentsInItem = Buffer.byteLength(JSON.stringify(attachments)) <= INLINE_ATTACHMENT_LIST_BYTES;
  const content: MessageContent = {
    text: message.text,
    html: message.html,
    headers: message.headers,
    ...(attachmentsInItem ? {} : { attachments }),
  };
  const retentionDays = inbox.retentionDays ?? deps.settings.defaultRetentionDays;
  const retainedUntil = Math.floor(m.at.getTime() / 1000) + retentionDays * 86400;
  const expiresAt = inbox.expiresAt ? Math.min(inbox.expiresAt, retainedUntil) : retainedUntil;

  const contentJson = JSON.stringify(content);
  const packed = contentJson.length <= LARGEST_JSON_WORTH_PACKING ? packContentJson(contentJson) : undefined;
  const contentIn = packed && packed.length <= INLINE_PACKED_CONTENT_BYTES ? 'table' : 'bucket';
  const writeContent = (): Promise<unknown> =>
    packed && contentIn === 'table'
      ? deps.table.put({ ...messageContentKey(orgId, inboxId, id), type: 'message-content', packed, expiresAt } satisfies MessageContentItem)
      : deps.blobs.put(blobKeys.content(orgId, inboxId, id), Buffer.from(contentJson), 'application/json');
  // The parts go together, with the thread's lookup and the tombstone check; the summary item waits for them all,
  // since it is what makes the message visible.
  const [threadId, tombstone] = await inOrder([
    threadIdFor(deps, orgId, inboxId, message, id),
    deps.table.get(messageTombstoneKey(orgId, inboxId, id)),
    'copyFrom' in m.raw ? deps.blobs.copy(m.raw.copyFrom, rawKey) : deps.blobs.put(rawKey, m.raw.bytes, 'message/rfc822'),
    ...message.attachments.map((a, index) => deps.blobs.put(blobKeys.attachment(orgId, inboxId, id, attachments[index].id), a.content, a.contentType)),
    writeContent(),
  ]);
  const item: MessageItem = {
    ...key,
    type: 'message',
    id,
    orgId,
    inboxId,
    threadId,
    direction: m.direction,
    from: message.from && boundedAddress(message.from),
    to: boundedAddressList(message.to),
    cc: boundedAddressList(message.cc),
    replyTo: boundedAddressList(message.replyTo),
    subject: boundedHeaderValue(message.subject),
    receivedAt: m.at.toISOString(),
    sentAt: message.date,
    size: m.size,
    snippet: snippetOf(message.text),
    verdicts: m.verdicts,
    extracted: boundedExtracted(m.extracted),
    recipient: m.recipient.address,
    tag: m.recipient.tag,
    messageIdHeader: boundedHeaderValue(message.messageId),
    inReplyTo: boundedHeaderValue(message.inReplyTo),
    references: boundedReferences(message.references),
    attachments: attachmentsInItem ? attachments : [],
    ...(attachmentsInItem ? {} : { attachmentsInContent: true as const }),
    hasAttachments: attachments.some((a) => !a.inline),
    quarantined: m.verdicts.virus === 'FAIL',
    parseError: parsed.ok ? null : { code: parsed.code, reason: parsed.reason },
    unread: m.direction === 'inbound',
    delivery: m.delivery ?? null,
    bcc: m.bcc ?? [],
    labels: [],
    contentIn,
    sesMessageId: m.providerMessageId,
    expiresAt,
  };
  if (!tombstone) {
    const created = await deps.table.put(item, { ifNotExists: true });
    // Stored by an earlier run, which may have stopped before its thread took it in.
    const stored = created ? item : await deps.table.get<MessageItem>(key);
    if (stored && (await recordInThread(deps, stored, { retried: !created }))) return { message: stored, created, kept: true };
  }
  await withdrawMessage(deps, item);
  return { message: item, created: false, kept: false };
}

/** Deletes a message's objects, content and summary, for a copy that must not stay; its thread is the caller's. */
export async function withdrawMessage(deps: CoreDeps, { orgId, inboxId, id }: MessageItem): Promise<void> {
  await deps.blobs.deletePrefix(blobKeys.messagePrefix(orgId, inboxId, id));
  await deps.table.delete(messageContentKey(orgId, inboxId, id));
  await deps.table.delete(messageKey(orgId, inboxId, id));
}


function snippetOf(text: string | null): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS - 1)}…` : flat;
}
