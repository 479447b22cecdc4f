import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getAddressClaim } from '../../lambdas/core/address-claims';
import { systemActor } from '../../lambdas/core/audit';
import { createInbox } from '../../lambdas/core/inboxes';
import { deleteInboxAndReferences } from '../../lambdas/core/inbox-deletion';
import { deleteMessage } from '../../lambdas/core/messages/message-deletion';
import { SES_SETUP_NOTIFICATION } from '../../lambdas/core/ingest';
import { getThread } from '../../lambdas/core/threads';
import { getMessage, getMessageItem, listMessages, locateRaw, type MessageContentItem } from '../../lambdas/core/messages/messages';
import type { WriteOp } from '../../lambdas/ports';
import { DEFAULT_ORG_ID, droppedMailCounter, messageContentKey, type ItemKey } from '../../lambdas/core/table-keys';
import { processSesEvent } from '../../lambdas/handlers/process-ses-event';
import { startBackends, type Backends } from '../support/backends';
import { attachmentFile, deeplyNestedMessage, fixture, largeMessage, manyPartsMessage, messageWithHugeHeader } from '../fixtures/generate';
import { compose } from '../support/mime';
import { deliver, newSesMessageId, sesEvent } from '../support/ses';
import { storedEverything } from '../support/stored-everything';
import { attachmentBytes, rawBytes } from '../support/downloads';
import { watchStoreCalls } from '../support/store-calls';

let backends: Backends;
beforeAll(async () => {
  backends = await startBackends();
});
afterAll(() => backends.stop());

