import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { generateApiKey } from '../../lambdas/core/api-keys';
import { KEY_CACHE_SECONDS } from '../../lambdas/core/auth';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { ensureDefaultOrg } from '../../lambdas/core/orgs';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import { LOCAL_REGION } from '../../lambdas/local/dynamodb-local';
import { S3_LOCAL_CREDENTIALS } from '../../lambdas/local/s3-local';
import { createApi } from '../../lambdas/http/api';
import { apiCaller } from '../support/api-client';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

let backends: Backends;
let admin: string;
/** Moves every API process's clock (and only theirs) forward. */
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

/** A separate API process: its own key cache, the same table. */
const apiProcess = () => apiCaller(createApi({ ...backends.deps, clock }, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' }));
let call: ReturnType<typeof apiProcess>;

beforeAll(async () => {
  backends = await startBackends();
  call = apiProcess();
  admin = generateApiKey();
  await ensureDefaultOrg(backends.deps);
  await registerApiKey(backends.deps, { key: admin, orgId: DEFAULT_ORG_ID, name: 'admin', scopes: ['admin'] });
});
afterAll(() => backends.stop());
afterEach(() => {
  offsetMs = 0;
});

async function mint(by: string, body: Record<string, unknown>) {
  const res = await call('POST', '/v1/api-keys', { key: by, body: { name: 'test key', ...body } });
  expect(res.status).toBe(201);
  return res.json as { id: string; key: string; orgId: string; [field: string]: unknown };
}

async function scanTable(): Promise<string> {
  const client = new DynamoDBClient({ endpoint: backends.dynamodbEndpoint, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS });
  const out = await client.send(new ScanCommand({ TableName: 'mailroom-test' }));
  return JSON.stringify(out.Items);
}

describe('orgs and API keys', () => {
  it('bootstraps a tenant: the admin key creates an org, mints a scoped key into it, and that key works only there', async () => {
    // Act
    const org = await call('POST', '/v1/orgs', { key: admin, body: { name: 'Acme agents' } });
    const tenantKey = await mint(admin, { orgId: org.json.id, scopes: ['inboxes:read', 'inboxes:write'] });
    const inbox = await call('POST', '/v1/inboxes', { key: tenantKey.key, body: { localPart: 'acme-bot' } });

    // Assess
    expect(org.status).toBe(201);
    expect(org.json).toEqual({ id: expect.stringMatching(/^org_/), name: 'Acme agents', metadata: {}, status: 'active', createdAt: expect.any(String) });
    expect((await call('GET', '/v1/orgs', { key: admin })).json.data.map((o: { id: string }) => o.id)).toEqual(
      expect.arrayContaining([org.json.id, DEFAULT_ORG_ID]),
    );
    expect(tenantKey).toMatchObject({ orgId: org.json.id, scopes: ['inboxes:read', 'inboxes:write'], status: 'active', inboxIds: null });
    expect(inbox.status).toBe(201);
    expect((await call('GET', `/v1/inboxes/${inbox.json.id}`, { key: admin })).status).toBe(404);
    expect((await call('GET', '/v1/inboxes', { key: tenantKey.key })).json.data.map((i: { id: string }) => i.id)).toEqual([inbox.json.id]);
    expect((await call('GET', '/v1/orgs', { key: tenantKey.key })).status).toBe(403);
  });

  it('lets an admin key list, rotate and revoke the keys of another org, and no other key', async () => {
    // Prepare
    const org = (await call('POST', '/v1/orgs', { key: admin, body: { name: 'Managed' } })).json;
    const tenantKey = await mint(admin, { orgId: org.id, scopes: ['inboxes:read', 'keys:manage'] });
    const inOrg = { orgId: org.id };

    // Act
    const listed = await call('GET', '/v1/api-keys', { key: admin, query: inOrg });
    const rotated = await call('POST', `/v1/api-keys/${tenantKey.id}/rotate`, { key: admin, query: inOrg, body: { gracePeriodSeconds: 0 } });
    const revoked = await call('DELETE', `/v1/api-keys/${rotated.json.id}`, { key: admin, query: inOrg });
    const withoutOrg = await call('DELETE', `/v1/api-keys/${tenantKey.id}`, { key: admin });

    // Assess
    expect(listed.json.data.map((k: { id: string }) => k.id)).toEqual([tenantKey.id]);
    expect(rotated.status).toBe(201);
    expect(revoked.status).toBe(204);
    expect(withoutOrg.status).toBe(404);
    expect((await call('GET', '/v1/inboxes', { key: rotated.json.key })).status).toBe(401);
    const events = (await call('GET', '/v1/audit-events', { key: admin })).json.data.map((e: { action: string }) => e.action);
    expect(events).not.toContain('key.revoked');
    const manager = await mint(admin, { scopes: ['keys:manage'] });
    const nonAdmin = await call('GET', '/v1/api-keys', { key: manager.key, query: inOrg });
    expect(nonAdmin.status).toBe(403);
  });

  it('shows a new key once: listings carry only its prefix and last four characters, and the table holds only its hash', async () => {
    // Act
    const created = await mint(admin, { scopes: ['messages:read'] });
    const listed = (await call('GET', '/v1/api-keys', { key: admin, query: { limit: '100' } })).json.data.find((k: { id: string }) => k.id === created.id);

    // Assess
    expect(created.key).toMatch(/^mr_[0-9A-Za-z]{49}$/);
    expect(listed).toEqual({ ...created, key: undefined, id: created.id });
    expect(JSON.stringify(listed)).not.toContain(created.key.slice(3, 20));
    expect(created.key.startsWith(listed.prefix)).toBe(true);
    expect(created.key.endsWith(listed.last4)).toBe(true);
    expect(await scanTable()).not.toContain(created.key);
  });

  it('refuses to mint a key with more rights than the key minting it', async () => {
    // Prepare
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: {} })).json;
    const other = (await call('POST', '/v1/inboxes', { key: admin, body: {} })).json;
    const expiry = new Date(Date.now() + 3600_000).toISOString();
    const manager = await mint(admin, { scopes: ['keys:manage', 'inboxes:read'], inboxIds: [inbox.id], expiresAt: expiry });
    const otherOrg = (await call('POST', '/v1/orgs', { key: admin, body: { name: 'elsewhere' } })).json;
    const attempt = (body: Record<string, unknown>) => call('POST', '/v1/api-keys', { key: manager.key, body: { name: 'x', ...body } });

    // Act
    const refused = {
      scope: await attempt({ scopes: ['messages:read'], inboxIds: [inbox.id] }),
      admin: await attempt({ scopes: ['admin'], inboxIds: [inbox.id] }),
      unrestricted: await attempt({ scopes: ['inboxes:read'] }),
      otherInbox: await attempt({ scopes: ['inboxes:read'], inboxIds: [other.id] }),
      longerLife: await attempt({ scopes: ['inboxes:read'], inboxIds: [inbox.id], expiresAt: new Date(Date.now() + 7200_000).toISOString() }),
      otherOrg: await attempt({ scopes: ['inboxes:read'], inboxIds: [inbox.id], orgId: otherOrg.id }),
    };
    const allowed = await attempt({ scopes: ['inboxes:read'], inboxIds: [inbox.id] });

    // Assess
    for (const res of Object.values(refused)) expect([res.status, res.json.error.code]).toEqual([403, 'forbidden']);
    expect(refused.scope.json.error.message).toContain('messages:read');
    expect(allowed.status).toBe(201);
    expect(allowed.json).toMatchObject({ scopes: ['inboxes:read'], inboxIds: [inbox.id], expiresAt: expiry, createdBy: manager.id });
  });

  it('validates what a key is minted with', async () => {
    const res = (body: Record<string, unknown>) => call('POST', '/v1/api-keys', { key: admin, body: { name: 'x', scopes: ['inboxes:read'], ...body } });
    expect((await res({ scopes: [] })).status).toBe(400);
    expect((await res({ scopes: ['inboxes:everything'] })).status).toBe(400);
    expect((await res({ expiresAt: 'tomorrow' })).status).toBe(400);
    expect((await res({ expiresAt: new Date(Date.now() - 1000).toISOString() })).json.error.message).toContain('future');
    expect((await res({ inboxIds: ['inb_01JZZZZZZZZZZZZZZZZZZZZZZZ'] })).json.error.message).toContain('no inbox');
    expect((await res({ orgId: 'org_01JZZZZZZZZZZZZZZZZZZZZZZZ' })).status).toBe(404);
  });

  it('refuses a revoked key at once in the process that revoked it, and everywhere once the key cache expires', async () => {
    // Prepare
    const victim = await mint(admin, { scopes: ['inboxes:read'] });
    const elsewhere = apiProcess();
    expect((await elsewhere('GET', '/v1/inboxes', { key: victim.key })).status).toBe(200);

    // Act
    const revoked = await call('DELETE', `/v1/api-keys/${victim.id}`, { key: admin });

    // Assess
    expect(revoked.status).toBe(204);
    const here = await call('GET', '/v1/inboxes', { key: victim.key });
    expect([here.status, here.json.error.message]).toEqual([401, 'this API key is revoked']);
    expect((await elsewhere('GET', '/v1/inboxes', { key: victim.key })).status).toBe(200);
    offsetMs = KEY_CACHE_SECONDS * 1000 + 1;
    expect((await elsewhere('GET', '/v1/inboxes', { key: victim.key })).status).toBe(401);
    expect((await call('DELETE', `/v1/api-keys/${victim.id}`, { key: admin })).status).toBe(204);
    const listed = (await call('GET', '/v1/api-keys', { key: admin, query: { limit: '100' } })).json.data.find((k: { id: string }) => k.id === victim.id);
    expect(listed).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
  });

  it('refuses a key after its expiry', async () => {
    const expiring = await mint(admin, { scopes: ['inboxes:read'], expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await call('GET', '/v1/inboxes', { key: expiring.key })).status).toBe(200);
    offsetMs = 61_000;
    const res = await call('GET', '/v1/inboxes', { key: expiring.key });
    expect([res.status, res.json.error.message]).toEqual([401, 'this API key is expired']);
  });

  it('rotates a key: the new one works at once, the old one until its grace period ends', async () => {
    // Prepare
    const old = await mint(admin, { scopes: ['inboxes:read', 'keys:manage'] });

    // Act
    const rotated = await call('POST', `/v1/api-keys/${old.id}/rotate`, { key: old.key, body: { gracePeriodSeconds: 600 } });

    // Assess
    expect(rotated.status).toBe(201);
    expect(rotated.json).toMatchObject({ name: old.name, scopes: old.scopes, status: 'active', createdBy: old.id });
    expect(rotated.json.key).not.toBe(old.key);
    expect((await call('GET', '/v1/inboxes', { key: rotated.json.key })).status).toBe(200);
    expect((await call('GET', '/v1/inboxes', { key: old.key })).status).toBe(200);
    expect((await call('POST', `/v1/api-keys/${old.id}/rotate`, { key: admin, body: {} })).status).toBe(409);
    offsetMs = 601_000;
    expect((await call('GET', '/v1/inboxes', { key: old.key })).status).toBe(401);
    expect((await call('GET', '/v1/inboxes', { key: rotated.json.key })).status).toBe(200);
    const listed = (await call('GET', '/v1/api-keys', { key: admin, query: { limit: '100' } })).json.data.find((k: { id: string }) => k.id === old.id);
    expect(listed).toMatchObject({ status: 'expired', rotatedTo: rotated.json.id });
  });

  it('keeps the old key for 24 hours by default when rotating', async () => {
    const old = await mint(admin, { scopes: ['inboxes:read'] });
    await call('POST', `/v1/api-keys/${old.id}/rotate`, { key: admin, body: {} });
    offsetMs = 23.9 * 3600_000;
    expect((await call('GET', '/v1/inboxes', { key: old.key })).status).toBe(200);
    offsetMs = 24.1 * 3600_000;
    expect((await call('GET', '/v1/inboxes', { key: old.key })).status).toBe(401);
  });

  it('lets an inbox-restricted key see only its inboxes; the others look like they do not exist', async () => {
    // Prepare
    const mine = (await call('POST', '/v1/inboxes', { key: admin, body: {} })).json;
    const theirs = (await call('POST', '/v1/inboxes', { key: admin, body: {} })).json;
    await deliver(backends.deps, await compose({ to: theirs.address, subject: 'not for you', text: 'secret' }), [theirs.address]);
    const restricted = await mint(admin, { scopes: ['inboxes:read', 'inboxes:write', 'messages:read'], inboxIds: [mine.id] });

    // Act
    const own = await call('GET', `/v1/inboxes/${mine.id}`, { key: restricted.key });
    const other = await call('GET', `/v1/inboxes/${theirs.id}/messages`, { key: restricted.key });
    const listed = await call('GET', '/v1/inboxes', { key: restricted.key });
    const create = await call('POST', '/v1/inboxes', { key: restricted.key, body: {} });

    // Assess
    expect(own.status).toBe(200);
    expect([other.status, other.json.error.code]).toEqual([404, 'not_found']);
    expect(listed.json.data.map((i: { id: string }) => i.id)).toEqual([mine.id]);
    expect(create.status).toBe(403);
  });
});

