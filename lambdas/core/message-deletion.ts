import { auditWrite, type Actor } from './audit';
import type { CoreDeps } from './deps';
import { getMessageItem } from './messages';
import { blobKeys, messageContentKey, messageKey } from './table-keys';
import { forgetInThread } from './threads';

/** Deletes a message, its stored bytes and its place in its thread. */
export async function deleteMessage(deps: CoreDeps, actor: Actor, inboxId: string, messageId: string): Promise<void> {
  const { orgId } = actor;
  const item = await getMessageItem(deps, orgId, inboxId, messageId);
  await deps.blobs.deletePrefix(blobKeys.messagePrefix(orgId, inboxId, messageId));
  await deps.table.transactWrite([
    { delete: messageKey(orgId, inboxId, messageId) },
    ...(item.contentIn === 'table' ? [{ delete: messageContentKey(orgId, inboxId, messageId) }] : []),
    auditWrite(deps, actor, 'message.deleted', { type: 'message', id: messageId }, { inboxId }),
  ]);
  await forgetInThread(deps, item);
}
