import { auditWrite, type Actor } from './audit';
import type { CoreDeps } from './deps';
import { getMessageItem } from './messages';
import { blobKeys, messageContentKey, messageKey, messageTombstoneKey } from './table-keys';
import { recountThreadOf, threadMembershipDeletion } from './threads';

/** SQS keeps a dead letter 14 days at most: no delivery of a deleted message can be redriven later than that. */
const LATEST_REDRIVE_SECONDS = 14 * 86400;

/**
 * Deletes a message, its stored bytes and its place in its thread. The message and its membership go in one
 * transaction, so no stop in between leaves a member without its message (a repeated delete would not find it),
 * and leave a tombstone that keeps a repeated delivery of the same mail from storing it again.
 */
export async function deleteMessage(deps: CoreDeps, actor: Actor, inboxId: string, messageId: string): Promise<void> {
  const { orgId } = actor;
  const item = await getMessageItem(deps, orgId, inboxId, messageId);
  await deps.blobs.deletePrefix(blobKeys.messagePrefix(orgId, inboxId, messageId));
  await deps.table.transactWrite([
    { delete: messageKey(orgId, inboxId, messageId) },
    ...(item.contentIn === 'table' ? [{ delete: messageContentKey(orgId, inboxId, messageId) }] : []),
    threadMembershipDeletion(item),
    // Kept while the message would have lived, and while a dead letter of its delivery could still be redriven
    // (raising the inbox's retention afterwards would give a redelivered copy a longer life).
    {
      put: {
        ...messageTombstoneKey(orgId, inboxId, messageId),
        type: 'message-tombstone',
        expiresAt: Math.max(item.expiresAt, Math.floor(deps.clock.now().getTime() / 1000) + LATEST_REDRIVE_SECONDS),
      },
    },
    auditWrite(deps, actor, 'message.deleted', { type: 'message', id: messageId }, { inboxId }),
  ]);
  try {
    await recountThreadOf(deps, item);
  } catch (err) {
    // The message is gone; the thread's next writer counts it right.
    deps.log.warn('thread not recounted after a deletion', { orgId, inboxId, threadId: item.threadId, error: (err as Error).message });
  }
}
