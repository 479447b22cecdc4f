import { createHash } from 'node:crypto';
import type { CoreDeps } from '../deps';
import { inOrder } from '../in-order';
import type { InboxItem } from '../inboxes';
import type { Extracted } from '../mail/extract';
import type { ParseOutcome } from '../mail/parse-mime';
import {
  boundedAddress,
  boundedAddressList,
  boundedExtracted,
  boundedHeaderValue,
  boundedReferences,
  INLINE_ATTACHMENT_LIST_BYTES,
} from './message-bounds';
import { packJson } from '../packed-json';
import { cutParts } from '../mail/mime-parts';
import type { AttachmentMeta, DeliveryStatus, MessageContent, MessageContentItem, MessageItem, Verdicts } from './messages';
import { TransactionConditionsFailed } from '../errors';
import type { WriteOp } from '../../ports';
import { blobKeys, inboxKey, messageContentKey, messageKey, messageTombstoneKey } from '../table-keys';
import { releaseStoredBytes } from '../raw-mail';
import { exactThreadWrite, threadIdFor, threadWrites } from '../threads';
import { hashId } from '../ids';
import type { BlockingRule } from '../rules/rule-matching';

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
  /**
   * The raw bytes: the object the receipt rule wrote, left where it is (`shared` by the copies of mail for several
   * inboxes), or bytes in hand (sent mail), stored with the message.
   */
  raw: { storedAt: string; shared: boolean; bytesRead: Buffer } | { bytes: Buffer };
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
  /** Received mail a rule keeps out of the inbox: stored apart, in no thread, counted on the inbox. */
  blockedBy?: BlockingRule;
}

/**
 * `stored`: new; `repeated`: stored by an earlier delivery of the same mail (announced again, since that run may
 * have stopped before it announced it: webhooks deliver each event once); `deleted`: its owner deleted it before
 * this delivery (its tombstone says so), and it stays deleted; `inbox-gone`: the inbox is being deleted.
 */
export type WriteOutcome = 'stored' | 'repeated' | 'deleted' | 'inbox-gone';

/** Tries at a thread summary that other writers keep changing; beyond them the delivery fails and is retried. */
const THREAD_ATTEMPTS = 12;

/**
 * Stores a message in one transaction: its summary (what makes it visible), its content when small, its place in
 * its thread (blocked mail joins none: it is counted on the inbox instead), and the inbox's last arrival, which
 * holds only while the inbox is not being deleted; a message
 * deleted earlier (its tombstone) is not written again. Only parts too large for the table (content over 8 KB
 * packed, the raw bytes of sent mail) go to the bucket first. Attachments are not copied: they are cut from the
 * raw message when asked for (mime-parts.ts), unless that would not give back their exact bytes. Writing the same
 * id twice makes nothing new.
 */
