import type { Item } from '../ports';
import type { CoreDeps } from './deps';
import { purgeInboxContents } from './inbox-deletion';
import type { MessageItem } from './messages/messages';
import { releaseStoredBytes } from './raw-mail';

/** Item types whose expiry leaves something outside the item to delete. */
export const EXPIRING_WITH_LEFTOVERS = ['message', 'inbox'] as const;

/**
 * DynamoDB's TTL removes items, not what they point to. When a message expires, its bytes in the bucket
 * (its raw message, unless another inbox's copy still uses it, large bodies, attachments) go too; when a temporary inbox expires, so does everything it
 * still owns or that names it. Safe to repeat: every step deletes what may already be gone.
 */
export async function cleanUpAfterExpiry(deps: CoreDeps, item: Item): Promise<void> {
  const { type, orgId, inboxId, id } = item as { type?: string; orgId?: string; inboxId?: string; id?: string };
  if (!orgId || !id) return;
  if (type === 'message' && inboxId) {
    await releaseStoredBytes(deps, item as unknown as MessageItem);
  } else if (type === 'inbox') {
    await purgeInboxContents(deps, orgId, id);
    deps.log.info('expired inbox purged', { orgId, inboxId: id });
  }
}
