import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { jsonLogger } from '../../lambdas/adapters/json-logger';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack';
import { startReceiver } from '../support/webhook-receiver';

/**
 * Runs the whole pipeline on the local stack with its JSON logger writing into an array, doing everything that
 * handles a secret, then reads every line for them.
 */
describe('logs', () => {
  const lines: string[] = [];
  let dataDir: string;
  let stack: LocalStack;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mailroom-logs-'));
    stack = await startLocalStack({
      dataDir,
      host: '127.0.0.1',
      smtpPort: 0,
      httpPort: 0,
      domains: ['mailroom.test'],
      inMemoryTable: true,
      webhookRetryDelaysMs: [50],
      log: jsonLogger({}, (line) => lines.push(line)),
    });
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json: any = res.headers.get('content-type')?.includes('json') ? await res.json() : undefined;
    return { status: res.status, json };
  };

  it('carry request ids and org ids, and no key, webhook secret, vault value, TOTP seed, code or mail content', async () => {
    const secrets: string[] = [stack.adminKey];
    const minted = await call('POST', '/v1/api-keys', stack.adminKey, { name: 'everything', scopes: ['inboxes:write', 'messages:read', 'messages:send', 'webhooks:manage', 'vault:write', 'vault:reveal', 'vault:totp'] });
    const key: string = minted.json.key;
    secrets.push(key);

    const inbox = (await call('POST', '/v1/inboxes', key, { localPart: 'logged' })).json;
    const receiver = await startReceiver((n) => ({ status: n === 0 ? 500 : 200, body: 'receiver body must not be logged either' }));
    const hook = (await call('POST', '/v1/webhooks', key, { url: receiver.url, events: ['message.received'] })).json;
    secrets.push(hook.secret, (await call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, key)).json.secret);

    const password = 'hunter2-vault-password-7f3a';
    const seed = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await call('PUT', `/v1/inboxes/${inbox.id}/vault/site`, key, { type: 'login', username: 'ada', password, totp: { seed } });
    await call('GET', `/v1/inboxes/${inbox.id}/vault/site?reveal=true`, key);
    const totp = (await call('GET', `/v1/inboxes/${inbox.id}/vault/site/totp`, key)).json;
    secrets.push(password, seed);

    const bodyMarker = 'body-marker-9c1e';
    const code = '482913';
    await nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true }).sendMail({
      from: 'sender@example.com',
      to: inbox.address,
      subject: `Your code is ${code}`,
      text: `Hello ${bodyMarker}. Your verification code is ${code}.`,
      html: `<p>Hello ${bodyMarker}</p>`,
    });
    await stack.drain();
    await receiver.waitFor(2);
    await stack.webhooksIdle();
    const [message] = (await call('GET', `/v1/inboxes/${inbox.id}/messages`, key)).json.data;
    await call('GET', `/v1/inboxes/${inbox.id}/messages/${message.id}`, key);
    await call('POST', `/v1/inboxes/${inbox.id}/messages`, key, { to: ['ada@elsewhere.example'], subject: 'Sent', text: `sent ${bodyMarker}` });
    await call('POST', '/v1/inboxes', key, '{"localPart": ');
    await call('GET', '/v1/inboxes', `${key.slice(0, -4)}XXXX`);
    secrets.push(bodyMarker, code, totp.code, 'receiver body must not be logged either');
    await receiver.close();

    const log = lines.join('\n');
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.message === 'request');
    expect(requests.length).toBeGreaterThan(10);
    expect(requests).toContainEqual(expect.objectContaining({ requestId: expect.any(String), orgId: 'org_default', route: '/v1/inboxes', status: 201 }));
    expect(requests).toContainEqual(expect.objectContaining({ status: 400 }));
    expect(requests).toContainEqual(expect.objectContaining({ status: 401, orgId: null }));
    expect(lines.some((l) => l.includes('mail ingested'))).toBe(true);
    for (const secret of secrets) expect({ secret, found: log.includes(secret) }).toEqual({ secret, found: false });
    expect(log).not.toMatch(/mr_[0-9A-Za-z]{20}/);
    expect(log).not.toMatch(/whsec_/);
  });
});
