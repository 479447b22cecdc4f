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
  ({ call, key: key } = await apiWithKey(backends, ['inboxes:write', 'messages:read']));
});
afterAll(() => backends.stop());

async function newInbox() {
  return (await call('POST', '/v1/inboxes', { key, body: {} })).json as { id: string; address: string };
}

const mail = (to: string, subject: string, from = 'Robot <noreply@service.example>') => compose({ to, from, subject, text: `${subject} body` });

describe('POST /v1/inboxes/{inboxId}/wait', () => {
  it('answers at once with the newest matching message when it is already there', async () => {
    const inbox = await newInbox();
    await deliver(backends.deps, await mail(inbox.address, 'Your code is 123456'), [inbox.address]);
    const res = await call('POST', `/v1/inboxes/${inbox.id}/wait`, { key, body: { subjectContains: 'your CODE' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ timedOut: false, message: { subject: 'Your code is 123456', extracted: { codes: ['123456'] } } });
  });

  it('returns a message that arrives while it waits', async () => {
    const inbox = await newInbox();
    const since = new Date().toISOString();
    const waiting = call('POST', `/v1/inboxes/${inbox.id}/wait`, { key, body: { from: 'noreply@service.example', since, timeoutSeconds: 10 } });
    await new Promise((r) => setTimeout(r, 700));
    await deliver(backends.deps, await mail(inbox.address, 'arrived later'), [inbox.address]);
    const res = await waiting;
    expect(res.json).toMatchObject({ timedOut: false, message: { subject: 'arrived later' } });
  });

  it('skips messages that do not match the sender, subject or time', async () => {
    const inbox = await newInbox();
    const twoDaysAgo = new Date(Date.now() - 2 * 86400_000).toISOString();
    const yesterday = new Date(Date.now() - 86400_000).toISOString();
    await deliver(backends.deps, await mail(inbox.address, 'old news', 'Alice <alice@example.com>'), [inbox.address], { timestamp: twoDaysAgo });
    await deliver(backends.deps, await mail(inbox.address, 'newsletter', 'Bob <bob@example.com>'), [inbox.address]);
    const wait = (body: Record<string, unknown>) => call('POST', `/v1/inboxes/${inbox.id}/wait`, { key, body: { timeoutSeconds: 0, ...body } });
    expect((await wait({ from: 'ALICE' })).json.message.subject).toBe('old news');
    expect((await wait({ from: 'alice', since: yesterday })).json).toEqual({ timedOut: true, message: null });
    expect((await wait({ from: 'bob', subjectContains: 'invoice' })).json.timedOut).toBe(true);
    expect((await wait({})).json.message.subject).toBe('newsletter');
    expect((await wait({ from: 'alice', since: '1969-07-20T20:17:00Z' })).json.message.subject).toBe('old news');
  });

  it('answers timedOut after the timeout when nothing arrives', async () => {
    const inbox = await newInbox();
    const started = Date.now();
    const res = await call('POST', `/v1/inboxes/${inbox.id}/wait`, { key, body: { timeoutSeconds: 1 } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ timedOut: true, message: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('refuses a timeout beyond 25 seconds and unknown inboxes', async () => {
    const inbox = await newInbox();
    expect((await call('POST', `/v1/inboxes/${inbox.id}/wait`, { key, body: { timeoutSeconds: 26 } })).status).toBe(400);
    expect((await call('POST', '/v1/inboxes/inb_01JZZZZZZZZZZZZZZZZZZZZZZZ/wait', { key, body: {} })).status).toBe(404);
  });
});
