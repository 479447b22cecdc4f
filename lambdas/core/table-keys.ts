/**
 * Every partition/sort key of the single table is built here. Every key holding customer data starts
 * with its org, so a bare id can never reach another org's data.
 */
export interface ItemKey {
  pk: string;
  sk: string;
}

export const DEFAULT_ORG_ID = 'org_default';

export const orgKey = (orgId: string): ItemKey => ({ pk: `O#${orgId}`, sk: 'ORG' });

export const inboxKey = (orgId: string, inboxId: string): ItemKey => ({ pk: `O#${orgId}`, sk: `I#${inboxId}` });
export const inboxListPrefix = (orgId: string) => ({ pk: `O#${orgId}`, skPrefix: 'I#' });

/** Uniqueness of an address across all orgs; written in the same transaction as the inbox. */
export const addressClaimKey = (address: string): ItemKey => ({ pk: `A#${address.toLowerCase()}`, sk: 'A' });

export const messagePartition = (orgId: string, inboxId: string): string => `O#${orgId}#I#${inboxId}`;
export const messageKey = (orgId: string, inboxId: string, messageId: string): ItemKey => ({
  pk: messagePartition(orgId, inboxId),
  sk: `M#${messageId}`,
});
export const messageListPrefix = (orgId: string, inboxId: string) => ({
  pk: messagePartition(orgId, inboxId),
  skPrefix: 'M#',
});

/** A message's bodies and headers, beside its summary item so listing never reads them. */
export const messageContentKey = (orgId: string, inboxId: string, messageId: string): ItemKey => ({
  pk: messagePartition(orgId, inboxId),
  sk: `C#${messageId}`,
});
export const messageContentPrefix = (orgId: string, inboxId: string) => ({
  pk: messagePartition(orgId, inboxId),
  skPrefix: 'C#',
});

/** Looked up by hash on every request; the org-scoped twin lists an org's keys. */
export const apiKeyByHash = (keyHash: string): ItemKey => ({ pk: `K#${keyHash}`, sk: 'K' });
export const apiKeyInOrg = (orgId: string, keyId: string): ItemKey => ({ pk: `O#${orgId}`, sk: `K#${keyId}` });

/** Mail for addresses nobody owns: counted per day so operators can see it. */
export const droppedMailCounter = (day: string): ItemKey => ({ pk: 'SYS#DROPPED', sk: day });

/** S3 keys mirror the table's prefixes so purging an inbox is one prefix delete. */
export const blobKeys = {
  inboxPrefix: (orgId: string, inboxId: string) => `o/${orgId}/i/${inboxId}/`,
  messagePrefix: (orgId: string, inboxId: string, messageId: string) => `o/${orgId}/i/${inboxId}/m/${messageId}/`,
  raw: (orgId: string, inboxId: string, messageId: string) => `o/${orgId}/i/${inboxId}/m/${messageId}/raw.eml`,
  content: (orgId: string, inboxId: string, messageId: string) => `o/${orgId}/i/${inboxId}/m/${messageId}/content.json`,
  attachment: (orgId: string, inboxId: string, messageId: string, attachmentId: string) =>
    `o/${orgId}/i/${inboxId}/m/${messageId}/a/${attachmentId}`,
};