const deps = () => backends.deps;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('receiving mail from SES', () => {
  it('stores a message for the inbox that owns the recipient, with bodies, attachments and verdicts', async () => {
    // Prepare
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'alice' });
    const pdf = Buffer.from('%PDF-1.4 pretend invoice\n%%EOF');
    const raw = await compose({
      to: 'Alice <alice@mailroom.test>',
      subject: 'Invoice 42',
      text: 'Please find the invoice attached.',
      html: '<p>Please find the <b>invoice</b> attached.</p>',
      attachments: [{ filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' }],
    });

    // Act
    const { result, messageId } = await deliver(deps(), raw, ['alice@mailroom.test'], { verdicts: { spam: 'GRAY', dmarc: 'FAIL' } });

    // Assess
    expect(result.stored).toHaveLength(1);
    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(message).toMatchObject({
      inboxId: inbox.id,
      direction: 'inbound',
      subject: 'Invoice 42',
      from: { address: 'ada@example.com', name: 'Ada Lovelace' },
      to: [{ address: 'alice@mailroom.test', name: 'Alice' }],
      text: 'Please find the invoice attached.',
      html: '<p>Please find the <b>invoice</b> attached.</p>',
      size: raw.length,
      hasAttachments: true,
      verdicts: { spam: 'GRAY', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'FAIL' },
      quarantined: false,
      parseError: null,
    });
    expect(message.attachments).toEqual([
      { id: 'att_1', filename: 'invoice.pdf', contentType: 'application/pdf', size: pdf.length, sha256: sha256(pdf), contentId: null, inline: false },
    ]);
    // The attachment is cut from the raw mail, which stays where SES wrote it: neither is copied.
    expect(await attachmentBytes(deps(), inbox.id, message.id, 'att_1')).toEqual(pdf);
    expect((await rawBytes(deps(), inbox.id, message.id))!.equals(raw)).toBe(true);
    expect((await locateRaw(deps(), DEFAULT_ORG_ID, inbox.id, message.id)).key).toBe(`inbound/${messageId}`);
    expect((await storedEverything(backends)).objects.filter((key) => key.includes(message.id))).toEqual([]);
    expect(message.headers).toEqual(expect.arrayContaining([{ name: 'Subject', value: 'Invoice 42' }]));
  });

  it('stores a new message in four store requests: the mail with its address, then its inbox, then one transaction', async () => {
    // Prepare
    await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'together' });
    const raw = await compose({ to: 'together@mailroom.test', subject: 'In parallel', text: 'parts', attachments: [{ filename: 'a.txt', content: 'a' }, { filename: 'b.txt', content: 'b' }] });
    await deps().blobs.put(`${deps().settings.inboundPrefix}together-1`, raw, 'message/rfc822');
    const kind = (key: { pk: string; sk: string }) => (key.pk.startsWith('A#') ? 'claim' : key.sk.split('#')[0]);
    const methods = ['get', 'getAll', 'put', 'putAll', 'update', 'delete', 'query', 'increment'] as const;
    const { rounds, events } = watchStoreCalls([
      ...methods.map((m) => [deps().table, m, (key: ItemKey | ItemKey[]) => `${m} ${[key].flat().map(kind).join(' + ')}`] as [object, string, (...a: any[]) => string]),
      [deps().table, 'transactWrite', (ops: WriteOp[]) => `transaction of ${ops.length}`],
      [deps().blobs, 'get', () => 'raw mail'],
      ...(['put', 'copy', 'deletePrefix', 'deleteKeys'] as const).map((m) => [deps().blobs, m, () => `bucket ${m}`] as [object, string, () => string]),
    ]);

    // On AWS the event goes to EventBridge, not to the store.
    const publish = jest.spyOn(deps().events, 'publish').mockResolvedValue();

    // Act
    try {
      await processSesEvent(deps(), sesEvent({ messageId: 'together-1', recipients: ['together@mailroom.test'] }));
    } finally {
      jest.restoreAllMocks();
    }

    // Assess: summary, content, thread (membership, subject lookup, summary), inbox and tombstone check in one
    // transaction; the attachments are cut from the raw mail when asked for, so nothing goes to the bucket.
    expect(rounds().flat().sort()).toEqual(['get claim', 'getAll I + RULES', 'raw mail', 'transaction of 7']);
    const at = (event: string) => events.indexOf(event);
    // The mail and its address are fetched together; the inbox, with its org's rules, once the address named it;
    // the transaction last.
    expect(at('start get claim')).toBeLessThan(at('end raw mail'));
    expect(at('start getAll I + RULES')).toBeGreaterThan(at('end get claim'));
    expect(at('start transaction of 7')).toBeGreaterThan(Math.max(at('end raw mail'), at('end getAll I + RULES')));
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('stores one message however many times SES delivers the same event', async () => {
    // Prepare
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'retry' });
    const raw = await compose({ to: 'retry@mailroom.test', subject: 'once', text: 'only once' });
    const first = await deliver(deps(), raw, ['retry@mailroom.test']);

    // Act
    const again = await processSesEvent(deps(), first.event);
    const third = await processSesEvent(deps(), first.event);

    // Assess
    expect(again[0].stored[0]).toMatchObject({ messageId: first.result.stored[0].messageId, duplicate: true });
    expect(third[0].stored[0].duplicate).toBe(true);
    const page = await listMessages(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 10 });
    expect(page.data).toHaveLength(1);
  });

  describe('a message deleted before SES delivers its event again', () => {
    const messageObjects = async (messageId: string) => (await storedEverything(backends)).objects.filter((key) => key.includes(messageId));

    it('is never written visible again, is not announced, and leaves no bytes behind', async () => {
      // Prepare
      const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'deleted-early' });
      const raw = await compose({ to: inbox.address, subject: 'read and deleted', text: 'gone', attachments: [{ filename: 'a.txt', content: 'a' }] });
      const first = await deliver(deps(), raw, [inbox.address]);
      const { messageId } = first.result.stored[0];
      await deleteMessage(deps(), systemActor(DEFAULT_ORG_ID, 'test'), inbox.id, messageId);
      const publish = jest.spyOn(deps().events, 'publish');

      // Act
      let again;
      try {
        again = await processSesEvent(deps(), first.event);
      } finally {
        jest.restoreAllMocks();
      }

      // Assess: its raw mail went with it, and the repeated delivery finds only the tombstone.
      expect(again[0]).toEqual({ stored: [], dropped: [], parseError: null });
      expect(publish).not.toHaveBeenCalled();
      expect((await listMessages(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 10 })).data).toEqual([]);
      await expect(getMessage(deps(), DEFAULT_ORG_ID, inbox.id, messageId)).rejects.toMatchObject({ code: 'not_found' });
      expect(await messageObjects(messageId)).toEqual([]);
      expect(await messageObjects(first.messageId)).toEqual([]);
    });

    it('is stored once and announced again when the first delivery stopped after storing it', async () => {
      // Prepare: the first run stops after the message became visible, before it was announced.
      const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'stopped-after-store' });
      const raw = await compose({ to: inbox.address, subject: 'stored, not announced', text: 'x' });
      jest.spyOn(deps().events, 'publish').mockRejectedValueOnce(new Error('Task timed out'));
      const event = { messageId: newSesMessageId(), timestamp: new Date().toISOString() };
      await expect(deliver(deps(), raw, [inbox.address], event)).rejects.toThrow('Task timed out');
      jest.restoreAllMocks();
      const publish = jest.spyOn(deps().events, 'publish');

      // Act: Lambda retries the event.
      let retried;
      try {
        retried = await processSesEvent(deps(), sesEvent({ ...event, recipients: [inbox.address] }));
      } finally {
        jest.restoreAllMocks();
      }

      // Assess
      const [seen] = (await listMessages(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 10 })).data;
      expect(retried[0].stored).toEqual([expect.objectContaining({ messageId: seen.id, duplicate: true })]);
      expect(publish).toHaveBeenCalledWith(expect.objectContaining({ type: 'message.received', data: expect.objectContaining({ id: seen.id }) }));
      const thread = await getThread(deps(), DEFAULT_ORG_ID, inbox.id, seen.threadId);
      expect(thread).toMatchObject({ messageCount: 1, messages: [expect.objectContaining({ id: seen.id })] });
    });

    it('stays deleted when it is deleted while a delivery of it is being stored', async () => {
      // Prepare: the owner deletes the copy a first delivery stored just before a repeated delivery's transaction.
      const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'deleted-in-between' });
      const other = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'deleted-in-between-too' });
      const raw = await compose({ to: [inbox.address, other.address], subject: 'deleted mid-retry', text: 'gone' });
      const first = await deliver(deps(), raw, [inbox.address, other.address]);
      const copy = first.result.stored.find((s) => s.inboxId === inbox.id)!;
      await deleteMessage(deps(), systemActor(DEFAULT_ORG_ID, 'test'), inbox.id, copy.messageId);
      const publish = jest.spyOn(deps().events, 'publish');

      // Act
      let again;
      try {
        again = await processSesEvent(deps(), first.event);
      } finally {
        jest.restoreAllMocks();
      }

      // Assess: the other inbox's copy keeps the raw mail; the deleted copy stays deleted and unannounced.
      expect(again[0].stored).toHaveLength(2);
      expect(publish.mock.calls.map(([e]) => (e.data as { inboxId: string }).inboxId)).toEqual([other.id]);
      expect((await listMessages(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 10 })).data).toEqual([]);
      const { items } = await storedEverything(backends);
      expect(items.filter((i) => String(i.pk).includes(inbox.id) && /^[MHCT]#/.test(String(i.sk)))).toEqual([]);
      const otherCopy = first.result.stored.find((s) => s.inboxId === other.id)!;
      expect((await rawBytes(deps(), other.id, otherCopy.messageId))!.equals(raw)).toBe(true);
    });

    it('is remembered while the message would have lived, and while its delivery could still be redriven', async () => {
      // Prepare
      const longLived = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'tombstone-long' });
      const shortLived = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'tombstone-short', retentionDays: 3 });
      const deleted = async (inbox: { id: string; address: string }) => {
        const { result } = await deliver(deps(), await compose({ to: inbox.address, subject: 'to delete', text: 'x' }), [inbox.address]);
        const { messageId } = result.stored[0];
        const { expiresAt } = await getMessageItem(deps(), DEFAULT_ORG_ID, inbox.id, messageId);
        await deleteMessage(deps(), systemActor(DEFAULT_ORG_ID, 'test'), inbox.id, messageId);
        const { items } = await storedEverything(backends);
        return { messageId, expiresAt, tombstones: items.filter((i) => String(i.pk).includes(inbox.id) && i.type === 'message-tombstone') };
      };
      const now = Math.floor(Date.now() / 1000);

      // Act
      const long = await deleted(longLived);
      const short = await deleted(shortLived);

      // Assess: as long as the message would have lived (30 days)...
      expect(long.tombstones).toEqual([expect.objectContaining({ sk: `X#${long.messageId}`, expiresAt: long.expiresAt })]);
      // ...and at least the 14 days a dead letter is kept, even if the inbox's retention is raised meanwhile.
      expect(short.tombstones).toEqual([expect.objectContaining({ sk: `X#${short.messageId}` })]);
      expect(short.tombstones[0].expiresAt).toBeGreaterThan(short.expiresAt);
      expect(Number(short.tombstones[0].expiresAt)).toBeGreaterThanOrEqual(now + 14 * 86400);
    });
  });

  it('drops a copy whose inbox is deleted while the copy is being stored, leaving nothing of it', async () => {
    // Prepare: the inbox is deleted, contents purged, after the inbox was read and before the copy's transaction.
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'purged-meanwhile' });
    const raw = await compose({ to: inbox.address, subject: 'arrives as its inbox goes', text: 'x', messageId: '<purged@elsewhere.example>' });
    const table = deps().table;
    const transactWrite = table.transactWrite.bind(table);
    jest.spyOn(table, 'transactWrite').mockImplementationOnce(async (ops) => {
      await deleteInboxAndReferences(deps(), systemActor(DEFAULT_ORG_ID, 'test'), inbox.id);
      return transactWrite(ops);
    });

    // Act
    let delivered;
    try {
      delivered = await deliver(deps(), raw, [inbox.address]);
    } finally {
      jest.restoreAllMocks();
    }

    // Assess: nothing in the table or the bucket, the raw mail included.
    expect(delivered.result).toMatchObject({ stored: [], dropped: [inbox.address] });
    const { items, objects } = await storedEverything(backends);
    expect(items.filter((i) => String(i.pk).includes(inbox.id))).toEqual([]);
    expect(objects.filter((o) => o.includes(inbox.id) || o.includes(delivered.messageId))).toEqual([]);
  });

  it('routes name+tag@ to name@, case-insensitively, and keeps the tag', async () => {
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'bob' });
    const raw = await compose({ to: 'BOB+Signup@MailRoom.Test', subject: 'tagged', text: 'hi' });

    const { result } = await deliver(deps(), raw, ['BOB+Signup@MailRoom.Test']);

    const item = await getMessageItem(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(item).toMatchObject({ recipient: 'bob@mailroom.test', tag: 'signup' });
  });

  it('delivers one copy per inbox when a message is addressed to several of ours', async () => {
    const a = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'team-a' });
    const b = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'team-b', domain: 'agents.example' });
    const raw = await compose({ to: ['team-a@mailroom.test', 'team-b@agents.example'], cc: 'team-a+cc@mailroom.test', subject: 'both', text: 'x' });

    const { result } = await deliver(deps(), raw, ['team-a@mailroom.test', 'team-b@agents.example', 'team-a+cc@mailroom.test']);

    expect(result.stored.map((s) => s.inboxId).sort()).toEqual([a.id, b.id].sort());
  });

  it('ignores the setup notification SES writes when the rule is created', async () => {
    const [result] = await processSesEvent(deps(), sesEvent({ messageId: SES_SETUP_NOTIFICATION, recipients: [] }));
    expect(result).toEqual({ stored: [], dropped: [], parseError: null });
  });

  it('quarantines a message SES found a virus in: hidden from lists unless asked for', async () => {
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'quarantine' });
    const raw = await compose({ to: 'quarantine@mailroom.test', subject: 'totally safe.exe', text: 'open me' });

    const { result } = await deliver(deps(), raw, ['quarantine@mailroom.test'], { verdicts: { virus: 'FAIL' } });

    expect((await listMessages(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 10 })).data).toHaveLength(0);
    const withQuarantined = await listMessages(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 10, includeQuarantined: true });
    expect(withQuarantined.data).toEqual([expect.objectContaining({ id: result.stored[0].messageId, quarantined: true })]);
  });

  it('drops and counts mail for an unknown address outside auto-create domains', async () => {
    const raw = await compose({ to: 'nobody@agents.example', subject: 'lost', text: 'x' });
    const day = new Date().toISOString().slice(0, 10);
    const before = ((await deps().table.get(droppedMailCounter(day)))?.count as number | undefined) ?? 0;

    const { result } = await deliver(deps(), raw, ['nobody@agents.example']);

    expect(result).toMatchObject({ stored: [], dropped: ['nobody@agents.example'] });
    expect((await deps().table.get(droppedMailCounter(day)))?.count).toBe(before + 1);
    expect(backends.logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'mail for unknown addresses dropped' }));
  });

  it('creates the inbox for an unknown address in an auto-create domain', async () => {
    const raw = await compose({ to: 'fresh-signup@mailroom.test', subject: 'welcome', text: 'x' });

    const { result } = await deliver(deps(), raw, ['fresh-signup@mailroom.test']);

    expect(result.stored).toHaveLength(1);
    const message = await getMessageItem(deps(), DEFAULT_ORG_ID, result.stored[0].inboxId, result.stored[0].messageId);
    expect(message.recipient).toBe('fresh-signup@mailroom.test');
  });

  it('creates one inbox for a new address however many tagged recipients name it', async () => {
    const recipients = ['newcomer@mailroom.test', 'newcomer+a@mailroom.test', 'NEWCOMER+b@mailroom.test'];
    const raw = await compose({ to: recipients.join(', '), subject: 'three ways', text: 'x' });

    const { result } = await deliver(deps(), raw, recipients);

    expect(result).toMatchObject({ dropped: [], stored: [{ duplicate: false }] });
    expect((await getAddressClaim(deps(), 'newcomer@mailroom.test'))?.inboxId).toBe(result.stored[0].inboxId);
  });

  it('serves the files old mailers uuencode, in a part or inside the text, with their real bytes', async () => {
    // Prepare
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'usenet' });

    // Act
    const { result: inParts } = await deliver(deps(), fixture('uuencoded-parts'), ['usenet@mailroom.test']);
    const { result: inText } = await deliver(deps(), fixture('uuencoded-in-text'), ['usenet@mailroom.test']);

    // Assess
    const files = async (messageId: string) => {
      const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, messageId);
      return Promise.all(message.attachments.map(async (a) => [a.filename, sha256((await attachmentBytes(deps(), inbox.id, messageId, a.id))!) === a.sha256, a.sha256]));
    };
    const original = (file: string) => sha256(attachmentFile(file));
    expect(await files(inParts.stored[0].messageId)).toEqual([
      ['checklist.txt', true, original('checklist.txt')],
      ['chart.png', true, original('chart.png')],
    ]);
    expect(await files(inText.stored[0].messageId)).toEqual([
      ['logo.png', true, original('logo.png')],
      ['Q3 report.pdf', true, original('q3-report.pdf')],
    ]);
  });

  it('keeps malformed MIME byte for byte, marked with the parse error instead of failing', async () => {
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'broken' });
    const raw = Buffer.concat([
      Buffer.from('From: Mallory <m@example.com>\r\nTo: broken@mailroom.test\r\nSubject: deep\r\n'),
      ...Array.from({ length: 150 }, (_, i) => Buffer.from(`Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`)),
    ]);

    const { result } = await deliver(deps(), raw, ['broken@mailroom.test']);

    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(message.parseError).toEqual({ code: 'too_deep', reason: expect.stringContaining('multipart') });
    expect(message.subject).toBe('deep');
    expect(message.from).toEqual({ address: 'm@example.com', name: 'Mallory' });
    expect((await rawBytes(deps(), inbox.id, message.id))!.equals(raw)).toBe(true);
  });

  it('keeps bodies and headers beside the summary item, so listing an inbox never reads them', async () => {
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'lister' });
    const text = 'A paragraph of a newsletter. '.repeat(300);
    const raw = await compose({ to: 'lister@mailroom.test', subject: 'weekly', text, html: `<p>${text}</p>` });

    const { result } = await deliver(deps(), raw, ['lister@mailroom.test']);

    const item = await getMessageItem(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(item.contentIn).toBe('table');
    // The 17 KB of text and HTML are not in it; only the 200-character snippet is.
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(2048);
    // They are in an item of their own, gzipped: DynamoDB bills by the kilobyte.
    const contentItem = await deps().table.get<MessageContentItem>(messageContentKey(DEFAULT_ORG_ID, inbox.id, item.id));
    expect(contentItem!.packed!.length).toBeLessThan(2048);
    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, item.id);
    expect(message.text).toBe(text);
    expect(message.headers).toContainEqual({ name: 'Subject', value: 'weekly' });
  });

  it('still reads bodies kept as a plain map, as content items were written before they were packed', async () => {
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'older' });
    const raw = await compose({ to: 'older@mailroom.test', subject: 'from before', text: 'Plain as it was.' });
    const { result } = await deliver(deps(), raw, ['older@mailroom.test']);
    const key = messageContentKey(DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    const packedItem = (await deps().table.get<MessageContentItem>(key))!;
    const { packed, ...rest } = packedItem;
    await deps().table.put({ ...rest, content: { text: 'Plain as it was.', html: null, headers: [{ name: 'Subject', value: 'from before' }] } });

    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);

    expect(packed).toBeDefined();
    expect(message.text).toBe('Plain as it was.');
    expect(message.headers).toEqual([{ name: 'Subject', value: 'from before' }]);
  });

  it('keeps large bodies in the bucket so the item stays small', async () => {
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'big' });
    // Words that do not repeat, so gzip cannot shrink them much: about 60 KB of text, twice with the HTML.
    const text = Array.from({ length: 6000 }, () => createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 9)).join(' ');
    const raw = await compose({ to: 'big@mailroom.test', subject: 'long read', text, html: `<pre>${text}</pre>` });

    const { result } = await deliver(deps(), raw, ['big@mailroom.test']);

    const item = await getMessageItem(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(item.contentIn).toBe('bucket');
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(64 * 1024);
    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, item.id);
    expect(message.text!.replace(/\s+/g, ' ').trim()).toBe(text.trim());
  });

  it('keeps the item small however much a hostile message puts in its headers, losing nothing', async () => {
    // Prepare: every summary field at its worst at once
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'flooded' });
    const to = ['flooded@mailroom.test', ...Array.from({ length: 3000 }, (_, i) => `recipient-${i}@example.com`)];
    const references = Array.from({ length: 2000 }, (_, i) => `<thread-${i}.${'r'.repeat(40)}@example.com>`);
    const links = Array.from({ length: 500 }, (_, i) => `https://example.com/track/${i}?t=${'x'.repeat(1500)}`);
    const attachments = Array.from({ length: 900 }, (_, i) => ({ filename: `${i}-${'n'.repeat(200)}.txt`, content: `file ${i}` }));
    const raw = await compose({
      to,
      subject: 'S'.repeat(5000),
      references,
      text: `Your code is 482913\n${links.join('\n')}`,
      attachments,
    });

    // Act
    const { result } = await deliver(deps(), raw, ['flooded@mailroom.test']);

    // Assess: a small item...
    const item = await getMessageItem(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(128 * 1024);
    expect(item.subject.length).toBeLessThanOrEqual(998);
    expect(item.to.length).toBeLessThan(to.length);
    expect(item.references[0]).toBe(references[0]);
    expect(item.references.at(-1)).toBe(references.at(-1));
    // ...and the whole message still readable
    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, item.id);
    expect(message.hasAttachments).toBe(true);
    expect(message.attachments).toHaveLength(900);
    expect(message.extracted.codes).toEqual(['482913']);
    expect(message.headers.find((h) => h.name === 'Subject')?.value).toBe('S'.repeat(5000));
    expect(message.headers.find((h) => h.name === 'To')?.value).toContain('recipient-2999@example.com');
    expect((await attachmentBytes(deps(), inbox.id, item.id, 'att_900'))!.toString()).toBe('file 899');
  });

  it('sets each message to expire after its inbox’s retention', async () => {
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'short-lived', retentionDays: 2 });
    const raw = await compose({ to: 'short-lived@mailroom.test', subject: 'soon gone', text: 'x' });
    // An hour ago: a fixed date would see the message expire, and vanish, two days after it.
    const receivedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000).toISOString();

    const { result } = await deliver(deps(), raw, ['short-lived@mailroom.test'], { timestamp: receivedAt });

    const item = await getMessageItem(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(item.expiresAt).toBe(Date.parse(receivedAt) / 1000 + 2 * 86400);
  });

  it('fails loudly (so Lambda retries) when the raw object is missing, creating nothing meanwhile', async () => {
    const recipients = ['alice@mailroom.test', 'not-yet-an-inbox@mailroom.test'];
    await expect(processSesEvent(deps(), sesEvent({ messageId: 'no-such-object', recipients }))).rejects.toThrow(
      'raw mail inbound/no-such-object is not in the bucket',
    );
    expect(await getAddressClaim(deps(), 'not-yet-an-inbox@mailroom.test')).toBeUndefined();
  });
});

