import { createHash, randomUUID } from 'node:crypto';
import { inOrder } from './in-order';
import type { Condition, Item, WriteOp } from '../ports';
import type { CoreDeps } from './deps';
import { notFound } from './errors';
import { hashId } from './ids';
import { getInbox } from './inboxes';
import { isLive, listNewestFirst, queryAll, type ListPage, type ListRequest } from './listing';
import type { ParsedMessage } from './mail/parse-mime';
import { toSummary, type MessageItem, type MessageSummary } from './messages/messages';
import { messageKey, messageListPrefix, threadKey, threadLookupKey, threadMemberKey, threadMemberPrefix } from './table-keys';

/** A conversation in an inbox: what lists show, kept beside the messages it groups. */
export interface Thread {
  id: string;
  subject: string;
  messageCount: number;
  /** Who wrote in it (addresses, at most 20, in alphabetical order). */
  participants: string[];
  lastMessageId: string;
  lastActivityAt: string;
  snippet: string;
}

/**
 * `version` is new with every write, never reused (not even after the thread goes and comes back): a write holds
 * only while the summary is still the version it was counted against.
 */
type ThreadItem = Item & Omit<Thread, 'participants'> & { participants?: string[]; participantSet?: Set<string>; expiresAt: number; version?: string };
type LookupItem = Item & { threadId: string; expiresAt: number };

