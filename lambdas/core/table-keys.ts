import { createHash } from 'node:crypto';
/**
 * Every partition/sort key of the single table is built here. Every key holding customer data starts
 * with its org, so a bare id can never reach another org's data.
 */
export interface ItemKey {
  pk: string;
  sk: string;
}

export const DEFAULT_ORG_ID = 'org_default';

/** Orgs share one partition: they are few, created by an admin, and listed together. */
export const orgKey = (orgId: string): ItemKey => ({ pk: 'ORGS', sk: `O#${orgId}` });
export const orgListPrefix = { pk: 'ORGS', skPrefix: 'O#' };

/** The org's allow and block rules, one list (an inbox's own are on the inbox item). */
export const orgRulesKey = (orgId: string): ItemKey => ({ pk: `O#${orgId}`, sk: 'RULES' });

/** An org's own domain: claimed across all orgs (one owner), with a twin in the org's partition for its list. */
export const domainClaimKey = (domain: string): ItemKey => ({ pk: `DOM#${domain.toLowerCase()}`, sk: 'D' });
export const orgDomainKey = (orgId: string, domain: string): ItemKey => ({ pk: `O#${orgId}`, sk: `DOM#${domain.toLowerCase()}` });
export const orgDomainPrefix = (orgId: string) => ({ pk: `O#${orgId}`, skPrefix: 'DOM#' });

export const inboxKey = (orgId: string, inboxId: string): ItemKey => ({ pk: `O#${orgId}`, sk: `I#${inboxId}` });
export const inboxListPrefix = (orgId: string) => ({ pk: `O#${orgId}`, skPrefix: 'I#' });
/** Everything kept in the org's own partition: inboxes, keys, webhooks, idempotency records. */
export const orgPartition = (orgId: string) => ({ pk: `O#${orgId}`, skPrefix: '' });

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
/**
 * Left by a deleted message while it would have lived, and while its delivery could still be redriven, so that a
 * late repeat of its delivery (a retried event, a redriven dead letter) does not bring it back.
 */
export const messageTombstoneKey = (orgId: string, inboxId: string, messageId: string): ItemKey => ({
  pk: messagePartition(orgId, inboxId),
  sk: `X#${messageId}`,
});
export const messageContentPrefix = (orgId: string, inboxId: string) => ({
  pk: messagePartition(orgId, inboxId),
  skPrefix: 'C#',
});

/** A thread's summary, its members (time-sorted by message id) and the lookups that thread replies, all in the inbox's partition. */
export const threadKey = (orgId: string, inboxId: string, threadId: string): ItemKey => ({ pk: messagePartition(orgId, inboxId), sk: `T#${threadId}` });
export const threadMemberKey = (orgId: string, inboxId: string, threadId: string, messageId: string): ItemKey => ({
  pk: messagePartition(orgId, inboxId),
  sk: `H#${threadId}#${messageId}`,
});
export const threadMemberPrefix = (orgId: string, inboxId: string, threadId: string) => ({ pk: messagePartition(orgId, inboxId), skPrefix: `H#${threadId}#` });
/** By a Message-ID (`MID`) or a normalized subject (`SUBJ`), both hashed: headers can outgrow a sort key. */
export const threadLookupKey = (orgId: string, inboxId: string, kind: 'MID' | 'SUBJ', value: string): ItemKey => ({
  pk: messagePartition(orgId, inboxId),
  sk: `L#${kind}#${createHash('sha256').update(value).digest('base64url')}`,
});

/**
 * The messages that share one raw object (mail for several inboxes): the object goes with the last of them. Not
 * read by any request that names an id, so it needs no org.
 */
export const rawUsersKey = (rawKey: string): ItemKey => ({ pk: `RAW#${rawKey}`, sk: 'U' });

/** Vault credentials live in their inbox's partition, so purging the inbox purges them. */
export const vaultKey = (orgId: string, inboxId: string, name: string): ItemKey => ({ pk: messagePartition(orgId, inboxId), sk: `V#${name}` });
export const vaultListPrefix = (orgId: string, inboxId: string) => ({ pk: messagePartition(orgId, inboxId), skPrefix: 'V#' });

/** Looked up by hash on every request; the org-scoped twin lists an org's keys. */
export const apiKeyByHash = (keyHash: string): ItemKey => ({ pk: `K#${keyHash}`, sk: 'K' });
export const apiKeyInOrg = (orgId: string, keyId: string): ItemKey => ({ pk: `O#${orgId}`, sk: `K#${keyId}` });
export const apiKeyListPrefix = (orgId: string) => ({ pk: `O#${orgId}`, skPrefix: 'K#' });

