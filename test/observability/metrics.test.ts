import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from '../../lambdas/core/jobs';
import { METRIC } from '../../lambdas/core/metric-names';
import { jobFromQueueMessage } from '../../lambdas/handlers/queue-message';
import type { Item } from '../../lambdas/ports';
import type { apiCaller } from '../support/api-client';
import { withApi } from '../support/api-under-test';
import type { Backends } from '../support/backends';
import { deliver } from '../support/ses';
import { startReceiver } from '../support/webhook-receiver';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;

withApi(['inboxes:write', 'messages:read', 'messages:send', 'webhooks:manage'], (api) => ({ backends, call, key } = api));

const email = (name: string) => readFileSync(join(__dirname, '../fixtures/emails', name));

/** Runs `act` and returns how much each named metric's count grew meanwhile. */
async function growth(names: (typeof METRIC)[keyof typeof METRIC][], act: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = names.map((n) => backends.metrics.total(n));
  await act();
  return Object.fromEntries(names.map((n, i) => [n, backends.metrics.total(n) - before[i]]));
}

describe('what the pipeline counts for dashboards and alarms', () => {
  it('counts each inbound copy stored once, even when SES hands the same mail over twice, and times each parse', async () => {
    const timed = backends.metrics.timings(METRIC.parseLatency).length;
    const counted = await growth([METRIC.messagesReceived, METRIC.parseFailures], async () => {
      const { messageId, event } = await deliver(backends.deps, email('plain-text.eml'), ['counted@mailroom.test', 'counted-too@mailroom.test']);
      const timestamp = event.Records[0].ses.mail.timestamp;
      await deliver(backends.deps, email('plain-text.eml'), ['counted@mailroom.test', 'counted-too@mailroom.test'], { messageId, timestamp });
    });
    expect(counted).toEqual({ [METRIC.messagesReceived]: 2, [METRIC.parseFailures]: 0 });
    expect(backends.metrics.timings(METRIC.parseLatency).length).toBe(timed + 2);
  });

  it('counts mail stored with a parse error, mail SES flagged as a virus, and recipients with no inbox', async () => {
    const counted = await growth([METRIC.parseFailures, METRIC.messagesQuarantined, METRIC.messagesDropped, METRIC.messagesReceived], async () => {
      await deliver(backends.deps, email('malformed-boundary-never-appears.eml'), ['broken@mailroom.test']);
      await deliver(backends.deps, email('plain-text.eml'), ['infected@mailroom.test'], { verdicts: { virus: 'FAIL' } });
      await deliver(backends.deps, email('plain-text.eml'), ['nobody@agents.example', 'no-one@agents.example']);
    });
    expect(counted).toEqual({ [METRIC.parseFailures]: 1, [METRIC.messagesQuarantined]: 1, [METRIC.messagesDropped]: 2, [METRIC.messagesReceived]: 2 });
  });

  it('counts webhook attempts with their successes and failures', async () => {
    const receiver = await startReceiver((n) => ({ status: n === 0 ? 500 : 204 }));
    await call('POST', '/v1/webhooks', { key, body: { url: receiver.url, events: ['message.received'] } });
    const counted = await growth([METRIC.webhookAttempts, METRIC.webhookSuccesses, METRIC.webhookFailures], async () => {
      await deliver(backends.deps, email('plain-text.eml'), ['hooked@mailroom.test']);
      await receiver.waitFor(2);
      await backends.jobs.idle();
    });
    expect(counted).toEqual({ [METRIC.webhookAttempts]: 2, [METRIC.webhookSuccesses]: 1, [METRIC.webhookFailures]: 1 });
    await receiver.close();
  });

  it('counts sends, sends the guardrails refuse, and what SES reports back', async () => {
    const created = await call('POST', '/v1/inboxes', { key, body: { localPart: 'metered', sending: { dailyLimit: null, allowList: [], blockList: ['blocked.example'] } } });
    expect(created.status).toBe(201);
    const inbox = created.json;
    const counted = await growth([METRIC.messagesSent, METRIC.sendsRefused, METRIC.bounces], async () => {
      const sent = (await call('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { to: ['ada@elsewhere.example'], subject: 'Hi', text: 'hi' } })).json;
      const refused = await call('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { to: ['eve@blocked.example'], subject: 'Hi', text: 'hi' } });
      expect(refused.status).toBe(422);
      const item = await backends.deps.table.get<Item & { sesMessageId: string }>({ pk: `O#org_default#I#${inbox.id}`, sk: `M#${sent.id}` });
      const report = readFileSync(join(__dirname, '../fixtures/ses-events/bounce-permanent.json'), 'utf8').replace('MESSAGE_ID', item!.sesMessageId);
      await runJob(backends.deps, jobFromQueueMessage(report));
      await runJob(backends.deps, jobFromQueueMessage(report));
    });
    expect(counted).toEqual({ [METRIC.messagesSent]: 1, [METRIC.sendsRefused]: 1, [METRIC.bounces]: 1 });
  });
});
