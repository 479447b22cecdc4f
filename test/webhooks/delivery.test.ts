import { Webhook as StandardWebhook } from 'standardwebhooks';
import { generateApiKey } from '../../lambdas/core/api-keys';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { signatureHeader } from '../../lambdas/core/webhook-delivery';
import { DEFAULT_ORG_ID, webhookKey } from '../../lambdas/core/table-keys';
import { processSesEvent } from '../../lambdas/handlers/process-ses-event';
import { createApi } from '../../lambdas/http/api';
import { apiCaller } from '../support/api-client';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';
import { startReceiver, type Answer } from '../support/webhook-receiver';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;
const receivers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  backends = await startBackends();
  call = apiCaller(createApi(backends.deps, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' }));
  key = generateApiKey();
  await registerApiKey(backends.deps, { key, orgId: DEFAULT_ORG_ID, name: 'hooks', scopes: ['admin'] });
});
afterAll(async () => {
  for (const r of receivers) await r.close();
  await backends.stop();
});

async function receiver(answer?: (n: number) => Answer) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function endpoint(url: string, body: Record<string, unknown> = {}) {
  const res = await call('POST', '/v1/webhooks', { key, body: { url, events: ['message.received'], ...body } });
  expect(res.status).toBe(201);
  return res.json as { id: string; secret: string };
}

async function inboxWithMail(subject = 'hello') {
  const inbox = (await call('POST', '/v1/inboxes', { key, body: {} })).json;
  const raw = await compose({ to: inbox.address, subject, text: 'body' });
  const { result, event } = await deliver(backends.deps, raw, [inbox.address]);
  return { inbox, messageId: result.stored[0].messageId as string, sesEvent: event };
}

const deliveries = async (webhookId: string) => (await call('GET', `/v1/webhooks/${webhookId}/deliveries`, { key })).json.data;

