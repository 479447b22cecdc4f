import { generateApiKey } from '../../lambdas/core/api-keys';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { blobKeys, DEFAULT_ORG_ID, messageContentKey } from '../../lambdas/core/table-keys';
import { createApi } from '../../lambdas/http/api';
import { JOBS_PARTITION } from '../../lambdas/local/local-job-queue';
import { routes } from '../../lambdas/http/routes';
import { apiCaller, type CallResult } from '../support/api-client';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';
import { watchStoreCalls } from '../support/store-calls';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let admin: string;
let otherOrgKey: string;
let readOnlyKey: string;

beforeAll(async () => {
  backends = await startBackends();
  call = apiCaller(createApi(backends.deps, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' }));
  admin = generateApiKey();
  otherOrgKey = generateApiKey();
  readOnlyKey = generateApiKey();
  await registerApiKey(backends.deps, { key: admin, orgId: DEFAULT_ORG_ID, name: 'admin', scopes: ['admin'] });
  await registerApiKey(backends.deps, { key: otherOrgKey, orgId: 'org_other', name: 'other', scopes: ['admin'] });
  await registerApiKey(backends.deps, { key: readOnlyKey, orgId: DEFAULT_ORG_ID, name: 'reader', scopes: ['inboxes:read', 'messages:read'] });
});
afterAll(() => backends.stop());

const expectError = (res: CallResult, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.json).toEqual({ error: { code, message: expect.any(String), requestId: res.headers['x-request-id'], ...(res.json.error.details ? { details: expect.anything() } : {}) } });
};

async function inboxWithMail(localPart: string, count = 1) {
  const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart } })).json;
  const messageIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const raw = await compose({
      to: inbox.address,
      subject: `message ${i}`,
      text: `body ${i}`,
      attachments: [{ filename: 'notes ü.txt', content: `attachment ${i}` }],
    });
    const { result } = await deliver(backends.deps, raw, [inbox.address]);
    messageIds.push(result.stored[0].messageId);
  }
  return { inbox, messageIds };
}

