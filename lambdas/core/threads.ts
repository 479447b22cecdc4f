import { createHash } from 'node:crypto';
import type { Item } from '../ports';
import type { CoreDeps } from './deps';
import { notFound } from './errors';
import { hashId } from './ids';
import { getInbox } from './inboxes';
import { isLive, listNewestFirst, queryAll, type ListPage, type ListRequest } from './listing';
import type { ParsedMessage } from './mail/parse-mime';
import { toSummary, type MessageItem, type MessageSummary } from './messages';
import { messageKey, messageListPrefix, threadKey, threadLookupKey, threadMemberKey, threadMemberPrefix } from './table-keys';

/** A conversation in an inbox: what lists show, kept beside the messages it groups. */
export interface Thread {
  id: string;
  subject: string;
  messageCount: number;
  /** Who wrote in it (addresses, at most 20). */
  participants: string[];
  lastMessageId: string;
  lastActivityAt: string;
  snippet: string;
}

type ThreadItem = Item & Thread & { expiresAt: number };
type LookupItem = Item & { threadId: string; expiresAt: number };

const MAX_PARTICIPANTS = 20;
const REPLY_PREFIX = /^\s*((re|fw|fwd|aw|wg|sv|vs|antw|rif|r|tr|res|enc)\s*(\[\d+\])?\s*:\s*)+/i;

/**
 * The thread a message belongs to: its References root; else the thread of the message it replies to
 * (In-Reply-To), if the inbox has it; only when both headers are missing, a thread with the same subject
 * once "Re:"/"Fwd:" and the like are stripped; otherwise a new thread named by its own Message-ID.
 */
export async function threadIdFor(deps: CoreDeps, orgId: string, inboxId: string, message: ParsedMessage, id: string): Promise<string> {
  if (message.references.length > 0) return hashId('thr', message.references[0]);
  if (message.inReplyTo) {
    const parent = await deps.table.get<LookupItem>(threadLookupKey(orgId, inboxId, 'MID', message.inReplyTo));
    return parent?.threadId ?? hashId('thr', message.inReplyTo);
  }
  if (REPLY_PREFIX.test(message.subject)) {
    const same = await deps.table.get<LookupItem>(threadLookupKey(orgId, inboxId, 'SUBJ', subjectKey(message.subject)));
    if (same) return same.threadId;
  }
  return hashId('thr', message.messageId ?? id);
}

/**
 * Records a stored message in its thread: the membership (for the thread's message list), the lookups later
 * replies use, and the thread's summary, whose `lastMessageId` moves only forward (concurrent writers retry).
 */
export async function recordInThread(deps: CoreDeps, message: MessageItem): Promise<void> {
  // A thread named after this very message starts with it, so there is nothing to read first; should it exist
  // after all (the same Message-ID arriving twice), the conditional write fails and the thread is read.
  const startsThread = message.threadId === hashId('thr', message.messageIdHeader ?? message.id);
  // The membership and the summary go together: should either fail, the retried delivery recounts the thread.
  await Promise.all([
    putMembership(deps, message),
    saveThread(deps, message, !startsThread, (current) => {
      const newest = !current || message.id > current.lastMessageId;
      return threadItem(message, current, (current?.messageCount ?? 0) + 1, newest ? message : newestOf(current));
    }),
  ]);
}

/**
 * Records a message stored before, when its delivery is retried. The run that stored it may have stopped
 * anywhere in `recordInThread`, so its membership is written again and the summary recounted from the members:
 * adding one could count the message twice, and skipping it could leave it out.
 */
export async function rerecordInThread(deps: CoreDeps, message: MessageItem): Promise<void> {
  const { orgId, inboxId, threadId } = message;
  await putMembership(deps, message);
  const members = await queryAll<Item>(deps.table, threadMemberPrefix(orgId, inboxId, threadId));
  // Members sort by message id, which sorts by arrival.
  const newestId = String(members[members.length - 1].messageId);
  const newest = newestId === message.id ? message : ((await deps.table.get<MessageItem>(messageKey(orgId, inboxId, newestId))) ?? message);
  await saveThread(deps, message, true, (current) => threadItem(message, current, members.length, newest));
}

async function putMembership(deps: CoreDeps, message: MessageItem): Promise<void> {
  const { orgId, inboxId, threadId, expiresAt } = message;
  const subject = subjectKey(message.subject);
  await deps.table.putAll([
    { ...threadMemberKey(orgId, inboxId, threadId, message.id), type: 'thread-member', messageId: message.id, expiresAt },
    ...(message.messageIdHeader ? [{ ...threadLookupKey(orgId, inboxId, 'MID', message.messageIdHeader), threadId, expiresAt }] : []),
    ...(subject ? [{ ...threadLookupKey(orgId, inboxId, 'SUBJ', subject), threadId, expiresAt }] : []),
  ]);
}

/** Writes the thread `next` makes of the stored one, if no one changed it meanwhile; otherwise reads it and tries again. */
async function saveThread(deps: CoreDeps, message: MessageItem, readFirst: boolean, next: (current: ThreadItem | undefined) => ThreadItem): Promise<void> {
  const key = threadKey(message.orgId, message.inboxId, message.threadId);
  let current = readFirst ? await deps.table.get<ThreadItem>(key) : undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const written = current
      ? await deps.table.put(next(current), { ifUnchanged: { attribute: 'messageCount', value: current.messageCount } })
      : await deps.table.put(next(current), { ifNotExists: true });
    if (written) return;
    current = await deps.table.get<ThreadItem>(key);
  }
  throw new Error(`thread ${message.threadId} kept changing while recording message ${message.id}`);
}

