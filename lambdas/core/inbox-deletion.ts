import type { Item } from '../ports';
import { forgetEventsOfInbox } from './events/event-log';
import type { Actor } from './audit';
import type { ApiKeyRecord } from './auth';
import type { CoreDeps } from './deps';
import { inboxEvenIfDeleting, removeInbox } from './inboxes';
import type { DeliveryItem } from './webhook-delivery';
import { allWebhooks } from './webhooks';
import { deleteRange, queryAll } from './listing';
import type { MessageItem } from './messages/messages';
import { releaseRawObjects } from './raw-mail';
import {
  apiKeyByHash,
  apiKeyInOrg,
  apiKeyListPrefix,
  blobKeys,
  deliveryListPrefix,
  inboxKey,
  messageListPrefix,
  messagePartition,
  type ItemKey,
  webhookKey,
} from './table-keys';

type KeyTwin = Item & ApiKeyRecord & { keyHash: string };

/**
 * Deletes an inbox and everything that names it: its messages, bytes and credentials, the webhook deliveries
 * about it, and its id in webhook filters and API key restrictions. A filter or restriction left empty matches
 * nothing: removing the last inbox never widens what an endpoint or key reaches. The inbox item goes last, so
 * a deletion cut short can be repeated.
 */
export async function deleteInboxAndReferences(deps: CoreDeps, actor: Actor, inboxId: string): Promise<void> {
  const inbox = await inboxEvenIfDeleting(deps, actor.orgId, inboxId);
  // From here on, mail for it is dropped and a copy being written withdraws itself (see ingest).
  if (!inbox.deleting) await deps.table.update(inboxKey(actor.orgId, inboxId), { deleting: true });
  await purgeInboxContents(deps, actor.orgId, inboxId);
  await removeInbox(deps, actor, inbox);
}

/**
 * Everything an inbox owns or that names it, but not the inbox item itself: also what a temporary inbox leaves
 * when DynamoDB's TTL has removed its item.
 */
export async function purgeInboxContents(deps: CoreDeps, orgId: string, inboxId: string): Promise<void> {
  for (const hook of await allWebhooks(deps, orgId)) {
    const deliveries = await queryAll<DeliveryItem>(deps.table, deliveryListPrefix(orgId, hook.id));
    const about = deliveries.filter((d) => (d.inboxId ?? (JSON.parse(d.payload) as { data?: { inboxId?: string } }).data?.inboxId) === inboxId);
    await Promise.all(about.map((d) => deps.table.delete(d)));
    if (hook.inboxIds?.includes(inboxId)) {
      await deps.table.update(webhookKey(orgId, hook.id), { inboxIds: hook.inboxIds.filter((id) => id !== inboxId) });
    }
  }
  for (const key of await queryAll<KeyTwin>(deps.table, apiKeyListPrefix(orgId))) {
    if (!key.inboxIds?.includes(inboxId)) continue;
    const set = { inboxIds: key.inboxIds.filter((id) => id !== inboxId) };
    await deps.table.transactWrite([
      { update: apiKeyInOrg(orgId, key.keyId), set },
      { update: apiKeyByHash(key.keyHash), set },
    ]);
  }
  await forgetEventsOfInbox(deps, orgId, inboxId);
  // The raw objects its messages point at (kept where the receipt rule wrote them), before the messages go.
  for (let startAfter: ItemKey | undefined, first = true; first || startAfter; first = false) {
    const page = await deps.table.query<MessageItem>({ ...messageListPrefix(orgId, inboxId), limit: 1000, startAfter });
    await releaseRawObjects(deps, page.items);
    startAfter = page.lastKey;
  }
  // The inbox's own partition: messages, contents, credentials, threads, send counters.
  await deleteRange(deps.table, { pk: messagePartition(orgId, inboxId), skPrefix: '' });
  await deps.blobs.deletePrefix(blobKeys.inboxPrefix(orgId, inboxId));
}
