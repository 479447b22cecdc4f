import { systemActor } from '../../lambdas/core/audit';
import { cleanUpAfterExpiry } from '../../lambdas/core/expiry';
import { createInbox } from '../../lambdas/core/inboxes';
import { deleteInboxAndReferences } from '../../lambdas/core/inbox-deletion';
import { deleteMessage } from '../../lambdas/core/messages/message-deletion';
import { getMessageItem } from '../../lambdas/core/messages/messages';
import { DEFAULT_ORG_ID, rawUsersKey } from '../../lambdas/core/table-keys';
import { useBackends } from '../support/backends';
import { rawBytes } from '../support/downloads';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';
import { storedEverything } from '../support/stored-everything';

const backends = useBackends();
const deps = () => backends().deps;
const actor = systemActor(DEFAULT_ORG_ID, 'test');
const objectExists = async (key: string) => (await storedEverything(backends())).objects.includes(key);

describe('raw mail, stored once where SES wrote it', () => {
  it('is deleted with the message when the mail had one recipient', async () => {
    // Prepare
    const inbox = await createInbox(deps(), actor, { localPart: 'single-owner' });
    const { result, messageId } = await deliver(deps(), await compose({ to: inbox.address, subject: 'mine', text: 'x' }), [inbox.address]);
    const key = `inbound/${messageId}`;
    expect(await objectExists(key)).toBe(true);

    // Act
    await deleteMessage(deps(), actor, inbox.id, result.stored[0].messageId);

    // Assess
    expect(await objectExists(key)).toBe(false);
  });

  it('is shared by the copies of mail for several inboxes, and goes with the last of them', async () => {
    // Prepare
    const inboxes = await Promise.all(['shared-a', 'shared-b', 'shared-c'].map((localPart) => createInbox(deps(), actor, { localPart })));
    const raw = await compose({ to: inboxes.map((i) => i.address), subject: 'for all three', text: 'x' });
    const { result, messageId } = await deliver(deps(), raw, inboxes.map((i) => i.address));
    const key = `inbound/${messageId}`;
    const copy = (i: number) => result.stored.find((s) => s.inboxId === inboxes[i].id)!.messageId;

    // Act, Assess: one copy deleted by its owner, one inbox deleted, the last copy expired.
    await deleteMessage(deps(), actor, inboxes[0].id, copy(0));
    expect(await objectExists(key)).toBe(true);
    expect((await rawBytes(deps(), inboxes[2].id, copy(2)))!.equals(raw)).toBe(true);
    await deleteInboxAndReferences(deps(), actor, inboxes[1].id);
    expect(await objectExists(key)).toBe(true);
    const last = await getMessageItem(deps(), DEFAULT_ORG_ID, inboxes[2].id, copy(2));
    await deps().table.delete(last);
    await cleanUpAfterExpiry(deps(), last);
    expect(await objectExists(key)).toBe(false);
    expect(await deps().table.get(rawUsersKey(key))).toBeUndefined();
  });

  it('is not shared, and not copied, when one inbox gets the mail under several tagged addresses', async () => {
    const inbox = await createInbox(deps(), actor, { localPart: 'tagged-twice' });
    const recipients = ['tagged-twice+a@mailroom.test', 'tagged-twice+b@mailroom.test'];
    const { result, messageId } = await deliver(deps(), await compose({ to: recipients, subject: 'two tags', text: 'x' }), recipients);

    await deleteMessage(deps(), actor, inbox.id, result.stored[0].messageId);

    expect(result.stored).toHaveLength(1);
    expect(await objectExists(`inbound/${messageId}`)).toBe(false);
  });

  it('is deleted at once when nobody keeps the mail, which is counted as dropped', async () => {
    const { result, messageId } = await deliver(deps(), await compose({ to: 'nobody@agents.example', subject: 'lost', text: 'x' }), ['nobody@agents.example']);

    expect(result.dropped).toEqual(['nobody@agents.example']);
    expect(await objectExists(`inbound/${messageId}`)).toBe(false);
  });

  it('goes with its inbox when the inbox is deleted', async () => {
    const inbox = await createInbox(deps(), actor, { localPart: 'purged-with-mail' });
    const delivered = await Promise.all([1, 2, 3].map(async (n) => deliver(deps(), await compose({ to: inbox.address, subject: `n${n}`, text: 'x' }), [inbox.address])));

    await deleteInboxAndReferences(deps(), actor, inbox.id);

    const { objects } = await storedEverything(backends());
    expect(objects.filter((o) => delivered.some((d) => o === `inbound/${d.messageId}`))).toEqual([]);
  });
});
