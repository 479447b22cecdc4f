import { createHash } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { attachmentFile } from '../fixtures/generate';
import type { apiCaller } from '../support/api-client';
import { apiWithKey } from '../support/api-under-test';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;

beforeAll(async () => {
  backends = await startBackends();
  ({ call, key } = await apiWithKey(backends, ['inboxes:write', 'inboxes:read', 'messages:read', 'messages:send']));
});
afterAll(() => backends.stop());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const newInbox = async (body: Record<string, unknown> = {}) => (await call('POST', '/v1/inboxes', { key, body })).json as { id: string; address: string };
const send = (inboxId: string, body: Record<string, unknown>, headers?: Record<string, string>) => call('POST', `/v1/inboxes/${inboxId}/messages`, { key, body, headers });
const messagesOf = async (inboxId: string, query: Record<string, string> = {}) =>
  (await call('GET', `/v1/inboxes/${inboxId}/messages`, { key, query: { limit: '100', ...query } })).json.data as Record<string, any>[];
const full = async (inboxId: string, messageId: string) => (await call('GET', `/v1/inboxes/${inboxId}/messages/${messageId}`, { key })).json;
const raw = async (inboxId: string, messageId: string) => (await call('GET', `/v1/inboxes/${inboxId}/messages/${messageId}/raw`, { key })).bytes.toString('latin1');

describe('sending between two inboxes of the local domains', () => {
  it('delivers through the inbound path with attachments intact, and keeps the sent copy (Bcc known only to the sender)', async () => {
    const alice = await newInbox({ localPart: 'alice-sender', label: 'Alice Agent' });
    const bob = await newInbox({ localPart: 'bob-receiver' });
    const carol = await newInbox({ localPart: 'carol-hidden' });
    const pdf = attachmentFile('q3-report.pdf');
    const png = attachmentFile('chart.png');

    const res = await send(alice.id, {
      to: [bob.address],
      bcc: [carol.address],
      subject: 'Q3 report ✅',
      text: 'The report and the chart are attached.',
      html: '<p>The report and the chart are attached.</p>',
      attachments: [
        { filename: 'q3-report.pdf', contentType: 'application/pdf', content: pdf.toString('base64') },
        { filename: 'chart.png', content: png.toString('base64') },
      ],
      headers: { 'X-Campaign': 'q3' },
    });

    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ direction: 'outbound', delivery: 'sent', unread: false, subject: 'Q3 report ✅', bcc: [{ address: carol.address }] });
    const [received] = await messagesOf(bob.id);
    expect(received).toMatchObject({ direction: 'inbound', delivery: null, from: { address: alice.address, name: 'Alice Agent' }, subject: 'Q3 report ✅', threadId: res.json.threadId });
    const message = await full(bob.id, received.id);
    expect(message.attachments.map((a: { filename: string; sha256: string }) => [a.filename, a.sha256])).toEqual([
      ['q3-report.pdf', sha256(pdf)],
      ['chart.png', sha256(png)],
    ]);
    expect(message.headers).toEqual(expect.arrayContaining([{ name: 'X-Campaign', value: 'q3' }]));
    // Carol got it too, but no copy names her.
    expect((await messagesOf(carol.id)).map((m) => m.subject)).toEqual(['Q3 report ✅']);
    expect(await raw(bob.id, received.id)).not.toMatch(/carol-hidden|^Bcc:/im);
    expect(await raw(alice.id, res.json.id)).not.toMatch(/^Bcc:/im);
    expect((await messagesOf(alice.id, { direction: 'outbound' })).map((m) => m.id)).toEqual([res.json.id]);
    const sentCopy = await full(alice.id, res.json.id);
    expect(sentCopy.headers).toEqual(expect.arrayContaining([{ name: 'Subject', value: 'Q3 report ✅' }, { name: 'X-Campaign', value: 'q3' }]));
    expect(sentCopy.attachments.map((a: { filename: string; contentType: string; sha256: string }) => [a.filename, a.contentType, a.sha256])).toEqual([
      ['q3-report.pdf', 'application/pdf', sha256(pdf)],
      ['chart.png', 'image/png', sha256(png)],
    ]);
    expect(sentCopy.extracted).toEqual({ codes: [], links: [], codesWithheld: null });
  });

  it('keeps a reply chain five deep in one thread, with In-Reply-To, References and a single "Re:"', async () => {
    const alice = await newInbox({ localPart: 'alice-thread' });
    const bob = await newInbox({ localPart: 'bob-thread' });
    const first = await send(alice.id, { to: [bob.address], subject: 'Planning', text: 'Shall we plan?' });
    let [latest] = await messagesOf(bob.id);
    let replier = bob;
    let other = alice;
    for (let depth = 1; depth <= 5; depth++) {
      const reply = await call('POST', `/v1/inboxes/${replier.id}/messages/${latest.id}/reply`, { key, body: { text: `reply ${depth}` } });
      expect(reply.status).toBe(201);
      [latest] = await messagesOf(other.id, { direction: 'inbound' });
      expect(latest.subject).toBe('Re: Planning');
      [replier, other] = [other, replier];
    }
    const all = [...(await messagesOf(alice.id)), ...(await messagesOf(bob.id))];
    expect(all).toHaveLength(12);
    expect(new Set(all.map((m) => m.threadId))).toEqual(new Set([first.json.threadId]));
    const deepest = await full(latest.inboxId, latest.id);
    expect(deepest.references).toHaveLength(5);
    expect(deepest.references[0]).toBe((await full(alice.id, first.json.id)).messageIdHeader);
    expect(deepest.inReplyTo).toBe(deepest.references.at(-1));
    expect(deepest.text).toMatch(/^reply 5\n\nOn .*wrote:\n> reply 4/);
  });

  it('replies to all but itself when asked to', async () => {
    const alice = await newInbox({ localPart: 'alice-all' });
    const bob = await newInbox({ localPart: 'bob-all' });
    const dave = await newInbox({ localPart: 'dave-all' });
    await send(alice.id, { to: [bob.address], cc: [dave.address], subject: 'Team', text: 'hi all' });
    const [atBob] = await messagesOf(bob.id);
    const reply = await call('POST', `/v1/inboxes/${bob.id}/messages/${atBob.id}/reply`, { key, body: { text: 'hi back', replyAll: true } });
    expect(reply.json.to.map((a: { address: string }) => a.address)).toEqual([alice.address]);
    expect(reply.json.cc.map((a: { address: string }) => a.address)).toEqual([dave.address]);
  });
});