/** One counter per API key per rate-limit window, expired by TTL. */
export const rateWindowKey = (keyId: string, windowStart: number): ItemKey => ({ pk: `RL#${keyId}`, sk: String(windowStart) });

/** A creating request's outcome, kept per API key under a hash of its Idempotency-Key. */
export const idempotencyRecordKey = (orgId: string, keyId: string, keyHash: string): ItemKey => ({
  pk: `O#${orgId}`,
  sk: `IDEM#${keyId}#${keyHash}`,
});

/** Audit events sort by time (their ids are ULIDs) in a partition of their own per org. */
export const auditPartition = (orgId: string) => `O#${orgId}#AUDIT`;
export const auditEventKey = (orgId: string, eventId: string): ItemKey => ({ pk: auditPartition(orgId), sk: `E#${eventId}` });
export const auditListPrefix = (orgId: string) => ({ pk: auditPartition(orgId), skPrefix: 'E#' });

/** The org's event log for live streams: events in the order they were logged (TTL: the event retention). */
export const eventLogKey = (orgId: string, cursor: string): ItemKey => ({ pk: `O#${orgId}#EV`, sk: `E#${cursor}` });
export const eventLogPrefix = (orgId: string) => ({ pk: `O#${orgId}#EV`, skPrefix: 'E#' });

/** Webhook endpoints live with the org; each endpoint's deliveries get a partition of their own. */
export const webhookKey = (orgId: string, webhookId: string): ItemKey => ({ pk: `O#${orgId}`, sk: `W#${webhookId}` });
export const webhookListPrefix = (orgId: string) => ({ pk: `O#${orgId}`, skPrefix: 'W#' });
export const deliveryPartition = (orgId: string, webhookId: string) => `O#${orgId}#W#${webhookId}`;
export const deliveryKey = (orgId: string, webhookId: string, deliveryId: string): ItemKey => ({
  pk: deliveryPartition(orgId, webhookId),
  sk: `D#${deliveryId}`,
});
export const deliveryListPrefix = (orgId: string, webhookId: string) => ({ pk: deliveryPartition(orgId, webhookId), skPrefix: 'D#' });

/** Messages an inbox sent on one (UTC) day, for its daily limit; expired by TTL. */
export const sendCounterKey = (orgId: string, inboxId: string, day: string): ItemKey => ({ pk: messagePartition(orgId, inboxId), sk: `SENT#${day}` });

/** Sent mail by SES's message id, so SES's delivery events find their message. */
export const sentMessageKey = (sesMessageId: string): ItemKey => ({ pk: `SES#${sesMessageId}`, sk: 'S' });

/** Addresses an org no longer sends to (hard bounces, complaints). */
export const suppressionKey = (orgId: string, address: string): ItemKey => ({ pk: `O#${orgId}`, sk: `SUP#${address.toLowerCase()}` });
export const suppressionListPrefix = (orgId: string) => ({ pk: `O#${orgId}`, skPrefix: 'SUP#' });

/** Mail for addresses nobody owns: counted per day so operators can see it. */
/** Canary probes sent to an address and not yet seen stored, oldest first. */
export const canaryProbeKey = (address: string, probeId: string): ItemKey => ({ pk: `SYS#CANARY#${address.toLowerCase()}`, sk: `P#${probeId}` });
export const canaryProbePrefix = (address: string) => ({ pk: `SYS#CANARY#${address.toLowerCase()}`, skPrefix: 'P#' });
/** Set while the canary holds off after a probe went missing. */
export const canaryHoldKey = (address: string): ItemKey => ({ pk: `SYS#CANARY#${address.toLowerCase()}`, sk: 'HOLD' });

export const droppedMailCounter = (day: string): ItemKey => ({ pk: 'SYS#DROPPED', sk: day });

/** S3 keys mirror the table's prefixes so purging an inbox is one prefix delete. */
export const blobKeys = {
  orgPrefix: (orgId: string) => `o/${orgId}/`,
  inboxPrefix: (orgId: string, inboxId: string) => `o/${orgId}/i/${inboxId}/`,
  messagePrefix: (orgId: string, inboxId: string, messageId: string) => `o/${orgId}/i/${inboxId}/m/${messageId}/`,
  raw: (orgId: string, inboxId: string, messageId: string) => `o/${orgId}/i/${inboxId}/m/${messageId}/raw.eml`,
  content: (orgId: string, inboxId: string, messageId: string) => `o/${orgId}/i/${inboxId}/m/${messageId}/content.json`,
  attachment: (orgId: string, inboxId: string, messageId: string, attachmentId: string) =>
    `o/${orgId}/i/${inboxId}/m/${messageId}/a/${attachmentId}`,
};