describe('the mail corpus through the parser handler', () => {
  const corpus = readdirSync(join(__dirname, '../fixtures/emails'))
    .filter((name) => name.endsWith('.eml'))
    .map((name) => name.replace(/\.eml$/, ''));
  /** The only corpus message whose body cannot be recovered; every other one parses. */
  const unparseable: Record<string, string> = { 'malformed-boundary-never-appears': 'malformed' };

  it.each(corpus)('stores %s readable, with its raw bytes exact', async (name) => {
    // Prepare
    const raw = fixture(name);
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: `corpus-${name}`.slice(0, 60) });

    // Act
    const { result } = await deliver(deps(), raw, [inbox.address]);

    // Assess
    expect(result.stored).toHaveLength(1);
    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(message.parseError?.code ?? null).toBe(unparseable[name] ?? null);
    expect((await rawBytes(deps(), inbox.id, message.id))!.equals(raw)).toBe(true);
  });

  it.each([
    ['1000-deep nesting', () => deeplyNestedMessage(1000), 'too_deep'],
    ['a header block over 1 MiB', () => messageWithHugeHeader(), 'header_too_large'],
    ['2000 parts', () => manyPartsMessage(2000), 'too_many_parts'],
    ['a message over 40 MiB', () => largeMessage(), 'too_large'],
  ])('keeps a message with %s, marked with why it was not parsed', async (_what, build, code) => {
    const raw = build();
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), {});

    const { result } = await deliver(deps(), raw, [inbox.address]);

    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(message.parseError?.code).toBe(code);
    expect(message.from?.address).toMatch(/@example\.net$/);
    expect(message.size).toBe(raw.length);
    const stored = await rawBytes(deps(), inbox.id, message.id);
    expect(stored!.equals(raw)).toBe(true);
  });
});

