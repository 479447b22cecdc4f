import type { Item } from '../ports';
import type { CoreDeps } from './deps';
import { TransactionConditionsFailed } from './errors';
import type { MessageItem } from './messages/messages';
import { INBOUND_BACKSTOP_DAYS } from './retention';
import { blobKeys, rawUsersKey } from './table-keys';

type StoredMessage = Pick<MessageItem, 'orgId' | 'inboxId' | 'id' | 'rawKey' | 'rawShared'>;

/** The users item lasts as long as the bucket's backstop keeps its object. */
const USERS_ITEM_SECONDS = INBOUND_BACKSTOP_DAYS * 86400;

/** Where a message's raw bytes are: the receipt rule's object, or (sent mail, and mail stored before that) beside the message. */
export const rawKeyOf = (m: StoredMessage): string => m.rawKey ?? blobKeys.raw(m.orgId, m.inboxId, m.id);

const userOf = (m: Pick<MessageItem, 'orgId' | 'inboxId' | 'id'>) => `${m.orgId}/${m.inboxId}/${m.id}`;

/**
 * Mail for several inboxes keeps one raw object for all its copies. Before any copy is stored, all are registered
 * as its users at once, so no copy's deletion can find the object unused while another copy is still being stored.
 * Registering again (a repeated delivery) changes nothing; a copy that is then not stored is released.
 */
export async function shareRaw(deps: CoreDeps, rawKey: string, messages: Pick<MessageItem, 'orgId' | 'inboxId' | 'id'>[]): Promise<void> {
  await deps.table.transactWrite([
    {
      update: rawUsersKey(rawKey),
      upsert: true,
      set: { type: 'raw-users', expiresAt: Math.floor(deps.clock.now().getTime() / 1000) + USERS_ITEM_SECONDS },
      add: { users: new Set(messages.map(userOf)) },
    },
  ]);
}

/**
 * Deletes what a message has in the bucket: its own objects (large content, attachments handed out as links, the
 * raw bytes of sent mail), and the raw object it points at unless another message still uses it. Safe to repeat.
 */
export async function releaseStoredBytes(deps: CoreDeps, m: StoredMessage): Promise<void> {
  await deps.blobs.deletePrefix(blobKeys.messagePrefix(m.orgId, m.inboxId, m.id));
  await releaseRawObjects(deps, [m]);
}

/** The raw objects of messages that are gone (in one request where none is shared). */
export async function releaseRawObjects(deps: CoreDeps, messages: StoredMessage[]): Promise<void> {
  const receiptRuleObjects = messages.filter((m) => m.rawKey && !m.rawKey.startsWith(blobKeys.messagePrefix(m.orgId, m.inboxId, m.id)));
  const unused = receiptRuleObjects.filter((m) => !m.rawShared).map((m) => m.rawKey!);
  for (const m of receiptRuleObjects.filter((m) => m.rawShared)) {
    if (await lastUserGone(deps, m)) unused.push(m.rawKey!);
  }
  if (unused.length) await deps.blobs.deleteKeys(unused);
}

/** Takes the message off its raw object's users; true when none is left (the users item then goes too). */
async function lastUserGone(deps: CoreDeps, m: StoredMessage): Promise<boolean> {
  const key = rawUsersKey(m.rawKey!);
  try {
    await deps.table.transactWrite([{ update: key, deleteFromSet: { users: new Set([userOf(m)]) } }]);
  } catch (err) {
    // No users item: no other copy was registered.
    if (err instanceof TransactionConditionsFailed) return true;
    throw err;
  }
  const left = await deps.table.get<Item & { users?: Set<string> }>(key);
  if (!left) return true;
  if (left.users?.size) return false;
  // DynamoDB drops a set once it is empty; the item (and so the object) goes unless a user has just been registered.
  return deps.table.delete(key, { ifUnchanged: { attribute: 'users', value: undefined } });
}
