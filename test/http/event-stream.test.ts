import type { APIGatewayProxyEvent } from 'aws-lambda';
import { generateApiKey } from '../../lambdas/core/api-keys';
import type { Scope } from '../../lambdas/core/auth';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { eventLogItem, type EventLogItem } from '../../lambdas/core/events/event-log';
import { DEFAULT_ORG_ID, eventLogPrefix } from '../../lambdas/core/table-keys';
import { dynamoItemSize } from '../../lambdas/local/embedded/dynamodb-item-size';
import { createApi } from '../../lambdas/http/api';
import type { ApiResult } from '../../lambdas/http/api-core';
import { apiCaller } from '../support/api-client';
import { startBackends, type Backends } from '../support/backends';
import { eventFrames, readFrames, type SseFrame } from '../support/event-stream';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

/**
 * The route as API Gateway's streaming integration calls it, on DynamoDB Local, with events logged by the
 * dispatcher as on AWS (a short settle time keeps the suite quick).
 */
let backends: Backends;
let api: ReturnType<typeof createApi>;
let call: ReturnType<typeof apiCaller>;
let key: string;

beforeAll(async () => {
  backends = await startBackends({ eventSettleMs: 150 });
  api = createApi(backends.deps, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' });
  call = apiCaller(api);
  key = await keyWith(['inboxes:write', 'inboxes:read', 'messages:read', 'messages:send']);
});
afterAll(() => backends.stop());

async function keyWith(scopes: Scope[], inboxIds?: string[], orgId = DEFAULT_ORG_ID) {
  const k = generateApiKey();
  await registerApiKey(backends.deps, { key: k, orgId, name: scopes.join(' '), scopes, inboxIds });
  return k;
}

function open(query: Record<string, string> = {}, headers: Record<string, string> = {}, as = key): Promise<ApiResult> {
  return api({
    httpMethod: 'GET',
    path: '/v1/events',
    headers: { Authorization: `Bearer ${as}`, ...headers },
    queryStringParameters: Object.keys(query).length ? query : null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: `req-${Math.random().toString(36).slice(2)}`, identity: { sourceIp: '198.51.100.7' } },
  } as unknown as APIGatewayProxyEvent);
}

async function events(result: ApiResult, count: number): Promise<SseFrame[]> {
  expect({ status: result.statusCode, stream: Boolean(result.stream), body: result.body }).toMatchObject({ status: 200, stream: true });
  return eventFrames(await readFrames(result.stream!, (e) => e.length >= count, 10_000));
}

const newInbox = async () => (await call('POST', '/v1/inboxes', { key, body: {} })).json as { id: string; address: string };
const receive = async (to: string, subject: string, from = 'sender@example.com') =>
  (await deliver(backends.deps, await compose({ to, from, subject, text: subject }), [to])).result.stored[0].messageId;