export async function writeMessage(deps: CoreDeps, m: MessageToWrite): Promise<{ message: MessageItem; outcome: WriteOutcome }> {
  const { inbox, id, parsed } = m;
  const { orgId, id: inboxId } = inbox;
  const key = messageKey(orgId, inboxId, id);

  const message = parsed.message;
  const raw = 'bytes' in m.raw ? m.raw.bytes : m.raw.bytesRead;
  const cuts = cutParts(raw, message.attachments.map((a) => a.partId ?? ''));
  const attachments: AttachmentMeta[] = message.attachments.map((a, index) => ({
    id: `att_${index + 1}`,
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    sha256: a.sha256,
    contentId: a.contentId,
    inline: a.inline,
    ...(a.partId && sameBytes(cuts[index], a.sha256) ? { part: a.partId } : {}),
  }));
  // Only an attachment the raw message cannot give back byte for byte is kept apart.
  const storedApart = attachments.flatMap((meta, index) => (meta.part ? [] : [{ meta, content: message.attachments[index].content }]));
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
  const packed = contentJson.length <= LARGEST_JSON_WORTH_PACKING ? packJson(contentJson) : undefined;
  const contentIn = packed && packed.length <= INLINE_PACKED_CONTENT_BYTES ? 'table' : 'bucket';
  const rawKey = 'bytes' in m.raw ? blobKeys.raw(orgId, inboxId, id) : m.raw.storedAt;
  // What goes to the bucket is written before the transaction that makes the message visible, with the thread's lookup.
  const [threadId] = await inOrder([
    // A thread of its own that is never stored: blocked mail must not show up in, or reorder, a real thread.
    m.blockedBy ? Promise.resolve(hashId('thr', 'blocked', id)) : threadIdFor(deps, orgId, inboxId, message, id),
    contentIn === 'bucket' ? deps.blobs.put(blobKeys.content(orgId, inboxId, id), Buffer.from(contentJson), 'application/json') : Promise.resolve(),
    'bytes' in m.raw ? deps.blobs.put(rawKey, m.raw.bytes, 'message/rfc822') : Promise.resolve(),
    ...storedApart.map(({ meta, content }) => deps.blobs.put(blobKeys.attachment(orgId, inboxId, id, meta.id), content, meta.contentType)),
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
    rawKey,
    ...('shared' in m.raw && m.raw.shared ? { rawShared: true as const } : {}),
    sesMessageId: m.providerMessageId,
    ...(m.blockedBy ? { blockedBy: m.blockedBy } : {}),
    expiresAt,
  };
  const fixed: WriteOp[] = [
    { put: item, ifNotExists: true },
    { check: messageTombstoneKey(orgId, inboxId, id), when: { itemExists: false } },
    {
      update: inboxKey(orgId, inboxId),
      ...(m.blockedBy ? { add: { blockedMessages: 1 } } : { set: { lastMessageAt: item.receivedAt } }),
      when: { attribute: 'deleting', absent: true },
    },
    ...(packed && contentIn === 'table'
      ? [{ put: { ...messageContentKey(orgId, inboxId, id), type: 'message-content', packed, expiresAt } satisfies MessageContentItem }]
      : []),
  ];
  const [MESSAGE, TOMBSTONE, INBOX] = [0, 1, 2];
  const thread = m.blockedBy ? undefined : threadWrites(item);
  const threadOps = thread?.ops ?? [];
  const summaryAt = fixed.length + threadOps.length;
  // The thread summary's write: as the newest message, else as an older one, else as the thread reads now.
  const [asNewest, asOlder] = thread?.summaries ?? [];
  let summary = asNewest;
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.table.transactWrite([...fixed, ...threadOps, ...(summary ? [summary] : [])]);
      return { message: item, outcome: 'stored' };
    } catch (err) {
      if (!(err instanceof TransactionConditionsFailed)) throw err;
      const failed = new Set(err.failed);
      if (failed.has(TOMBSTONE) || failed.has(INBOX)) {
        await releaseStoredBytes(deps, item);
        return { message: item, outcome: failed.has(TOMBSTONE) ? 'deleted' : 'inbox-gone' };
      }
      if (failed.has(MESSAGE)) {
        const stored = await deps.table.get<MessageItem>(key);
        // Deleted between the transaction and this read: as good as deleted before it.
        return stored ? { message: stored, outcome: 'repeated' } : { message: item, outcome: 'deleted' };
      }
      if (!failed.has(summaryAt) || attempt === THREAD_ATTEMPTS) throw err;
      if (summary === asNewest) summary = asOlder;
      else {
        // Writers that collided spread out before trying again (a burst of replies to one thread): full jitter.
        if (summary !== asOlder) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));
        summary = await exactThreadWrite(deps, item);
      }
    }
  }
}


const sameBytes = (cut: Buffer | undefined, sha256: string): boolean => cut !== undefined && createHash('sha256').update(cut).digest('hex') === sha256;

function snippetOf(text: string | null): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS - 1)}…` : flat;
}
