import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { createMailroomClient } from '../../lib/client';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../lambdas/local/stack';
import { sesEventFor } from '../../lambdas/local/ses-stand-in';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function start(dataDir: string, options: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  return startLocalStack({ dataDir, host: '127.0.0.1', smtpPort: 0, httpPort: 0, domains: ['mailroom.test'], log: quiet, ...options });
}

function api(stack: LocalStack, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.apiUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${stack.adminKey}`, ...init.headers } });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = async (res: Promise<Response>): Promise<any> => (await res).json();

/** Polls the messages list until the inbox holds `count` messages (ingest runs after the SMTP reply, as on AWS). */
async function waitForMessages(stack: LocalStack, inboxId: string, count: number) {
  for (let i = 0; i < 100; i++) {
    const body = await json(api(stack, `/v1/inboxes/${inboxId}/messages`));
    if (body.data.length >= count) return body.data;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`inbox ${inboxId} never reached ${count} messages`);
}

describe('the local stack (npm start)', () => {
  let dataDir: string;
  let stack: LocalStack;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mailroom-e2e-'));
    stack = await start(dataDir);
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a generated admin key and the vault’s master key in the data dir, readable only by their owner', () => {
    const keyFile = join(dataDir, 'admin.key');
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(stack.adminKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const masterKey = join(dataDir, 'master.key');
    expect(Buffer.from(readFileSync(masterKey, 'utf8'), 'base64')).toHaveLength(32);
    expect(statSync(masterKey).mode & 0o777).toBe(0o600);
  });

  it('receives mail over SMTP and serves it through the API with bodies, headers and exact attachments', async () => {
    // Prepare
    const inbox = await json(api(stack, '/v1/inboxes', { method: 'POST', body: JSON.stringify({ localPart: 'e2e' }), headers: { 'Content-Type': 'application/json' } }));
    const image = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256));
    const pdf = Buffer.from('%PDF-1.7\n' + 'x'.repeat(10_000) + '\n%%EOF');
    const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });

    // Act
    const info = await transport.sendMail({
      from: 'Grace Hopper <grace@example.com>',
      to: 'e2e+build@mailroom.test',
      subject: 'Build 1234 ✅',
      text: 'The build passed. Code: 771204',
      html: '<p>The build <b>passed</b>. <img src="cid:logo@mailroom"></p>',
      attachments: [
        { filename: 'report.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'logo.png', content: image, contentType: 'image/png', cid: 'logo@mailroom' },
      ],
    });
    const [summary] = await waitForMessages(stack, inbox.id, 1);
    transport.close();

    // Assess
    expect(info.response).toMatch(/^250 /);
    const message = await json(api(stack, `/v1/inboxes/${inbox.id}/messages/${summary.id}`));
    expect(message).toMatchObject({
      subject: 'Build 1234 ✅',
      from: { address: 'grace@example.com', name: 'Grace Hopper' },
      text: 'The build passed. Code: 771204',
      tag: 'build',
      extracted: { codes: ['771204'] },
      verdicts: { spam: 'DISABLED', virus: 'DISABLED', spf: 'DISABLED', dkim: 'DISABLED', dmarc: 'DISABLED' },
    });
    expect(message.html).toContain('cid:logo@mailroom');
    expect(message.headers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Message-ID', value: info.messageId })]));
    expect(message.attachments).toHaveLength(2);
    expect(message.attachments).toEqual(expect.arrayContaining([
      expect.objectContaining({ filename: 'report.pdf', size: pdf.length, sha256: sha256(pdf), inline: false }),
      expect.objectContaining({ filename: 'logo.png', size: image.length, sha256: sha256(image), contentId: '<logo@mailroom>', inline: true }),
    ]));
    for (const a of message.attachments) {
      const bytes = Buffer.from(await (await api(stack, `/v1/inboxes/${inbox.id}/messages/${summary.id}/attachments/${a.id}`)).arrayBuffer());
      expect(sha256(bytes)).toBe(a.sha256);
    }

    // The raw download is exactly what the SMTP server received (nodemailer's own rendering of the message).
    // fetch asks for compression, as most HTTP clients do: the mail travels gzipped and arrives intact.
    const rawResponse = await api(stack, `/v1/inboxes/${inbox.id}/messages/${summary.id}/raw`);
    expect(rawResponse.headers.get('content-encoding')).toBe('gzip');
    const received = Buffer.from(await rawResponse.arrayBuffer());
    expect(received.length).toBe(message.size);
    expect(received.toString()).toContain(`Message-ID: ${info.messageId}`);
  });

  it('answers a wait with mail sent over SMTP after the wait began', async () => {
    const inbox = await json(api(stack, '/v1/inboxes', { method: 'POST', body: JSON.stringify({ localPart: 'waiting' }), headers: { 'Content-Type': 'application/json' } }));
    const waiting = json(api(stack, `/v1/inboxes/${inbox.id}/wait`, { method: 'POST', body: JSON.stringify({ subjectContains: 'sign-in code', timeoutSeconds: 20 }), headers: { 'Content-Type': 'application/json' } }));
    const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'noreply@service.example', to: inbox.address, subject: 'Your sign-in code', text: 'Your code is 482913.' });
    transport.close();
    expect(await waiting).toMatchObject({ timedOut: false, message: { subject: 'Your sign-in code', extracted: { codes: ['482913'] } } });
  });

  it('queues no webhook job for mail no endpoint wants, and one for mail an endpoint does', async () => {
    const queued = jest.spyOn(stack.deps.jobs, 'enqueue');
    try {
      const inbox = await json(api(stack, '/v1/inboxes', { method: 'POST', body: JSON.stringify({ localPart: 'unwatched' }), headers: { 'Content-Type': 'application/json' } }));
      const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
      await transport.sendMail({ from: 'noreply@service.example', to: inbox.address, subject: 'Nobody listens', text: 'Hello.' });
      await stack.drain();
      expect(queued).not.toHaveBeenCalled();

      // An endpoint that is never reached: only whether the event is queued for it matters here.
      const hook = { url: 'http://127.0.0.1:9/hook', events: ['message.received'], inboxIds: [inbox.id] };
      expect((await api(stack, '/v1/webhooks', { method: 'POST', body: JSON.stringify(hook), headers: { 'Content-Type': 'application/json' } })).status).toBe(201);
      await transport.sendMail({ from: 'noreply@service.example', to: inbox.address, subject: 'Somebody listens', text: 'Hello.' });
      transport.close();
      await stack.drain();
      // Its failed delivery may already have queued a retry: only fan-outs of events count here.
      expect(queued.mock.calls.flatMap(([job]) => (job.kind === 'fan-out' ? [job.event.type] : []))).toEqual(['message.received']);
    } finally {
      queued.mockRestore();
    }
  });

  it('delivers the exact bytes sent, byte for byte', async () => {
    const raw = Buffer.from(
      'From: a@example.com\r\nTo: bytes@mailroom.test\r\nSubject: exact\r\nX-Odd:  two  spaces \r\n\r\nline one\r\n.dot-stuffed line\r\n\r\n',
    );
    const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ envelope: { from: 'a@example.com', to: ['bytes@mailroom.test'] }, raw });
    transport.close();
    await stack.drain();
    const inboxes = (await json(api(stack, '/v1/inboxes'))).data;
    const inbox = inboxes.find((i: { address: string }) => i.address === 'bytes@mailroom.test');
    const [summary] = await waitForMessages(stack, inbox.id, 1);
    const got = Buffer.from(await (await api(stack, `/v1/inboxes/${inbox.id}/messages/${summary.id}/raw`)).arrayBuffer());
    expect(got.equals(raw)).toBe(true);
  });

  it('bootstraps a tenant with the typed client: admin key → org → scoped key → its own inbox receiving mail', async () => {
    // Prepare
    const admin = createMailroomClient({ baseUrl: stack.apiUrl, apiKey: stack.adminKey });

    // Act
    const org = await admin.POST('/v1/orgs', { body: { name: 'Tenant' }, headers: { 'Idempotency-Key': 'tenant-org' } });
    const minted = await admin.POST('/v1/api-keys', {
      body: { name: 'tenant agent', scopes: ['inboxes:write', 'inboxes:read', 'messages:read'], orgId: org.data!.id },
    });
    const tenant = createMailroomClient({ baseUrl: stack.apiUrl, apiKey: minted.data!.key });
    const inbox = await tenant.POST('/v1/inboxes', { body: { localPart: 'tenant-agent' } });
    const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'a@example.com', to: 'tenant-agent@mailroom.test', subject: 'for the tenant', text: 'code 554433' });
    transport.close();
    await stack.drain();
    const messages = await tenant.GET('/v1/inboxes/{inboxId}/messages', { params: { path: { inboxId: inbox.data!.id } } });

    // Assess
    expect(org.response.status).toBe(201);
    expect(minted.data).toMatchObject({ orgId: org.data!.id, status: 'active' });
    expect(inbox.response.headers.get('x-ratelimit-limit')).toBe('600');
    expect(messages.data!.data.map((m) => [m.subject, m.extracted.codes])).toEqual([['for the tenant', ['554433']]]);
    const fromAdmin = await admin.GET('/v1/inboxes/{inboxId}', { params: { path: { inboxId: inbox.data!.id } } });
    expect([fromAdmin.response.status, fromAdmin.error?.error.code]).toEqual([404, 'not_found']);
    const forbidden = await tenant.GET('/v1/audit-events');
    expect([forbidden.response.status, forbidden.error?.error.code]).toEqual([403, 'forbidden']);
  });

  it('sends from one inbox to another through the same inbound path (spool, parser), and captures mail for elsewhere', async () => {
    const post = (path: string, body: unknown) => json(api(stack, path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }));
    const from = await post('/v1/inboxes', { localPart: 'e2e-sender', label: 'E2E Sender' });
    const to = await post('/v1/inboxes', { localPart: 'e2e-recipient' });
    const attachment = Buffer.from('%PDF-1.7 sent through the local stack');

    const sent = await post(`/v1/inboxes/${from.id}/messages`, {
      to: [to.address, 'someone@elsewhere.example'],
      subject: 'Sent locally',
      text: 'hello',
      attachments: [{ filename: 'doc.pdf', content: attachment.toString('base64') }],
    });

    expect(sent).toMatchObject({ direction: 'outbound', delivery: 'captured' });
    const [received] = await waitForMessages(stack, to.id, 1);
    expect(received).toMatchObject({ subject: 'Sent locally', from: { address: from.address, name: 'E2E Sender' }, threadId: sent.threadId });
    const message = await json(api(stack, `/v1/inboxes/${to.id}/messages/${received.id}`));
    expect(message.attachments[0].sha256).toBe(sha256(attachment));
  });

  it('refuses mail for domains it does not serve at RCPT TO', async () => {
    const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
    await expect(transport.sendMail({ from: 'a@example.com', to: 'someone@elsewhere.example', subject: 'x', text: 'x' })).rejects.toMatchObject({
      responseCode: 550,
    });
    transport.close();
  });

  it('keeps everything across a restart, and finishes mail accepted before a crash', async () => {
    // Prepare: an inbox with one message, then a spooled message whose processing never ran (as after a crash).
    const inbox = await json(api(stack, '/v1/inboxes', { method: 'POST', body: JSON.stringify({ localPart: 'durable' }), headers: { 'Content-Type': 'application/json' } }));
    const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'a@example.com', to: 'durable@mailroom.test', subject: 'before restart', text: 'one' });
    transport.close();
    await stack.drain();
    await stack.stop();
    const orphanId = 'f'.repeat(40);
    const orphanRaw = Buffer.from('From: b@example.com\r\nTo: durable@mailroom.test\r\nSubject: accepted just before the crash\r\n\r\ntwo\r\n');
    writeFileSync(join(dataDir, 'spool', `${orphanId}.eml`), orphanRaw);
    writeFileSync(
      join(dataDir, 'spool', `${orphanId}.json`),
      JSON.stringify({
        event: sesEventFor({ messageId: orphanId, receivedAt: new Date(), from: 'b@example.com', recipients: ['durable@mailroom.test'] }),
        rawKey: `inbound/${orphanId}`,
      }),
    );

    // Act
    const adminKey = stack.adminKey;
    stack = await start(dataDir);
    await stack.drain();

    // Assess
    expect(stack.adminKey).toBe(adminKey);
    const subjects = (await waitForMessages(stack, inbox.id, 2)).map((m: { subject: string }) => m.subject).sort();
    expect(subjects).toEqual(['accepted just before the crash', 'before restart']);
  });
});

describe('the local stack’s download links', () => {
  let dataDir: string;
  let stack: LocalStack;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mailroom-e2e-links-'));
    // As API Gateway's payload limit does on AWS, a download above 1 KB is answered with a link.
    stack = await start(dataDir, { maxInlineDownloadBytes: 1024 });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('redirects a large download to a signed link on its own listener, serving the exact bytes from the data dir', async () => {
    // Prepare
    const raw = Buffer.from(`From: a@example.com\r\nTo: links@mailroom.test\r\nSubject: large\r\n\r\n${'0123456789abcdef'.repeat(200)}\r\n`);
    const transport = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ envelope: { from: 'a@example.com', to: ['links@mailroom.test'] }, raw });
    transport.close();
    await stack.drain();
    const inbox = (await json(api(stack, '/v1/inboxes'))).data.find((i: { address: string }) => i.address === 'links@mailroom.test');
    const [summary] = await waitForMessages(stack, inbox.id, 1);

    // Act
    const redirect = await api(stack, `/v1/inboxes/${inbox.id}/messages/${summary.id}/raw`, { redirect: 'manual' });
    const download = await fetch(redirect.headers.get('location')!);

    // Assess
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(new RegExp(`^${stack.apiUrl}/downloads/`));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('message/rfc822');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
    expect(Buffer.from(await download.arrayBuffer()).equals(raw)).toBe(true);
    expect(existsSync(join(dataDir, 'blobs', 'objects'))).toBe(true);
    expect(existsSync(join(dataDir, 's3'))).toBe(false);
  });
});
