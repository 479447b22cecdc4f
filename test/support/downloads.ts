import type { CoreDeps } from '../../lambdas/core/deps';
import { locateAttachment, locateRaw } from '../../lambdas/core/messages/messages';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';

/** A message's raw bytes, from wherever the message says they are kept. */
export async function rawBytes(deps: CoreDeps, inboxId: string, messageId: string, orgId = DEFAULT_ORG_ID): Promise<Buffer | undefined> {
  return deps.blobs.get((await locateRaw(deps, orgId, inboxId, messageId)).key);
}

/** An attachment's bytes as the download route serves them: cut from the raw message, or its own object. */
export async function attachmentBytes(deps: CoreDeps, inboxId: string, messageId: string, attachmentId: string, orgId = DEFAULT_ORG_ID): Promise<Buffer | undefined> {
  const stored = await locateAttachment(deps, orgId, inboxId, messageId, attachmentId);
  return stored.make ? stored.make() : deps.blobs.get(stored.key);
}