type NewestMessage = Pick<MessageItem, 'id' | 'receivedAt' | 'snippet'>;
const newestOf = (thread: ThreadItem): NewestMessage => ({ id: thread.lastMessageId, receivedAt: thread.lastActivityAt, snippet: thread.snippet });

/** The thread with `message` in it, of `messageCount` messages, showing the newest. */
function threadItem(message: MessageItem, current: ThreadItem | undefined, messageCount: number, newest: NewestMessage): ThreadItem {
  const { orgId, inboxId, threadId, expiresAt } = message;
  const author = message.direction === 'outbound' ? message.recipient : message.from?.address;
  return {
    ...threadKey(orgId, inboxId, threadId),
    type: 'thread',
    id: threadId,
    subject: current?.subject ?? message.subject.replace(REPLY_PREFIX, ''),
    messageCount,
    participants: [...new Set([...(current?.participants ?? []), ...(author ? [author.toLowerCase()] : [])])].slice(0, MAX_PARTICIPANTS),
    lastMessageId: newest.id,
    lastActivityAt: newest.receivedAt,
    snippet: newest.snippet,
    expiresAt: Math.max(current?.expiresAt ?? 0, expiresAt),
  };
}

/**
 * After a message is deleted: its membership goes, and the thread shows its newest remaining message (or goes
 * too). Its lookups stay, so a late reply still finds the conversation, unless the message is being withdrawn
 * as if it had never arrived.
 */
export async function forgetInThread(deps: CoreDeps, message: MessageItem, options: { withLookups?: boolean } = {}): Promise<void> {
  const { orgId, inboxId, threadId } = message;
  await deps.table.delete(threadMemberKey(orgId, inboxId, threadId, message.id));
  if (options.withLookups) {
    if (message.messageIdHeader) await deps.table.delete(threadLookupKey(orgId, inboxId, 'MID', message.messageIdHeader));
    const subject = subjectKey(message.subject);
    if (subject) await deps.table.delete(threadLookupKey(orgId, inboxId, 'SUBJ', subject));
  }
  const key = threadKey(orgId, inboxId, threadId);
  const [newest] = (await deps.table.query<Item>({ ...threadMemberPrefix(orgId, inboxId, threadId), limit: 1, newestFirst: true })).items;
  const remaining = newest && (await deps.table.get<MessageItem>(messageKey(orgId, inboxId, String(newest.messageId))));
  if (!remaining) return deps.table.delete(key);
  const current = await deps.table.get<ThreadItem>(key);
  await deps.table.update(key, {
    messageCount: Math.max(1, (current?.messageCount ?? 1) - 1),
    lastMessageId: remaining.id,
    lastActivityAt: remaining.receivedAt,
    snippet: remaining.snippet,
  });
}

/**
 * Threads by newest activity: walks the messages newest first and shows each thread at its newest message,
 * so the message list's cursor pages threads too.
 */
export async function listThreads(deps: CoreDeps, orgId: string, inboxId: string, request: ListRequest): Promise<ListPage<Thread>> {
  const live = isLive(deps.clock.now());
  // Collected first (the filter must be synchronous), then kept where the message is its thread's newest.
  const [, page] = await Promise.all([
    getInbox(deps, orgId, inboxId),
    listNewestFirst<MessageItem>(deps.table, messageListPrefix(orgId, inboxId), request, (m) => live(m) && !m.quarantined),
  ]);
  // Each thread on the page is read once, and all of them at the same time.
  const threadIds = [...new Set(page.items.map((m) => m.threadId))];
  const found = await Promise.all(threadIds.map((id) => deps.table.get<ThreadItem>(threadKey(orgId, inboxId, id))));
  const threads = new Map(threadIds.map((id, i) => [id, found[i]]));
  const shown: Thread[] = [];
  for (const m of page.items) {
    const thread = threads.get(m.threadId);
    if (thread && thread.lastMessageId === m.id) shown.push(toThread(thread));
  }
  return { data: shown, nextCursor: page.nextCursor };
}

/** A thread with its messages, oldest first. */
export async function getThread(deps: CoreDeps, orgId: string, inboxId: string, threadId: string): Promise<Thread & { messages: MessageSummary[] }> {
  // Keyed by org and inbox, the three reads need no answer from one another.
  const [, thread, members] = await Promise.all([
    getInbox(deps, orgId, inboxId),
    deps.table.get<ThreadItem>(threadKey(orgId, inboxId, threadId)),
    queryAll<Item>(deps.table, threadMemberPrefix(orgId, inboxId, threadId)),
  ]);
  const live = isLive(deps.clock.now());
  if (!thread || !live(thread)) throw notFound('thread');
  const messages = await Promise.all(members.map((m) => deps.table.get<MessageItem>(messageKey(orgId, inboxId, String(m.messageId)))));
  return { ...toThread(thread), messages: messages.filter((m): m is MessageItem => m !== undefined && live(m) && !m.quarantined).map(toSummary) };
}

function toThread({ id, subject, messageCount, participants, lastMessageId, lastActivityAt, snippet }: ThreadItem): Thread {
  return { id, subject, messageCount, participants, lastMessageId, lastActivityAt, snippet };
}

/** Subjects compare without reply prefixes, case or spacing; hashed, as subjects can be long. */
function subjectKey(subject: string): string {
  const normalized = subject.replace(REPLY_PREFIX, '').replace(/\s+/g, ' ').trim().toLowerCase();
  return normalized ? createHash('sha256').update(normalized).digest('base64url') : '';
}
