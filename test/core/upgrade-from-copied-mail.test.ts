import { systemActor } from '../../lambdas/core/audit';
import { createInbox } from '../../lambdas/core/inboxes';
import { exportInbox } from '../../lambdas/core/inbox-export';
import { deleteMessage } from '../../lambdas/core/messages/message-deletion';
import { getMessage, getMessageItem, type MessageItem } from '../../lambdas/core/messages/messages';
import { blobKeys, DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import { useBackends } from '../support/backends';
import { attachmentBytes, rawBytes } from '../support/downloads';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';
import { storedEverything } from '../support/stored-everything';

const backends = useBackends();
const deps = () => backends().deps;
const actor = systemActor(DEFAULT_ORG_ID, 'test');
const pdf = Buffer.from('%PDF-1.4 kept the old way\n%%EOF');

/**
 * A message as deployments stored it before raw mail stayed where SES wrote it: the raw bytes copied beside the
 * message, each attachment an object of its own, the item naming neither, and the inbound object expired since.
 */
async function storedTheOldWay(localPart: string) {
  const inbox = await createInbox(deps(), actor, { localPart });
  const raw = await compose({ to: inbox.address, subject: 'from an older Mailroom', text: 'still here', attachments: [{ filename: 'old.pdf', content: pdf }] });
  const { result, messageId: sesMessageId } = await deliver(deps(), raw, [inbox.address]);
  const id = result.stored[0].messageId;
  const { rawKey, attachments, ...item } = await getMessageItem(deps(), DEFAULT_ORG_ID, inbox.id, id);
  await deps().blobs.copy(rawKey!, blobKeys.raw(DEFAULT_ORG_ID, inbox.id, id));
  await deps().blobs.put(blobKeys.attachment(DEFAULT_ORG_ID, inbox.id, id, 'att_1'), pdf, 'application/pdf');
  await deps().table.put({ ...item, attachments: attachments.map(({ part: _part, ...meta }) => meta) } satisfies Omit<MessageItem, 'rawKey'>);
  await deps().blobs.deleteKeys([`inbound/${sesMessageId}`]);
  return { inbox, id, raw };
}

describe('messages stored before raw mail was kept once', () => {
  it('stay readable, downloadable and exportable', async () => {
    // Prepare
    const { inbox, id, raw } = await storedTheOldWay('upgraded-reader');

    // Act
    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, id);
    const { chunks } = await exportInbox(deps(), DEFAULT_ORG_ID, inbox.id, 'mbox');
    const parts: Buffer[] = [];
    for await (const chunk of chunks) parts.push(chunk);

    // Assess
    expect(message).toMatchObject({ subject: 'from an older Mailroom', text: 'still here', attachments: [expect.objectContaining({ id: 'att_1', filename: 'old.pdf' })] });
    expect((await rawBytes(deps(), inbox.id, id))!.equals(raw)).toBe(true);
    expect(await attachmentBytes(deps(), inbox.id, id, 'att_1')).toEqual(pdf);
    expect(Buffer.concat(parts).toString('latin1')).toContain('Subject: from an older Mailroom');
  });

  it('are deleted with their copied bytes', async () => {
    // Prepare
    const { inbox, id } = await storedTheOldWay('upgraded-deleter');

    // Act
    await deleteMessage(deps(), actor, inbox.id, id);

    // Assess
    await expect(getMessage(deps(), DEFAULT_ORG_ID, inbox.id, id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await storedEverything(backends())).objects.filter((o) => o.includes(id))).toEqual([]);
  });
});