describe('the REST API', () => {
  describe('conventions', () => {
    it('answers health and the OpenAPI document without a key', async () => {
      const health = await call('GET', '/v1/health');
      expect(health.status).toBe(200);
      expect(health.json).toEqual({ status: 'ok', version: '0.0.0-test' });
      expect(health.headers['x-request-id']).toBeTruthy();
      const openapi = await call('GET', '/v1/openapi.json');
      expect(openapi.json.openapi).toBe('3.1.0');
    });

    it('describes every route in the OpenAPI document', async () => {
      const { json } = await call('GET', '/v1/openapi.json');
      for (const r of routes) expect(json.paths[r.path]?.[r.method.toLowerCase()]).toBeDefined();
      expect(json.paths['/v1/inboxes'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('localPart');
      expect(json.paths['/v1/inboxes/{inboxId}/messages'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(['inboxId', 'limit', 'cursor', 'includeQuarantined']),
      );
    });

    it('refuses requests without a key, with a bad key, or with a key that is not registered', async () => {
      expectError(await call('GET', '/v1/inboxes'), 401, 'unauthorized');
      expectError(await call('GET', '/v1/inboxes', { headers: { Authorization: 'Bearer nope' } }), 401, 'unauthorized');
      expectError(await call('GET', '/v1/inboxes', { key: admin.slice(0, -1) + (admin.endsWith('a') ? 'b' : 'a') }), 401, 'unauthorized');
      expectError(await call('GET', '/v1/inboxes', { key: generateApiKey() }), 401, 'unauthorized');
    });

    it('refuses a key without the route’s scope', async () => {
      const res = await call('POST', '/v1/inboxes', { key: readOnlyKey, body: {} });
      expectError(res, 403, 'forbidden');
      expect(res.json.error.message).toContain('inboxes:write');
    });

    it('answers unknown paths with 404 and wrong methods with 405', async () => {
      expectError(await call('GET', '/v1/nothing-here', { key: admin }), 404, 'not_found');
      const res = await call('PUT', '/v1/inboxes', { key: admin, body: {} });
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe('POST, GET');
    });

    it('reports malformed JSON, wrong types, unknown fields and oversized bodies clearly', async () => {
      const malformed = await call('POST', '/v1/inboxes', { key: admin, rawBody: '{"localPart": ' });
      expectError(malformed, 400, 'validation_error');
      expect(malformed.json.error.message).toContain('not valid JSON');

      const wrongType = await call('POST', '/v1/inboxes', { key: admin, body: { retentionDays: 'forever' } });
      expectError(wrongType, 400, 'validation_error');
      expect(wrongType.json.error.details.issues[0].path).toEqual(['retentionDays']);

      expectError(await call('POST', '/v1/inboxes', { key: admin, body: { colour: 'blue' } }), 400, 'validation_error');
      expectError(await call('POST', '/v1/inboxes', { key: admin, rawBody: JSON.stringify({ label: 'x'.repeat(1_100_000) }) }), 413, 'payload_too_large');
      expectError(await call('POST', '/v1/inboxes', { key: admin, rawBody: 'a=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 400, 'validation_error');
    });
  });

  describe('inboxes', () => {
    it('creates an inbox at a chosen or random address and reads it back', async () => {
      const chosen = await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'Support', label: 'Support desk', metadata: { team: 'cx' } } });
      expect(chosen.status).toBe(201);
      expect(chosen.json).toMatchObject({ address: 'support@mailroom.test', label: 'Support desk', metadata: { team: 'cx' }, retentionDays: 30, expiresAt: null });
      const random = await call('POST', '/v1/inboxes', { key: admin, body: { domain: 'agents.example', ttlMinutes: 60 } });
      expect(random.json.address).toMatch(/^[a-z0-9]{12}@agents\.example$/);
      // Expiry is kept in whole seconds (DynamoDB TTL), so it lands within a second of an hour later.
      expect(Date.parse(random.json.expiresAt) - Date.parse(random.json.createdAt)).toBeGreaterThan(60 * 60 * 1000 - 1000);
      expect(Date.parse(random.json.expiresAt) - Date.parse(random.json.createdAt)).toBeLessThanOrEqual(60 * 60 * 1000);

      expect((await call('GET', `/v1/inboxes/${chosen.json.id}`, { key: admin })).json).toEqual(chosen.json);
    });

    it('refuses a taken address with 409 and an unknown domain or bad local part with 400', async () => {
      await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'taken' } });
      expectError(await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'TAKEN' } }), 409, 'conflict');
      expectError(await call('POST', '/v1/inboxes', { key: otherOrgKey, body: { localPart: 'taken' } }), 409, 'conflict');
      expectError(await call('POST', '/v1/inboxes', { key: admin, body: { domain: 'gmail.com' } }), 400, 'validation_error');
      expectError(await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'a+b' } }), 400, 'validation_error');
      expectError(await call('POST', '/v1/inboxes', { key: admin, body: { ttlMinutes: 5 } }), 400, 'validation_error');
    });

    it('updates label, metadata and retention', async () => {
      const { json: inbox } = await call('POST', '/v1/inboxes', { key: admin, body: { label: 'before' } });
      const res = await call('PATCH', `/v1/inboxes/${inbox.id}`, { key: admin, body: { label: null, metadata: { a: '1' }, retentionDays: 7 } });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id: inbox.id, label: null, metadata: { a: '1' }, retentionDays: 7 });
      expect(res.json.updatedAt >= inbox.updatedAt).toBe(true);
    });

    it('pages through inboxes newest first with a cursor, and refuses forged cursors', async () => {
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await call('POST', '/v1/inboxes', { key: otherOrgKey, body: { localPart: `pager-${i}` } })).json.id);
      const first = await call('GET', '/v1/inboxes', { key: otherOrgKey, query: { limit: '2' } });
      const second = await call('GET', '/v1/inboxes', { key: otherOrgKey, query: { limit: '2', cursor: first.json.nextCursor } });
      const seen = [...first.json.data, ...second.json.data].map((i: { id: string }) => i.id);
      expect(seen).toEqual(created.slice().reverse().slice(0, 4));

      // A cursor from one org's listing cannot continue another org's.
      expectError(await call('GET', '/v1/inboxes', { key: admin, query: { cursor: first.json.nextCursor } }), 400, 'validation_error');
      expectError(await call('GET', '/v1/inboxes', { key: admin, query: { cursor: 'not-a-cursor' } }), 400, 'validation_error');
      expectError(await call('GET', '/v1/inboxes', { key: admin, query: { limit: '101' } }), 400, 'validation_error');
    });

    it('hides other orgs’ inboxes and unknown ids behind the same 404', async () => {
      const { json: theirs } = await call('POST', '/v1/inboxes', { key: otherOrgKey, body: {} });
      const notYours = await call('GET', `/v1/inboxes/${theirs.id}`, { key: admin });
      const unknown = await call('GET', '/v1/inboxes/inb_01M86NP3WDYY3D2AM0HDYXTA4B', { key: admin });
      const malformed = await call('GET', '/v1/inboxes/../../etc', { key: admin });
      expectError(notYours, 404, 'not_found');
      expectError(unknown, 404, 'not_found');
      expectError(malformed, 404, 'not_found');
      expect(notYours.json.error.message).toBe(unknown.json.error.message);
      expectError(await call('PATCH', `/v1/inboxes/${theirs.id}`, { key: admin, body: { label: 'mine now' } }), 404, 'not_found');
      expectError(await call('DELETE', `/v1/inboxes/${theirs.id}`, { key: admin }), 404, 'not_found');
      expectError(await call('GET', `/v1/inboxes/${theirs.id}/messages`, { key: admin }), 404, 'not_found');
      // Read together, the inbox check still answers first: not yours is a 404 before a bad cursor is a 400.
      expectError(await call('GET', `/v1/inboxes/${theirs.id}/messages`, { key: admin, query: { cursor: 'forged' } }), 404, 'not_found');
      expectError(await call('GET', `/v1/inboxes/${theirs.id}/threads`, { key: admin, query: { cursor: 'forged' } }), 404, 'not_found');
    });

    it('deletes an inbox with its messages and stored bytes; its address is free again once released', async () => {
      const { inbox, messageIds } = await inboxWithMail('to-delete', 2);
      expect((await call('DELETE', `/v1/inboxes/${inbox.id}`, { key: admin })).status).toBe(204);
      expectError(await call('GET', `/v1/inboxes/${inbox.id}`, { key: admin }), 404, 'not_found');
      for (const skPrefix of ['M#', 'C#']) {
        expect(await backends.deps.table.query({ pk: `O#${DEFAULT_ORG_ID}#I#${inbox.id}`, skPrefix, limit: 10 })).toEqual({ items: [] });
      }
      for (const id of messageIds) expect(await backends.deps.blobs.get(blobKeys.raw(DEFAULT_ORG_ID, inbox.id, id))).toBeUndefined();
      expect((await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'to-delete' } })).status).toBe(409);
      expect((await call('POST', `/v1/addresses/${inbox.address}/release`, { key: admin })).status).toBe(204);
      expect((await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'to-delete' } })).status).toBe(201);
    });
  });

  describe('messages', () => {
    it('lists newest first with pagination, then gets one with bodies, headers and attachments', async () => {
      const { inbox, messageIds } = await inboxWithMail('reader', 3);
      const first = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key: readOnlyKey, query: { limit: '2' } });
      expect(first.json.data.map((m: { subject: string }) => m.subject)).toEqual(['message 2', 'message 1']);
      const rest = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key: readOnlyKey, query: { cursor: first.json.nextCursor } });
      expect(rest.json).toEqual({ data: [expect.objectContaining({ subject: 'message 0' })], nextCursor: null });

      const full = await call('GET', `/v1/inboxes/${inbox.id}/messages/${messageIds[0]}`, { key: readOnlyKey });
      expect(full.json).toMatchObject({ id: messageIds[0], text: 'body 0', hasAttachments: true, attachments: [{ id: 'att_1', filename: 'notes ü.txt' }] });
      expect(full.json.headers).toEqual(expect.arrayContaining([{ name: 'Subject', value: 'message 0' }]));
    });

    it('reads the inbox, the message and its content in one round trip, while counting the request against the rate limit', async () => {
      const { inbox, messageIds } = await inboxWithMail('one-trip');
      const path = `/v1/inboxes/${inbox.id}/messages/${messageIds[0]}`;
      await call('GET', path, { key: readOnlyKey }); // the key's record is cached from here on
      // The mail's event is logged and fanned out by the job queue; its reads are not the route's.
      await backends.jobs.idle();
      const table = backends.deps.table;
      const skOf = (sk: string) => sk.split('#')[0];
      const calls = watchStoreCalls([
        [table, 'get', (key: { sk: string }) => `get ${skOf(key.sk)}`],
        // The webhook job queue polls the same table; its reads are not the route's.
        [table, 'query', (q: { pk: string; skPrefix: string }) => (q.pk === JOBS_PARTITION ? undefined : `query ${skOf(q.skPrefix)}`)],
        [table, 'increment', () => 'rate limit'],
      ]);
      try {
        expect((await call('GET', path, { key: readOnlyKey })).json.text).toBe('body 0');
        expect((await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key: readOnlyKey })).json.data).toHaveLength(1);
      } finally {
        jest.restoreAllMocks();
      }
      expect(calls.rounds()).toEqual([['rate limit', 'get I', 'get M', 'get C'], ['rate limit', 'get I', 'query M']]);
    });

    it('serves the raw message byte for byte and attachments with their name, inline when small', async () => {
      const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'raw' } })).json;
      const raw = await compose({ to: 'raw@mailroom.test', subject: 'raw', text: 'é', attachments: [{ filename: 'notes ü.txt', content: 'hello' }] });
      const { result } = await deliver(backends.deps, raw, ['raw@mailroom.test']);
      const base = `/v1/inboxes/${inbox.id}/messages/${result.stored[0].messageId}`;

      const rawRes = await call('GET', `${base}/raw`, { key: admin });
      expect(rawRes.status).toBe(200);
      expect(rawRes.headers['content-type']).toBe('message/rfc822');
      expect(rawRes.bytes.equals(raw)).toBe(true);

      const attachment = await call('GET', `${base}/attachments/att_1`, { key: admin });
      expect(attachment.bytes.toString()).toBe('hello');
      expect(attachment.headers['content-disposition']).toBe(`attachment; filename="notes _.txt"; filename*=UTF-8''notes%20%C3%BC.txt`);
      expectError(await call('GET', `${base}/attachments/att_9`, { key: admin }), 404, 'not_found');
    });

    it('redirects to a short-lived URL when the download is larger than the API may carry', async () => {
      const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'large' } })).json;
      const big = Buffer.alloc(200 * 1024, 7);
      const raw = await compose({ to: 'large@mailroom.test', subject: 'big', text: 'x', attachments: [{ filename: 'big.bin', content: big }] });
      const { result } = await deliver(backends.deps, raw, ['large@mailroom.test']);

      const res = await call('GET', `/v1/inboxes/${inbox.id}/messages/${result.stored[0].messageId}/raw`, { key: admin });

      expect(res.status).toBe(302);
      const followed = await fetch(res.headers.location);
      expect(Buffer.from(await followed.arrayBuffer()).equals(raw)).toBe(true);
    });

    it('deletes a message and its bytes; other orgs cannot read or delete it', async () => {
      const { inbox, messageIds } = await inboxWithMail('deleter');
      const path = `/v1/inboxes/${inbox.id}/messages/${messageIds[0]}`;
      expectError(await call('GET', path, { key: otherOrgKey }), 404, 'not_found');
      expectError(await call('GET', `${path}/raw`, { key: otherOrgKey }), 404, 'not_found');
      expectError(await call('DELETE', path, { key: otherOrgKey }), 404, 'not_found');
      expectError(await call('DELETE', path, { key: readOnlyKey }), 403, 'forbidden');

      expect((await call('DELETE', path, { key: admin })).status).toBe(204);
      expectError(await call('GET', path, { key: admin }), 404, 'not_found');
      expect(await backends.deps.table.get(messageContentKey(DEFAULT_ORG_ID, inbox.id, messageIds[0]))).toBeUndefined();
      expectError(await call('GET', `${path}/raw`, { key: admin }), 404, 'not_found');
      expectError(await call('GET', `/v1/inboxes/${inbox.id}/messages/msg_01M86NP3WDYY3D2AM0HDYXTA4B`, { key: admin }), 404, 'not_found');
    });
  });
});
