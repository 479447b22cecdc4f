import type { Item } from '../ports';
import { auditWrite, systemActor, type Actor } from './audit';
import type { CoreDeps } from './deps';
import { MailroomError, notFound } from './errors';
import { purgeInboxContents } from './inbox-deletion';
import { removeInbox, type InboxItem } from './inboxes';
import { deleteRange, isLive, queryAll } from './listing';
import type { OrgItem } from './orgs';
import type { DomainItem } from './domains/domains';
import { apiKeyByHash, apiKeyListPrefix, auditListPrefix, blobKeys, DEFAULT_ORG_ID, deliveryListPrefix, domainClaimKey, eventLogPrefix, orgDomainPrefix, inboxKey, inboxListPrefix, orgKey, orgPartition, webhookListPrefix } from './table-keys';

/** One request's share of the work, well inside API Gateway's 29 seconds; the next request carries on. */
const WORK_BUDGET_MS = 20_000;

export type OrgDeletion = 'deleted' | 'in_progress';

/**
 * Deletes an org and everything it owns: its API keys first (so it is locked out at once, within the key
 * cache's 30 seconds elsewhere), its webhooks and their deliveries, each inbox as `DELETE /v1/inboxes` would
 * (addresses retired), its own domains (out of the mail service, free for others), every other item in its
 * partitions, its audit and event logs, its bytes in the bucket, and its vault key (scheduled for deletion). A large org takes more than one request: each does what fits in its time
 * and answers `in_progress`, and repeating the request carries on from where the last one stopped.
 */
export async function deleteOrg(
  deps: CoreDeps,
  actor: Actor,
  orgId: string,
  options: { budgetMs?: number; onKeyRevoked?: (keyHash: string) => void } = {},
): Promise<OrgDeletion> {
  if (orgId === DEFAULT_ORG_ID) throw new MailroomError('conflict', 'the default org holds the first admin key and cannot be deleted');
  if (orgId === actor.orgId) throw new MailroomError('conflict', 'an API key cannot delete its own org');
  const org = await deps.table.get<OrgItem>(orgKey(orgId));
  if (!org) throw notFound('org');
  const started = Date.now();
  const outOfTime = () => Date.now() - started >= (options.budgetMs ?? WORK_BUDGET_MS);

  if (!org.deleting) {
    await deps.table.transactWrite([
      { update: orgKey(orgId), set: { deleting: true } },
      auditWrite(deps, actor, 'org.deleted', { type: 'org', id: orgId }, { name: org.name }),
    ]);
  }
  for (const key of await queryAll<Item & { keyHash: string }>(deps.table, apiKeyListPrefix(orgId))) {
    await deps.table.delete(apiKeyByHash(key.keyHash));
    await deps.table.delete(key);
    options.onKeyRevoked?.(key.keyHash);
  }
  for (const hook of await queryAll(deps.table, webhookListPrefix(orgId))) {
    await deleteRange(deps.table, deliveryListPrefix(orgId, String(hook.id)));
    await deps.table.delete(hook);
  }
  // Before the inboxes, so that purging each finds no events of its own left to pick out of the log.
  await deleteRange(deps.table, eventLogPrefix(orgId));
  const purger = systemActor(orgId, 'org-deletion');
  const live = isLive(deps.clock.now());
  const inboxes = await queryAll<InboxItem>(deps.table, inboxListPrefix(orgId));
  for (const [done, inbox] of inboxes.entries()) {
    // At least one inbox per request, so repeating it always gets somewhere.
    if (done > 0 && outOfTime()) return 'in_progress';
    if (!inbox.deleting) await deps.table.update(inboxKey(orgId, inbox.id), { deleting: true });
    await purgeInboxContents(deps, orgId, inbox.id);
    // An expired temporary inbox's address is already free (its claim expired with it) and may be someone else's.
    if (live(inbox)) await removeInbox(deps, purger, inbox);
    else await deps.table.delete(inbox);
  }
  // Its own domains leave the mail service and are free for another org.
  for (const domain of await queryAll<DomainItem>(deps.table, orgDomainPrefix(orgId))) {
    await deps.mailDomains.remove(domain.domain);
    await deps.table.delete(domainClaimKey(domain.domain), { ifUnchanged: { attribute: 'orgId', value: orgId } });
  }
  await deleteRange(deps.table, orgPartition(orgId));
  await deleteRange(deps.table, auditListPrefix(orgId));
  await deps.blobs.deletePrefix(blobKeys.orgPrefix(orgId));
  if (org.vaultKeyRef) await deps.keyRing.retireOrgKey(org.vaultKeyRef);
  await deps.table.delete(orgKey(orgId));
  deps.log.info('org deleted', { orgId });
  return 'deleted';
}