describe('mail for other domains on a laptop', () => {
  it('is captured in the sending inbox (its outbox), not delivered', async () => {
    const inbox = await newInbox({ localPart: 'outbox' });
    const res = await send(inbox.id, { to: ['someone@elsewhere.example'], subject: 'Hello', text: 'hi' });
    expect(res.json.delivery).toBe('captured');
    expect((await messagesOf(inbox.id, { direction: 'outbound' })).map((m) => [m.subject, m.delivery])).toEqual([['Hello', 'captured']]);
  });

  it('is relayed when an SMTP relay is configured', async () => {
    const relayed: { to: string[]; data: string }[] = [];
    const relay = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          relayed.push({ to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString() });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.server.address() as { port: number }).port;
    const withRelay = await startBackends({}, { smtpRelay: `smtp://127.0.0.1:${port}` });
    try {
      const api = await apiWithKey(withRelay, ['inboxes:write', 'messages:send']);
      const inbox = (await api.call('POST', '/v1/inboxes', { key: api.key, body: {} })).json;
      const res = await api.call('POST', `/v1/inboxes/${inbox.id}/messages`, { key: api.key, body: { to: ['friend@elsewhere.example'], subject: 'Relayed', text: 'hi' } });
      expect(res.json.delivery).toBe('sent');
      expect(relayed).toHaveLength(1);
      expect(relayed[0].to).toEqual(['friend@elsewhere.example']);
      expect(relayed[0].data).toContain('Subject: Relayed');
    } finally {
      await withRelay.stop();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });
});