const MAX_PARTICIPANTS = 20;
/** Tries at counting a thread that other writers keep changing; beyond them the delivery fails and is retried. */
const COUNT_ATTEMPTS = 12;
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
 * The writes that record a new message in its thread, for the transaction that stores the message: its
 * membership (for the thread's message list), the lookups later replies use, and two ways to write the thread's
 * summary, each counting it one more and adding its author while the thread has fewer than 20 participants (or
 * the author is one): as the thread's newest message, or as an older one. Where neither holds (full participants,
 * a summary of an older shape, a shorter life than the message's), `exactThreadWrite` makes the summary's write.
 */
export function threadWrites(message: MessageItem): { ops: WriteOp[]; summaries: [asNewest: WriteOp, asOlder: WriteOp] } {
  const { orgId, inboxId, threadId, expiresAt, messageIdHeader } = message;
  const subject = subjectKey(message.subject);
  // A reply to the message a thread is named after finds the thread by that Message-ID alone (see threadIdFor), so
  // only messages that joined another thread need a lookup by Message-ID: most mail writes one item less.
  const namedAfterIt = threadId === hashId('thr', messageIdHeader ?? message.id);
  const ops: WriteOp[] = [
    { put: { ...threadMemberKey(orgId, inboxId, threadId, message.id), type: 'thread-member', messageId: message.id, expiresAt } },
    ...(messageIdHeader && !namedAfterIt ? [{ put: { ...threadLookupKey(orgId, inboxId, 'MID', messageIdHeader), threadId, expiresAt } }] : []),
    ...(subject ? [{ put: { ...threadLookupKey(orgId, inboxId, 'SUBJ', subject), threadId, expiresAt } }] : []),
  ];
  const author = authorOf(message);
  const counted = { add: { messageCount: 1, ...(author ? { participantSet: new Set([author]) } : {}) } };
  const admitted: Condition[] = [
    // Summaries written before participants were a set are rewritten whole (see exactThreadWrite).
    { attribute: 'participants', absent: true },
    ...(author ? [roomAmongParticipants(author)] : []),
  ];
  const key = threadKey(orgId, inboxId, threadId);
  const asNewest: WriteOp = {
    update: key,
    upsert: true,
    set: { type: 'thread', id: threadId, lastMessageId: message.id, lastActivityAt: message.receivedAt, snippet: message.snippet, expiresAt, version: randomUUID() },
    setIfAbsent: { subject: message.subject.replace(REPLY_PREFIX, '') },
    ...counted,
    when: {
      allOf: [
        { anyOf: [{ attribute: 'lastMessageId', absent: true }, { attribute: 'lastMessageId', is: '<', than: message.id }] },
        // A thread outlives none of its messages.
        { anyOf: [{ attribute: 'expiresAt', absent: true }, { attribute: 'expiresAt', is: '<=', than: expiresAt }] },
        ...admitted,
      ],
    },
  };
  // A message older than the thread's newest (it arrived late, or a newer one was stored first) is only counted.
  const asOlder: WriteOp = {
    update: key,
    set: { version: randomUUID() },
    ...counted,
    when: { allOf: [{ attribute: 'lastMessageId', is: '>', than: message.id }, { attribute: 'expiresAt', is: '>=', than: expiresAt }, ...admitted] },
  };
  return { ops, summaries: [asNewest, asOlder] };
}

/**
 * The summary's write for a message `threadWrites`' conditions did not admit: the thread as it is now, counted one
 * more, and written only while it is still that version.
 */
export async function exactThreadWrite(deps: CoreDeps, message: MessageItem): Promise<WriteOp> {
  const thread = { orgId: message.orgId, inboxId: message.inboxId, threadId: message.threadId };
  const current = await deps.table.get<ThreadItem>(threadKey(thread.orgId, thread.inboxId, thread.threadId));
  if (!current) return { put: threadItem(thread, undefined, message, 1, message), ifNotExists: true };
  const newest = current.lastMessageId > message.id ? newestOf(current) : message;
  return { put: threadItem(thread, current, message, current.messageCount + 1, newest), when: unchangedVersion(current) };
}

const unchangedVersion = (current: ThreadItem): Condition =>
  current.version === undefined ? { allOf: [{ itemExists: true }, { attribute: 'version', absent: true }] } : { attribute: 'version', equals: current.version };

const roomAmongParticipants = (author: string): Condition => ({
  anyOf: [{ attribute: 'participantSet', absent: true }, { attribute: 'participantSet', contains: author }, { attribute: 'participantSet', sizeBelow: MAX_PARTICIPANTS }],
});

const authorOf = (m: MessageItem): string | undefined => (m.direction === 'outbound' ? m.recipient : m.from?.address)?.toLowerCase();

/**
 * Writes the thread's summary from its members: their count and the newest of them. `current` is the summary as
 * read before the members were, and the write holds only while the summary is still that version; otherwise both
 * are read again. So a writer whose count misses a newer member never overwrites one that saw it, and a thread
 * left without members goes. `added` is the message being recorded, if any.
 */
async function recountThread(deps: CoreDeps, thread: ThreadRef, added: MessageItem | undefined, current: ThreadItem | undefined): Promise<void> {
  const { orgId, inboxId, threadId } = thread;
  const key = threadKey(orgId, inboxId, threadId);
  for (let attempt = 0; attempt < COUNT_ATTEMPTS; attempt++) {
    // Writers that collided spread out before trying again (a burst of replies to one thread): full jitter.
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));
    const members = await queryAll<Item>(deps.table, threadMemberPrefix(orgId, inboxId, threadId));
    if (members.length === 0) {
      // A thread left without messages goes, unless a reply has just written it.
      if (!current || (await deps.table.delete(key, { ifUnchanged: { attribute: 'version', value: current.version } }))) return;
      current = await deps.table.get<ThreadItem>(key);
      continue;
    }
    // Members sort by message id, which sorts by arrival.
    const newestId = String(members[members.length - 1].messageId);
    // Counted right already (a deletion repeated, say): writing again would only make concurrent writers retry.
    if (!added && current?.messageCount === members.length && current.lastMessageId === newestId) return;
    const newest =
      added?.id === newestId
        ? added
        : current?.lastMessageId === newestId
          ? newestOf(current)
          : // Its message may be going at this moment; its deletion counts the thread again once its membership is gone.
            ((await deps.table.get<MessageItem>(messageKey(orgId, inboxId, newestId))) ?? (current && newestOf(current)) ?? added);
    if (!newest) return;
    const next = threadItem(thread, current, added, members.length, newest);
    const written = current
      ? await deps.table.put(next, { ifUnchanged: { attribute: 'version', value: current.version } })
      : await deps.table.put(next, { ifNotExists: true });
    if (written) return;
    current = await deps.table.get<ThreadItem>(key);
  }
  throw new Error(`thread ${threadId} kept changing while it was counted`);
}

export interface ThreadRef {
  orgId: string;
  inboxId: string;
  threadId: string;
}
type NewestMessage = Pick<MessageItem, 'id' | 'receivedAt' | 'snippet'> & Partial<Pick<MessageItem, 'subject' | 'expiresAt'>>;
const newestOf = (thread: ThreadItem): NewestMessage => ({ id: thread.lastMessageId, receivedAt: thread.lastActivityAt, snippet: thread.snippet });

