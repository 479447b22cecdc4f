import { generateApiKey } from '../../lambdas/core/api-keys';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import { createApi } from '../../lambdas/http/api';
import type { Table } from '../../lambdas/ports';
import { apiCaller } from '../support/api-client';
import { startBackends, type Backends } from '../support/backends';

let backends: Backends;
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

/** An API process with its own clock and settings over the shared table (optionally wrapped). */
function apiProcess(settings: Partial<Backends['deps']['settings']> = {}, table: Table = backends.deps.table) {
  const deps = { ...backends.deps, table, clock, settings: { ...backends.deps.settings, ...settings } };
  return apiCaller(createApi(deps, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' }));
}

async function newKey(): Promise<string> {
  const key = generateApiKey();
  await registerApiKey(backends.deps, { key, orgId: DEFAULT_ORG_ID, name: 'limited', scopes: ['admin'] });
  return key;
}

beforeAll(async () => {
  backends = await startBackends();
});
afterAll(() => backends.stop());
afterEach(() => {
  offsetMs = 0;
});

describe('the per-key rate limit', () => {
  it('answers the request over the limit with 429 and Retry-After, counts across API processes, and resets with the window', async () => {
    // Prepare: start just after a window begins, so the whole test fits in one window.
    offsetMs = 60_000 - (Date.now() % 60_000) + 100;
    const key = await newKey();
    const [a, b] = [apiProcess({ rateLimitPerMinute: 5 }), apiProcess({ rateLimitPerMinute: 5 })];

    // Act
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await (i % 2 ? b : a)('GET', '/v1/inboxes', { key }));

    // Assess
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(responses.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0', '0']);
    for (const r of responses) {
      expect(r.headers['x-ratelimit-limit']).toBe('5');
      expect(Number(r.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(59);
    }
    const limited = responses[5];
    expect(limited.json.error.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBe(limited.headers['x-ratelimit-reset']);
    expect(responses.slice(0, 5).every((r) => r.headers['retry-after'] === undefined)).toBe(true);

    offsetMs += Number(limited.headers['retry-after']) * 1000;
    const after = await a('GET', '/v1/inboxes', { key });
    expect([after.status, after.headers['x-ratelimit-remaining']]).toEqual([200, '4']);
  });

  it('over the limit, answers 429 whatever the request would have answered, and changes nothing', async () => {
    offsetMs = 60_000 - (Date.now() % 60_000) + 100;
    const api = apiProcess({ rateLimitPerMinute: 1 });
    const [limited, other] = [await newKey(), await newKey()];
    expect((await api('GET', '/v1/inboxes', { key: limited })).status).toBe(200);

    // A read runs while it is counted; over the limit its answer, here a 404, is not what goes out.
    const read = await api('GET', '/v1/inboxes/inb_01JZZZZZZZZZZZZZZZZZZZZZZZ/messages', { key: limited });
    expect([read.status, read.json.error.code]).toEqual([429, 'rate_limited']);
    // A write waits for the count, so over the limit it never runs.
    const write = await api('POST', '/v1/inboxes', { key: limited, body: { localPart: 'over-the-limit' } });
    expect(write.status).toBe(429);
    const inboxes = (await api('GET', '/v1/inboxes', { key: other, query: { limit: '100' } })).json.data as { address: string }[];
    expect(inboxes.map((i) => i.address)).not.toContain('over-the-limit@mailroom.test');
  });

  it('limits each key on its own and leaves public routes alone', async () => {
    offsetMs = 60_000 - (Date.now() % 60_000) + 100;
    const api = apiProcess({ rateLimitPerMinute: 1 });
    const [first, second] = [await newKey(), await newKey()];
    expect((await api('GET', '/v1/inboxes', { key: first })).status).toBe(200);
    expect((await api('GET', '/v1/inboxes', { key: first })).status).toBe(429);
    expect((await api('GET', '/v1/inboxes', { key: second })).status).toBe(200);
    const health = await api('GET', '/v1/health');
    expect([health.status, health.headers['x-ratelimit-limit']]).toEqual([200, undefined]);
  });
});

describe('Idempotency-Key on creating requests', () => {
  it('returns the first response to a retry of the same request, and creates once', async () => {
    // Prepare
    const key = await newKey();
    const api = apiProcess();
    const request = { key, headers: { 'Idempotency-Key': 'create-support-inbox' }, body: { label: 'support' } };

    // Act
    const first = await api('POST', '/v1/inboxes', request);
    const retry = await api('POST', '/v1/inboxes', request);

    // Assess
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const labels = (await api('GET', '/v1/inboxes', { key, query: { limit: '100' } })).json.data.filter((i: { label: string }) => i.label === 'support');
    expect(labels).toHaveLength(1);
  });

  it('refuses the same key with a different body (422) and runs the same body again without the header', async () => {
    const key = await newKey();
    const api = apiProcess();
    const first = await api('POST', '/v1/inboxes', { key, headers: { 'Idempotency-Key': 'k-1' }, body: { label: 'a' } });
    const changed = await api('POST', '/v1/inboxes', { key, headers: { 'Idempotency-Key': 'k-1' }, body: { label: 'b' } });
    const unkeyed = await api('POST', '/v1/inboxes', { key, body: { label: 'a' } });
    expect(first.status).toBe(201);
    expect([changed.status, changed.json.error.code]).toEqual([422, 'unprocessable']);
    expect(unkeyed.json.id).not.toBe(first.json.id);
  });

  it('answers 409 to a duplicate that arrives while the first request is still running', async () => {
    // Prepare: hold the first request inside its write until the duplicate has been answered.
    const key = await newKey();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    const table: Table = Object.create(backends.deps.table);
    table.transactWrite = async (ops) => {
      if (holding) {
        holding = false;
        await held;
      }
      return backends.deps.table.transactWrite(ops);
    };
    const api = apiProcess({}, table);
    const request = { key, headers: { 'Idempotency-Key': 'slow' }, body: { label: 'slow' } };

    // Act
    const first = api('POST', '/v1/inboxes', request);
    await new Promise((r) => setTimeout(r, 200));
    const duplicate = await api('POST', '/v1/inboxes', request);
    release();

    // Assess
    expect([duplicate.status, duplicate.json.error.code]).toEqual([409, 'conflict']);
    expect((await first).status).toBe(201);
    expect((await api('POST', '/v1/inboxes', request)).json.id).toBe((await first).json.id);
  });

  it('forgets a failed request, so it can be retried, and forgets every key after 24 hours', async () => {
    const key = await newKey();
    const api = apiProcess();
    await api('POST', '/v1/inboxes', { key, body: { localPart: 'taken-idem' } });
    const failed = await api('POST', '/v1/inboxes', { key, headers: { 'Idempotency-Key': 'retry-me' }, body: { localPart: 'taken-idem' } });
    expect(failed.status).toBe(409);
    const different = await api('POST', '/v1/inboxes', { key, headers: { 'Idempotency-Key': 'retry-me' }, body: { localPart: 'free-idem' } });
    expect(different.status).toBe(201);

    offsetMs = 24 * 3600_000 + 1000;
    const later = await api('POST', '/v1/inboxes', { key, headers: { 'Idempotency-Key': 'retry-me' }, body: { label: 'new day' } });
    expect(later.status).toBe(201);
    expect(later.json.id).not.toBe(different.json.id);
  });

  it('replays a created API key to its creator, yet stores no usable copy of it', async () => {
    const key = await newKey();
    const api = apiProcess();
    const request = { key, headers: { 'Idempotency-Key': 'mint-ci-key' }, body: { name: 'ci', scopes: ['inboxes:read'] } };
    const first = await api('POST', '/v1/api-keys', request);
    const retry = await api('POST', '/v1/api-keys', request);
    expect(retry.json).toEqual(first.json);
    expect(JSON.stringify(await backends.deps.table.query({ pk: `O#${DEFAULT_ORG_ID}`, skPrefix: 'IDEM#', limit: 1000 }))).not.toContain(
      first.json.key,
    );
    const otherKeyRetry = await api('POST', '/v1/api-keys', { ...request, key: await newKey() });
    expect(otherKeyRetry.json.key).not.toBe(first.json.key);
  });

  it('refuses an Idempotency-Key that is empty or too long', async () => {
    const key = await newKey();
    for (const idempotencyKey of ['', 'x'.repeat(256)]) {
      const res = await apiProcess()('POST', '/v1/inboxes', { key, headers: { 'Idempotency-Key': idempotencyKey }, body: {} });
      expect([res.status, res.json.error.message]).toEqual([400, expect.stringContaining('Idempotency-Key')]);
    }
  });
});