describe('webhook delivery', () => {
  it('retries a failing endpoint until it succeeds: six attempts, one webhook-id, every signature valid', async () => {
    // Prepare
    const target = await receiver((n) => (n < 5 ? { status: 500 } : { status: 200 }));
    const hook = await endpoint(target.url);

    // Act
    const { messageId } = await inboxWithMail('retried');
    const received = await target.waitFor(6);
    await backends.jobs.idle();

    // Assess
    expect(received).toHaveLength(6);
    const verifier = new StandardWebhook(hook.secret);
    for (const r of received) {
      expect(r.headers['webhook-id']).toBe(received[0].headers['webhook-id']);
      const payload = verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: { id: string; subject: string } };
      expect(payload).toMatchObject({ type: 'message.received', data: { id: messageId, subject: 'retried' } });
    }
    const [delivery] = await deliveries(hook.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attemptCount: 6, nextAttemptAt: null, eventId: received[0].headers['webhook-id'] });
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 500, 500, 500, 200]);
  });

  it('reproduces the Standard Webhooks test vector', () => {
    const signature = signatureHeader(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), '{"test": 2432232314}');
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('delivers each event once per endpoint even when the parser runs twice', async () => {
    const target = await receiver();
    await endpoint(target.url);
    const { sesEvent } = await inboxWithMail('twice');
    await backends.jobs.idle();
    await processSesEvent(backends.deps, sesEvent);
    await backends.jobs.idle();
    expect(target.received).toHaveLength(1);
  });

  it('sends only the subscribed events for the chosen inboxes', async () => {
    const target = await receiver();
    const { inbox: watched } = await inboxWithMail('before');
    await backends.jobs.idle();
    await endpoint(target.url, { inboxIds: [watched.id] });
    await inboxWithMail('another inbox');
    const raw = await compose({ to: watched.address, subject: 'watched', text: 'x' });
    await deliver(backends.deps, raw, [watched.address]);
    await backends.jobs.idle();
    expect(target.received.map((r) => JSON.parse(r.body).data.subject)).toEqual(['watched']);
  });

  it('turns an endpoint off when it answers 410 Gone, and records why in the audit log', async () => {
    const target = await receiver(() => ({ status: 410 }));
    const hook = await endpoint(target.url);
    await inboxWithMail('gone');
    await backends.jobs.idle();
    await inboxWithMail('after gone');
    await backends.jobs.idle();

    expect(target.received).toHaveLength(1);
    const state = (await call('GET', `/v1/webhooks/${hook.id}`, { key })).json;
    expect(state).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410 Gone' });
    expect((await deliveries(hook.id))[0]).toMatchObject({ status: 'failed', attemptCount: 1 });
    const audit = (await call('GET', '/v1/audit-events', { key, query: { action: 'webhook.disabled' } })).json.data;
    expect(audit[0]).toMatchObject({ actor: { type: 'system', id: 'webhook-delivery' }, target: { id: hook.id } });
  });

  it('turns an endpoint off when it answers 410 Gone to a test event, and records why in the audit log', async () => {
    const target = await receiver(() => ({ status: 410 }));
    const hook = await endpoint(target.url);

    const test = await call('POST', `/v1/webhooks/${hook.id}/test`, { key });

    expect(test.json).toMatchObject({ status: 'failed', eventType: 'webhook.test', attempts: [expect.objectContaining({ trigger: 'manual', statusCode: 410 })] });
    const state = (await call('GET', `/v1/webhooks/${hook.id}`, { key })).json;
    expect(state).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410 Gone' });
    const audit = (await call('GET', '/v1/audit-events', { key, query: { action: 'webhook.disabled' } })).json.data;
    expect(audit[0]).toMatchObject({ target: { id: hook.id }, details: expect.objectContaining({ reason: 'the endpoint answered 410 Gone' }) });
    // Disabled, it gets no more events.
    await inboxWithMail('after the test');
    await backends.jobs.idle();
    expect(target.received).toHaveLength(1);
  });

  it('turns an endpoint off when it answers 410 Gone to a manual retry', async () => {
    let gone = false;
    const target = await receiver(() => ({ status: gone ? 410 : 200 }));
    const hook = await endpoint(target.url);
    await inboxWithMail('delivered, then replayed');
    await backends.jobs.idle();
    const [delivered] = await deliveries(hook.id);
    expect(delivered).toMatchObject({ status: 'succeeded' });

    gone = true;
    const replay = await call('POST', `/v1/webhooks/${hook.id}/deliveries/${delivered.id}/retry`, { key });

    expect(replay.json.attempts.at(-1)).toMatchObject({ trigger: 'manual', statusCode: 410 });
    const state = (await call('GET', `/v1/webhooks/${hook.id}`, { key })).json;
    expect(state).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410 Gone' });
  });

  it('treats a redirect as a failure and does not follow it', async () => {
    const elsewhere = await receiver();
    const target = await receiver((n) => (n === 0 ? { status: 302, headers: { location: elsewhere.url } } : { status: 200 }));
    const hook = await endpoint(target.url);
    await inboxWithMail('moved');
    await target.waitFor(2);
    await backends.jobs.idle();
    expect(elsewhere.received).toHaveLength(0);
    expect((await deliveries(hook.id))[0].attempts[0]).toMatchObject({ statusCode: 302, error: 'redirects are not followed' });
  });

  it('turns off an endpoint that has failed for 5 days without a success', async () => {
    const target = await receiver(() => ({ status: 500 }));
    const hook = await endpoint(target.url);
    const sixDaysAgo = new Date(Date.now() - 6 * 24 * 3600_000).toISOString();
    await backends.deps.table.update(webhookKey(DEFAULT_ORG_ID, hook.id), { failingSince: sixDaysAgo });

    await inboxWithMail('still failing');
    await backends.jobs.idle();

    expect(target.received).toHaveLength(1);
    const state = (await call('GET', `/v1/webhooks/${hook.id}`, { key })).json;
    expect(state).toMatchObject({ enabled: false, disabledReason: 'every attempt failed for 5 days', failingSince: sixDaysAgo });
    expect((await deliveries(hook.id))[0]).toMatchObject({ status: 'failed', attemptCount: 1 });
  });

  it('waits as long as Retry-After asks on 429 and 503', async () => {
    const target = await receiver((n) => (n === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 }));
    await endpoint(target.url);
    await inboxWithMail('busy');
    const [first, second] = await target.waitFor(2);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
  });

  it('counts an endpoint that does not answer in time as a failure', async () => {
    const target = await receiver((n) => (n === 0 ? 'hang' : { status: 200 }));
    const hook = await endpoint(target.url);
    await inboxWithMail('slow');
    await target.waitFor(2);
    await backends.jobs.idle();
    const [delivery] = await deliveries(hook.id);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringContaining('no response within') });
  });

  it('keeps a delivery that failed every attempt, and replays it on request with the same webhook-id', async () => {
    let up = false;
    const target = await receiver(() => ({ status: up ? 200 : 502 }));
    const hook = await endpoint(target.url);
    await inboxWithMail('replayed');
    await target.waitFor(9);
    // The receiver can count an attempt before its record is written (queues deliver at least once, and a job that
    // failed is tried again seconds later), so the record is what is waited for.
    let [failed] = await deliveries(hook.id);
    for (const deadline = Date.now() + 15_000; failed.status === 'pending' && Date.now() < deadline; [failed] = await deliveries(hook.id)) {
      await backends.jobs.idle();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(failed).toMatchObject({ status: 'failed', attemptCount: 9 });

    up = true;
    const replay = await call('POST', `/v1/webhooks/${hook.id}/deliveries/${failed.id}/retry`, { key });

    expect(replay.status).toBe(201);
    expect(replay.json).toMatchObject({ status: 'succeeded', attemptCount: 10 });
    expect(replay.json.attempts.at(-1)).toMatchObject({ trigger: 'manual', statusCode: 200 });
    expect(target.received[9].headers['webhook-id']).toBe(target.received[0].headers['webhook-id']);
  });

  it('signs with both the new and the old secret for a day after rotation', async () => {
    const target = await receiver();
    const hook = await endpoint(target.url);
    const rotated = await call('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { key });
    const test = await call('POST', `/v1/webhooks/${hook.id}/test`, { key });

    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(hook.secret);
    expect(test.json).toMatchObject({ status: 'succeeded', eventType: 'webhook.test' });
    const [request] = target.received;
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [rotated.json.secret, hook.secret]) {
      expect(() => new StandardWebhook(secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    }
  });
});