describe('retention', () => {
  it('never returns an expired message or inbox, even before DynamoDB deletes it', async () => {
    // Prepare
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'ephemeral', retentionDays: 1, ttlMinutes: 3 * 24 * 60 });
    const raw = await compose({ to: 'ephemeral@mailroom.test', subject: 'fleeting', text: 'x' });
    const { result } = await deliver(deps(), raw, ['ephemeral@mailroom.test']);
    const messageId = result.stored[0].messageId;
    const later = (days: number) => ({ ...deps(), clock: { now: () => new Date(Date.now() + days * 86400_000) } });

    // Act + Assess: after one day the message is gone, after three the inbox too.
    expect((await listMessages(deps(), DEFAULT_ORG_ID, inbox.id, { limit: 5 })).data).toHaveLength(1);
    expect((await listMessages(later(1.01), DEFAULT_ORG_ID, inbox.id, { limit: 5 })).data).toHaveLength(0);
    await expect(getMessage(later(1.01), DEFAULT_ORG_ID, inbox.id, messageId)).rejects.toMatchObject({ code: 'not_found' });
    await expect(listMessages(later(3.01), DEFAULT_ORG_ID, inbox.id, { limit: 5 })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('codes and links on received mail', () => {
  it('extracts the code and classified links from a sign-up mail that passed DMARC', async () => {
    const inbox = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'signup-trusted' });
    const { result } = await deliver(deps(), fixture('verification-code'), [inbox.address], { verdicts: { dmarc: 'PASS' } });
    const message = await getMessage(deps(), DEFAULT_ORG_ID, inbox.id, result.stored[0].messageId);
    expect(message.extracted).toEqual({
      codes: ['482913'],
      links: [{ url: 'https://accounts.example.com/verify?token=9f8a7c2e&email=signup-test%40mailroom.test', kind: 'verify', text: 'Verify my email' }],
      codesWithheld: null,
    });
  });

  it('withholds the code of a mail that failed DMARC, unless the inbox opts in', async () => {
    const strict = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'signup-strict' });
    const lenient = await createInbox(deps(), systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'signup-lenient', codesFromUnverifiedMail: true });
    const { result } = await deliver(deps(), fixture('verification-code'), [strict.address, lenient.address], { verdicts: { dmarc: 'FAIL' } });
    const [toStrict, toLenient] = result.stored;
    expect((await getMessage(deps(), DEFAULT_ORG_ID, strict.id, toStrict.messageId)).extracted).toMatchObject({ codes: [], codesWithheld: 'dmarc_failed' });
    expect((await getMessage(deps(), DEFAULT_ORG_ID, lenient.id, toLenient.messageId)).extracted).toMatchObject({ codes: ['482913'], codesWithheld: null });
  });
});
