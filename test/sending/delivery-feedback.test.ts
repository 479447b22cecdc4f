import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from '../../lambdas/core/jobs';
import { jobFromQueueMessage } from '../../lambdas/handlers/queue-message';
import type { Item } from '../../lambdas/ports';
import type { apiCaller } from '../support/api-client';
import { withApi } from '../support/api-under-test';
import type { Backends } from '../support/backends';
import { startReceiver } from '../support/webhook-receiver';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;

withApi(['inboxes:write', 'messages:read', 'messages:send', 'webhooks:manage'], (api) => ({ backends, call, key } = api));

/** An SES event from the fixtures about the message SES knows as `sesMessageId`, as the job queue receives it from EventBridge. */
async function sesReports(fixture: string, sesMessageId: string): Promise<void> {
  const body = readFileSync(join(__dirname, '../fixtures/ses-events', `${fixture}.json`), 'utf8').replace('MESSAGE_ID', sesMessageId);
  await runJob(backends.deps, jobFromQueueMessage(body));
}

async function sentMessage(localPart: string, to: string[]) {
  const inbox = (await call('POST', '/v1/inboxes', { key, body: { localPart } })).json;
  const sent = (await call('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { to, subject: 'Hello', text: 'hi' } })).json;
  const item = await backends.deps.table.get<Item & { sesMessageId: string }>({ pk: `O#org_default#I#${inbox.id}`, sk: `M#${sent.id}` });
  return { inbox, sent, sesMessageId: item!.sesMessageId };
}

const status = async (inboxId: string, messageId: string) => (await call('GET', `/v1/inboxes/${inboxId}/messages/${messageId}`, { key })).json.delivery;

describe('SES’s reports on sent mail', () => {
  it('mark the message delivered, then bounced, never back; announce each; suppress the hard-bounced address', async () => {
    const receiver = await startReceiver();
    await call('POST', '/v1/webhooks', { key, body: { url: receiver.url, events: ['message.delivered', 'message.bounced'] } });
    const { inbox, sent, sesMessageId } = await sentMessage('feedback-bounce', ['ada@elsewhere.example', 'grace@elsewhere.example']);

    await sesReports('delivery', sesMessageId);
    expect(await status(inbox.id, sent.id)).toBe('delivered');
    await sesReports('bounce-transient', sesMessageId);
    expect(await status(inbox.id, sent.id)).toBe('delivered');
    await sesReports('bounce-permanent', sesMessageId);
    await sesReports('bounce-permanent', sesMessageId);
    await sesReports('delivery', sesMessageId);
    expect(await status(inbox.id, sent.id)).toBe('bounced');

    await backends.jobs.idle();
    const events = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { id: string; recipients: string[]; detail: string | null } });
    expect(events.map((e) => [e.type, e.data.id, e.data.recipients])).toEqual([
      ['message.delivered', sent.id, ['ada@elsewhere.example']],
      ['message.bounced', sent.id, ['grace@elsewhere.example']],
    ]);
    expect(events[1].data.detail).toBe('smtp; 550 5.1.1 user unknown');

    const suppressions = (await call('GET', '/v1/suppressions', { key })).json.data;
    expect(suppressions).toEqual([{ address: 'grace@elsewhere.example', reason: 'hard_bounce', at: '2026-11-25T10:00:06.000Z', messageId: sent.id }]);
    const again = await call('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { to: ['GRACE@elsewhere.example'], subject: 'x', text: 'x' } });
    expect(again.status).toBe(422);
    expect(again.json.error.details.refused).toEqual([{ address: 'grace@elsewhere.example', reason: 'on the org’s suppression list (hard bounce on 2026-11-25)' }]);
    await receiver.close();
  });

  it('mark a complaint, suppress the complainant, and can be undone by removing the suppression', async () => {
    const { inbox, sent, sesMessageId } = await sentMessage('feedback-complaint', ['ada@elsewhere.example']);
    await sesReports('complaint', sesMessageId);
    expect(await status(inbox.id, sent.id)).toBe('complained');
    const refused = await call('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { to: ['ada@elsewhere.example'], subject: 'x', text: 'x' } });
    expect(refused.status).toBe(422);
    expect((await call('DELETE', '/v1/suppressions/ada@elsewhere.example', { key })).status).toBe(204);
    expect((await call('DELETE', '/v1/suppressions/ada@elsewhere.example', { key })).status).toBe(404);
    expect((await call('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { to: ['ada@elsewhere.example'], subject: 'x', text: 'x' } })).status).toBe(201);
  });

  it('about mail Mailroom did not send change nothing and fail nothing', async () => {
    await expect(sesReports('bounce-permanent', 'not-a-mailroom-message')).resolves.toBeUndefined();
    expect(backends.logs.some((l) => l.message.startsWith('SES event for a message Mailroom does not know'))).toBe(true);
  });
});