/** The thread's summary: `messageCount` messages, the newest shown, `added` among its participants. */
function threadItem(thread: ThreadRef, current: ThreadItem | undefined, added: MessageItem | undefined, messageCount: number, newest: NewestMessage): ThreadItem {
  const author = added && authorOf(added);
  const participants = [...participantsOf(current), ...(author ? [author] : [])];
  return {
    ...threadKey(thread.orgId, thread.inboxId, thread.threadId),
    type: 'thread',
    id: thread.threadId,
    subject: current?.subject ?? (added?.subject ?? newest.subject ?? '').replace(REPLY_PREFIX, ''),
    messageCount,
    // DynamoDB keeps no empty sets.
    ...(participants.length ? { participantSet: new Set(participants.slice(0, MAX_PARTICIPANTS)) } : {}),
    lastMessageId: newest.id,
    lastActivityAt: newest.receivedAt,
    snippet: newest.snippet,
    expiresAt: Math.max(current?.expiresAt ?? 0, added?.expiresAt ?? 0, newest.expiresAt ?? 0),
    version: randomUUID(),
  };
}

/** Summaries written before participants were a set keep them as a list. */
const participantsOf = (thread: ThreadItem | undefined): string[] => [...new Set([...(thread?.participants ?? []), ...(thread?.participantSet ?? [])])];

/** Deleting a message's thread membership, for the transaction that deletes the message. */
export const threadMembershipDeletion = (message: MessageItem): WriteOp => ({
  delete: threadMemberKey(message.orgId, message.inboxId, message.threadId, message.id),
});

/** Counts the thread of a message whose membership has just gone. */
export async function recountThreadOf(deps: CoreDeps, message: ThreadRef): Promise<void> {
  const { orgId, inboxId, threadId } = message;
  await recountThread(deps, { orgId, inboxId, threadId }, undefined, await deps.table.get<ThreadItem>(threadKey(orgId, inboxId, threadId)));
}

/**
 * Threads by newest activity: walks the messages newest first and shows each thread at its newest message,
 * so the message list's cursor pages threads too.
 */
export async function listThreads(deps: CoreDeps, orgId: string, inboxId: string, request: ListRequest): Promise<ListPage<Thread>> {
  const live = isLive(deps.clock.now());
  // Collected first (the filter must be synchronous), then kept where the message is its thread's newest.
  const [, page] = await inOrder([
    getInbox(deps, orgId, inboxId),
    listNewestFirst<MessageItem>(deps.table, messageListPrefix(orgId, inboxId), request, (m) => live(m) && !m.quarantined && !m.blockedBy),
  ]);
  // Each thread on the page is read once, all of them in one request.
  const threadIds = [...new Set(page.items.map((m) => m.threadId))];
  const found = await deps.table.getAll<ThreadItem>(threadIds.map((id) => threadKey(orgId, inboxId, id)));
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
  const [, thread, members] = await inOrder([
    getInbox(deps, orgId, inboxId),
    deps.table.get<ThreadItem>(threadKey(orgId, inboxId, threadId)),
    queryAll<Item>(deps.table, threadMemberPrefix(orgId, inboxId, threadId)),
  ]);
  const live = isLive(deps.clock.now());
  if (!thread || !live(thread)) throw notFound('thread');
  const messages = await deps.table.getAll<MessageItem>(members.map((m) => messageKey(orgId, inboxId, String(m.messageId))));
  return { ...toThread(thread), messages: messages.filter((m): m is MessageItem => m !== undefined && live(m) && !m.quarantined).map(toSummary) };
}

function toThread(thread: ThreadItem): Thread {
  const { id, subject, messageCount, lastMessageId, lastActivityAt, snippet } = thread;
  return { id, subject, messageCount, participants: participantsOf(thread).sort().slice(0, MAX_PARTICIPANTS), lastMessageId, lastActivityAt, snippet };
}

/** Subjects compare without reply prefixes, case or spacing; hashed, as subjects can be long. */
function subjectKey(subject: string): string {
  const normalized = subject.replace(REPLY_PREFIX, '').replace(/\s+/g, ' ').trim().toLowerCase();
  return normalized ? createHash('sha256').update(normalized).digest('base64url') : '';
}
