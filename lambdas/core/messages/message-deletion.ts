import { auditWrite, type Actor } from '../audit';
import type { CoreDeps } from '../deps';
import type { Item } from '../../ports';
import { MailroomError } from '../errors';
import { getMessageItem, type MessageItem } from './messages';
import { releaseStoredBytes } from '../raw-mail';
import { messageContentKey, messageKey, messageTombstoneKey } from '../table-keys';
import { recountThreadOf, threadMembershipDeletion, type ThreadRef } from '../threads';

/** SQS keeps a dead letter 14 days at most: no delivery of a deleted message can be redriven later than that. */
const LATEST_REDRIVE_SECONDS = 14 * 86400;

/**
 * Deletes a message, its stored bytes and its place in its thread. The message and its membership go in one
 * transaction, so no stop in between leaves a member without its message (a repeated delete would not find it),
 * and leave a tombstone that keeps a repeated delivery of the same mail from storing it again.
 */
export async function deleteMessage(deps: CoreDeps, actor: Actor, inboxId: string, messageId: string): Promise<void> {
  const { orgId } = actor;
  const item = await messageToDelete(deps, orgId, inboxId, messageId);
  await deps.table.transactWrite([
    { delete: messageKey(orgId, inboxId, messageId) },
    ...(item.contentIn === 'table' ? [{ delete: messageContentKey(orgId, inboxId, messageId) }] : []),
    // Blocked mail joined no thread.
    ...(item.blockedBy ? [] : [threadMembershipDeletion(item)]),
    // Kept while the message would have lived, and while a dead letter of its delivery could still be redriven
    // (raising the inbox's retention afterwards would give a redelivered copy a longer life).
    {
      put: {
        ...messageTombstoneKey(orgId, inboxId, messageId),
        type: 'message-tombstone',
        ...(item.blockedBy ? {} : { threadId: item.threadId }),
        expiresAt: Math.max(item.expiresAt, Math.floor(deps.clock.now().getTime() / 1000) + LATEST_REDRIVE_SECONDS),
      },
    },
    auditWrite(deps, actor, 'message.deleted', { type: 'message', id: messageId }, { inboxId }),
  ]);
  // After the message has gone: a deletion cut short before this leaves bytes for the bucket's backstop to remove,
  // never a message without its bytes.
  await releaseStoredBytes(deps, item);
  if (!item.blockedBy) await recountAfterDeletion(deps, item);
}

/** Best effort: the message is gone either way, and the thread's next writer counts it right. */
async function recountAfterDeletion(deps: CoreDeps, thread: ThreadRef): Promise<void> {
  try {
    await recountThreadOf(deps, thread);
  } catch (err) {
    deps.log.warn('thread not recounted after a deletion', { orgId: thread.orgId, inboxId: thread.inboxId, threadId: thread.threadId, error: (err as Error).message });
  }
}

/**
 * The message to delete. One already deleted still answers 404, but its thread is counted again first: the request
 * that deleted it may have stopped before counting, and its caller repeats it.
 */
async function messageToDelete(deps: CoreDeps, orgId: string, inboxId: string, messageId: string): Promise<MessageItem> {
  try {
    return await getMessageItem(deps, orgId, inboxId, messageId, true);
  } catch (err) {
    if (!(err instanceof MailroomError && err.code === 'not_found')) throw err;
    const tombstone = await deps.table.get<Item & Partial<ThreadRef>>(messageTombstoneKey(orgId, inboxId, messageId));
    if (tombstone?.threadId) await recountAfterDeletion(deps, { orgId, inboxId, threadId: tombstone.threadId });
    throw err;
  }
}