describe('the audit log', () => {
  it('records who did what to which key, org, inbox and message, with the request id and source address, and never a key', async () => {
    // Prepare
    const auditor = await mint(admin, { scopes: ['audit:read'] });
    const since = new Date().toISOString();
    const org = (await call('POST', '/v1/orgs', { key: admin, body: { name: 'Audited' } })).json;
    const key = await mint(admin, { scopes: ['inboxes:read'] });
    const rotated = (await call('POST', `/v1/api-keys/${key.id}/rotate`, { key: admin, body: {} })).json;
    await call('DELETE', `/v1/api-keys/${rotated.id}`, { key: admin });
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: {} })).json;
    await call('PATCH', `/v1/inboxes/${inbox.id}`, { key: admin, body: { label: 'renamed' } });
    const { result } = await deliver(backends.deps, await compose({ to: inbox.address, subject: 'x', text: 'y' }), [inbox.address]);
    const messageId = result.stored[0].messageId;
    await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${messageId}`, { key: admin });
    const deleted = await call('DELETE', `/v1/inboxes/${inbox.id}`, { key: admin });

    // Act
    const events = (await call('GET', '/v1/audit-events', { key: auditor.key, query: { since, limit: '100' } })).json.data;

    // Assess
    const adminKeyId = (await call('GET', '/v1/api-keys', { key: admin, query: { limit: '100' } })).json.data.find((k: { name: string }) => k.name === 'admin').id;
    expect(events.map((e: { action: string; target: { id: string } }) => [e.action, e.target.id])).toEqual([
      ['inbox.deleted', inbox.id],
      ['message.deleted', messageId],
      ['inbox.updated', inbox.id],
      ['inbox.created', inbox.id],
      ['key.revoked', rotated.id],
      ['key.rotated', key.id],
      ['key.created', key.id],
      ['org.created', org.id],
    ]);
    expect(events[0]).toEqual({
      id: expect.stringMatching(/^evt_/),
      action: 'inbox.deleted',
      actor: { type: 'api_key', id: adminKeyId },
      target: { type: 'inbox', id: inbox.id },
      at: expect.any(String),
      requestId: deleted.headers['x-request-id'],
      sourceIp: '198.51.100.7',
      details: { address: inbox.address },
    });
    const orgEvents = (await call('GET', '/v1/audit-events', { key: auditor.key, query: { action: 'org.created', since } })).json.data;
    expect(orgEvents.map((e: { target: { id: string } }) => e.target.id)).toEqual([org.id]);
    const allText = JSON.stringify(events) + JSON.stringify(backends.logs);
    for (const secret of [key.key, rotated.key, admin]) expect(allText).not.toContain(secret.slice(3, 20));
  });

  it('filters by actor and time and pages with a cursor', async () => {
    // Prepare
    const auditor = await mint(admin, { scopes: ['audit:read', 'inboxes:write'] });
    const since = new Date().toISOString();
    for (let i = 0; i < 3; i++) await call('POST', '/v1/inboxes', { key: auditor.key, body: {} });
    const until = new Date().toISOString();
    offsetMs = 5000;
    await call('POST', '/v1/inboxes', { key: auditor.key, body: {} });

    // Act
    const first = (await call('GET', '/v1/audit-events', { key: auditor.key, query: { actor: auditor.id, since, until, limit: '2' } })).json;
    const second = (await call('GET', '/v1/audit-events', { key: auditor.key, query: { actor: auditor.id, since, until, limit: '2', cursor: first.nextCursor } })).json;

    // Assess
    expect(first.data).toHaveLength(2);
    expect(second.data).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect([...first.data, ...second.data].every((e: { actor: { id: string }; action: string }) => e.actor.id === auditor.id && e.action === 'inbox.created')).toBe(true);
    expect((await call('GET', '/v1/audit-events', { key: auditor.key, query: { since: 'yesterday' } })).status).toBe(400);
    expect((await call('GET', '/v1/audit-events', { key: (await mint(admin, { scopes: ['inboxes:read'] })).key })).status).toBe(403);
  });
});
