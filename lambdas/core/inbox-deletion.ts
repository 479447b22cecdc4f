import type { Item } from '../ports';
import type { Actor } from './audit';
import type { ApiKeyRecord } from './auth';
import type { CoreDeps } from './deps';
import { deleteInbox, getInbox } from './inboxes';
import type { DeliveryItem } from './webhook-delivery';
import { allWebhooks } from './webhooks';
import { queryAll } from './listing';
import { apiKeyByHash, apiKeyInOrg, apiKeyListPrefix, deliveryListPrefix, webhookKey } from './table-keys';

type KeyTwin = Item & ApiKeyRecord & { keyHash: string };

/**
 * Deletes an inbox and everything that names it: its messages, bytes and credentials (with the inbox), the
 * webhook deliveries about it, and its id in webhook filters and API key restrictions. A filter or restriction
 * left empty matches nothing: removing the last inbox never widens what an endpoint or key reaches.
 */
export async function deleteInboxAndReferences(deps: CoreDeps, actor: Actor, inboxId: string): Promise<void> {
  const { orgId } = actor;
  await getInbox(deps, orgId, inboxId);
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
  await deleteInbox(deps, actor, inboxId);
}