describe('what a send refuses', () => {
  it('makes header injection impossible: line breaks in the subject or a header, forbidden header names, malformed addresses', async () => {
    const inbox = await newInbox({ localPart: 'injector' });
    const attempts = [
      { to: ['a@elsewhere.example'], subject: 'Hi\r\nBcc: victim@elsewhere.example', text: 'x' },
      { to: ['a@elsewhere.example'], subject: 'Hi\nBcc: victim@elsewhere.example', text: 'x' },
      { to: ['a@elsewhere.example'], subject: 'Hi', text: 'x', headers: { 'X-Note': 'ok\r\nBcc: victim@elsewhere.example' } },
      { to: ['a@elsewhere.example'], subject: 'Hi', text: 'x', headers: { Bcc: 'victim@elsewhere.example' } },
      { to: ['a@elsewhere.example'], subject: 'Hi', text: 'x', headers: { 'X-Ok\r\nBcc': 'victim@elsewhere.example' } },
      { to: ['a@elsewhere.example\r\nBcc: victim@elsewhere.example'], subject: 'Hi', text: 'x' },
      { to: ['"x" <a@elsewhere.example>, victim@elsewhere.example'], subject: 'Hi', text: 'x' },
    ];
    for (const body of attempts) {
      const res = await send(inbox.id, body);
      expect({ body, status: res.status, code: res.json.error.code }).toEqual({ body, status: 400, code: 'validation_error' });
    }
    expect(await messagesOf(inbox.id)).toEqual([]);
  });

  it('folds and encodes what it accepts, so a long or non-ASCII subject stays one header', async () => {
    const inbox = await newInbox({ localPart: 'encoder' });
    const subject = `Ünïcödé ${'long '.repeat(40)}: Bcc: not-a-header@elsewhere.example`;
    const res = await send(inbox.id, { to: ['a@elsewhere.example'], subject, text: 'x' });
    const text = await raw(inbox.id, res.json.id);
    expect(text).not.toMatch(/^Bcc:/im);
    expect(res.json.subject).toBe(subject);
  });

  it('stops at the inbox’s daily limit with 429', async () => {
    const inbox = await newInbox({ localPart: 'capped', sending: { dailyLimit: 2, allowList: [], blockList: [] } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(inbox.id, { to: ['a@elsewhere.example'], subject: `n${i}`, text: 'x' })).status);
    expect(statuses).toEqual([201, 201, 429]);
  });

  it('refuses recipients on the block list, or off a non-empty allow list, naming each, and sends nothing', async () => {
    const blocked = await newInbox({ localPart: 'blocking', sending: { dailyLimit: null, allowList: [], blockList: ['competitor.example', 'ceo@elsewhere.example'] } });
    const res = await send(blocked.id, { to: ['sales@competitor.example', 'ok@elsewhere.example'], cc: ['CEO@elsewhere.example'], subject: 'x', text: 'x' });
    expect(res.status).toBe(422);
    expect(res.json.error.details.refused).toEqual([
      { address: 'sales@competitor.example', reason: 'on the inbox’s block list' },
      { address: 'ceo@elsewhere.example', reason: 'on the inbox’s block list' },
    ]);
    const allowing = await newInbox({ localPart: 'allowing', sending: { dailyLimit: null, allowList: ['agents.example'], blockList: [] } });
    expect((await send(allowing.id, { to: ['x@elsewhere.example'], subject: 'x', text: 'x' })).status).toBe(422);
    expect((await send(allowing.id, { to: ['x@agents.example'], subject: 'x', text: 'x' })).status).toBe(201);
    expect(await messagesOf(blocked.id)).toEqual([]);
  });

  it('sends once for one Idempotency-Key, answering the retry with the first response', async () => {
    const inbox = await newInbox({ localPart: 'idempotent-sender' });
    const target = await newInbox({ localPart: 'idempotent-target' });
    const body = { to: [target.address], subject: 'once', text: 'x' };
    const first = await send(inbox.id, body, { 'Idempotency-Key': 'send-1' });
    const again = await send(inbox.id, body, { 'Idempotency-Key': 'send-1' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json.id).toBe(first.json.id);
    expect(await messagesOf(target.id)).toHaveLength(1);
  });

  it('needs messages:send', async () => {
    const { key: reader } = await apiWithKey(backends, ['messages:read', 'inboxes:write']);
    const inbox = await newInbox({ localPart: 'no-scope' });
    expect((await call('POST', `/v1/inboxes/${inbox.id}/messages`, { key: reader, body: { to: ['a@elsewhere.example'], subject: 'x', text: 'x' } })).status).toBe(403);
  });
});

describe('received mail and sent mail side by side', () => {
  it('replies to the Reply-To of received mail', async () => {
    const inbox = await newInbox({ localPart: 'support-desk' });
    const mail = await compose({ from: 'Customer <customer@elsewhere.example>', replyTo: 'tickets@elsewhere.example', to: inbox.address, subject: 'Help', text: 'please' });
    await deliver(backends.deps, mail, [inbox.address]);
    const [received] = await messagesOf(inbox.id);
    const reply = await call('POST', `/v1/inboxes/${inbox.id}/messages/${received.id}/reply`, { key, body: { text: 'on it' } });
    expect(reply.json).toMatchObject({ to: [{ address: 'tickets@elsewhere.example' }], subject: 'Re: Help', delivery: 'captured', threadId: received.threadId });
  });
});