describe('GET /v1/events (Server-Sent Events)', () => {
  it('streams each event logged after it opened, in order, as webhooks carry them, with an id to resume from', async () => {
    const inbox = await newInbox();
    const stream = await open({ inboxIds: inbox.id });
    expect(stream.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
    expect(stream.headers).not.toHaveProperty('content-disposition');
    const reading = events(stream, 3);
    const ids = [await receive(inbox.address, 'one'), await receive(inbox.address, 'two'), await receive(inbox.address, 'three')];
    const seen = await reading;

    expect(seen.map((f) => [f.event, f.data.data.id])).toEqual(ids.map((id) => ['message.received', id]));
    expect(seen[0].data).toMatchObject({ id: expect.stringMatching(/^evt_/), type: 'message.received', inboxId: inbox.id, data: { subject: 'one', inboxId: inbox.id } });
    expect(seen.map((f) => f.id)).toEqual([...seen.map((f) => f.id!)].sort());
    expect(seen[0].id).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z#evt_\w{26}$/);
  });

  it('resumes after Last-Event-ID (header or query) with the next event, without a gap or a repeat', async () => {
    const inbox = await newInbox();
    const first = await open({ inboxIds: inbox.id });
    const reading = events(first, 4);
    for (const subject of ['a', 'b', 'c', 'd']) await receive(inbox.address, subject);
    const all = await reading;

    const resumed = await events(await open({ inboxIds: inbox.id }, { 'Last-Event-ID': all[1].id! }), 2);
    expect(resumed.map((f) => f.data.data.subject)).toEqual(['c', 'd']);
    const byQuery = await events(await open({ inboxIds: inbox.id, lastEventId: all[2].id! }), 1);
    expect(byQuery.map((f) => f.data.data.subject)).toEqual(['d']);
    // From a time: everything logged since; from before the 72 hours the log keeps: everything it still has.
    const fromTime = await events(await open({ inboxIds: inbox.id }, { 'Last-Event-ID': all[0].id!.split('#')[0] }), 4);
    expect(fromTime.map((f) => f.data.data.subject)).toEqual(['a', 'b', 'c', 'd']);
    const fromLongAgo = await events(await open({ inboxIds: inbox.id }, { 'Last-Event-ID': '2020-01-01T00:00:00.000Z' }), 4);
    expect(fromLongAgo.map((f) => f.data.data.subject)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('sends only the types and inboxes asked for, and only inboxes an inbox-restricted key sees', async () => {
    const mine = await newInbox();
    const other = await newInbox();
    const restricted = await keyWith(['messages:read'], [mine.id]);
    const everything = events(await open(), 3);
    const restrictedReading = events(await open({}, {}, restricted), 2);
    const sentOnly = events(await open({ types: 'message.sent' }), 1);

    await receive(other.address, 'not for the restricted key');
    await receive(mine.address, 'for it');
    const sent = await call('POST', `/v1/inboxes/${mine.id}/messages`, { key, body: { to: ['friend@elsewhere.example'], subject: 'sent', text: 'sent' } });
    expect(sent.status).toBe(201);

    expect((await everything).map((f) => [f.event, f.data.data.subject])).toEqual([
      ['message.received', 'not for the restricted key'],
      ['message.received', 'for it'],
      ['message.sent', 'sent'],
    ]);
    expect((await restrictedReading).map((f) => [f.event, f.data.inboxId])).toEqual([
      ['message.received', mine.id],
      ['message.sent', mine.id],
    ]);
    expect((await sentOnly).map((f) => f.data.data.id)).toEqual([sent.json.id]);
  });

  it('announces no blocked mail', async () => {
    const inbox = await newInbox();
    await call('POST', `/v1/inboxes/${inbox.id}/rules`, { key, body: { direction: 'receiving', action: 'block', match: 'spam.example' } });
    const reading = events(await open({ inboxIds: inbox.id }), 1);
    await receive(inbox.address, 'blocked', 'offers@spam.example');
    await receive(inbox.address, 'welcome', 'friend@ham.example');
    expect((await reading).map((f) => f.data.data.subject)).toEqual(['welcome']);
  });

  it('refuses what it cannot stream with the API’s errors, before any stream begins', async () => {
    const inbox = await newInbox();
    const refusal = async (result: ApiResult) => ({ status: result.statusCode, code: JSON.parse(result.body).error.code, stream: result.stream });
    expect(await refusal(await open({}, { 'Last-Event-ID': 'yesterday' }))).toEqual({ status: 400, code: 'validation_error', stream: undefined });
    expect(await refusal(await open({ types: 'message.read' }))).toMatchObject({ status: 400, code: 'validation_error' });
    expect(await refusal(await open({ inboxIds: 'inb_01JZZZZZZZZZZZZZZZZZZZZZZZ' }))).toMatchObject({ status: 400, code: 'validation_error' });
    expect(await refusal(await open({ inboxIds: 'not-an-id' }))).toMatchObject({ status: 400, code: 'validation_error' });
    expect(await refusal(await open({}, {}, await keyWith(['inboxes:read'])))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await refusal(await open({ inboxIds: inbox.id }, {}, await keyWith(['messages:read'], [(await newInbox()).id])))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await refusal(await open({ inboxIds: inbox.id }, {}, await keyWith(['messages:read'], undefined, 'org_other')))).toMatchObject({ status: 400, code: 'validation_error' });
    expect(await refusal(await open({}, { Authorization: 'Bearer mr_nope' }))).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('starts a stream with the reconnect delay and a comment, before any event', async () => {
    const stream = await open();
    const frames = await readFrames(stream.stream!, () => false, 400);
    expect(frames[0]).toEqual({ retry: 500, comment: 'connected' });
  });

  it('forgets the events of a deleted inbox with its mail', async () => {
    const inbox = await newInbox();
    const reading = events(await open({ inboxIds: inbox.id }), 1);
    await receive(inbox.address, 'gone soon');
    const [seen] = await reading;
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}`, { key })).status).toBe(204);
    const before = `${new Date(Date.parse(seen.id!.split('#')[0]) - 1).toISOString()}#evt_00000000000000000000000000`;
    const after = eventFrames(await readFrames((await open({}, { 'Last-Event-ID': before })).stream!, () => false, 1500));
    expect(after.filter((f) => f.data.inboxId === inbox.id)).toEqual([]);
  });

  describe('its log', () => {
    const entriesOf = async (inboxId: string) =>
      (await backends.deps.table.query<EventLogItem>({ ...eventLogPrefix(DEFAULT_ORG_ID), limit: 1000 })).items.filter((item) => item.inboxId === inboxId || item.event?.inboxId === inboxId);

    it('keeps a received message’s event gzipped, in an entry under the kilobyte one write unit covers', async () => {
      const inbox = await newInbox();
      const reading = events(await open({ inboxIds: inbox.id }), 1);
      const text = 'Your verification code is 482913. It expires in ten minutes. If you did not ask for it, ignore this message. '.repeat(4);
      const mail = await compose({ to: inbox.address, from: 'Someone With A Name <someone.with.a.name@example.com>', subject: 'Your verification code for the account you opened today', text });
      await deliver(backends.deps, mail, [inbox.address]);
      const [seen] = await reading;

      const [entry] = await entriesOf(inbox.id);
      expect(entry).toMatchObject({ type: 'event', inboxId: inbox.id, packed: expect.any(Uint8Array) });
      expect(entry.event).toBeUndefined();
      expect(dynamoItemSize({ ...entry, packed: undefined, event: seen.data })).toBeGreaterThan(1024);
      expect(dynamoItemSize(entry)).toBeLessThanOrEqual(1024);
    });

    it('streams entries logged before events were packed (the event as a map), and deletes them with their inbox', async () => {
      const inbox = await newInbox();
      const at = new Date();
      const event = { id: `evt_01JZ${'0'.repeat(22)}`, type: 'message.received', timestamp: at.toISOString(), orgId: DEFAULT_ORG_ID, inboxId: inbox.id, data: { id: 'msg_old', subject: 'logged plain' } };
      const entry: Record<string, unknown> = { ...eventLogItem(event, at), event };
      delete entry.packed;
      delete entry.inboxId;
      await backends.deps.table.put(entry as EventLogItem);

      const before = `${new Date(at.getTime() - 1).toISOString()}#evt_00000000000000000000000000`;
      const seen = await events(await open({ inboxIds: inbox.id }, { 'Last-Event-ID': before }), 1);
      // A stream's events leave out the org, which its key already names.
      expect(seen.map((f) => [f.event, f.data])).toEqual([['message.received', { ...event, orgId: undefined }]]);

      expect((await call('DELETE', `/v1/inboxes/${inbox.id}`, { key })).status).toBe(204);
      expect(await entriesOf(inbox.id)).toEqual([]);
    });
  });
});
