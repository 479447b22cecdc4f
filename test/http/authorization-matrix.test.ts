import { SCOPES, type Scope } from '../../lambdas/core/auth';
import { generateApiKey } from '../../lambdas/core/api-keys';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import { createApi } from '../../lambdas/http/api';
import type { Route } from '../../lambdas/http/route';
import { routes } from '../../lambdas/http/routes';
import { apiCaller, type CallResult } from '../support/api-client';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

/**
 * Every route, called by every kind of key that must be refused, against resources of org A:
 * the outcome must be the refusal, never data.
 */
let backends: Backends;
let call: ReturnType<typeof apiCaller>;
const ids: Record<string, string> = {};
const keys: Record<string, string> = {};
const scoped = routes.filter((r): r is Route & { scope: Scope | readonly Scope[] } => r.scope !== undefined);
const scopesOf = (r: { scope: Scope | readonly Scope[] }): readonly Scope[] => (typeof r.scope === 'string' ? [r.scope] : r.scope);

/** A valid body for each creating or changing route, so only authorization can refuse it. */
const BODIES: Record<string, unknown> = {
  'POST /v1/inboxes': {},
  'PATCH /v1/inboxes/{inboxId}': { label: 'x' },
  'POST /v1/orgs': { name: 'x' },
  'POST /v1/api-keys': { name: 'x', scopes: ['inboxes:read'] },
  'POST /v1/api-keys/{keyId}/rotate': {},
  'POST /v1/webhooks': { url: 'https://hooks.example.com/mailroom', events: ['message.received'] },
  'PATCH /v1/webhooks/{webhookId}': { description: 'x' },
  'PUT /v1/inboxes/{inboxId}/vault/{name}': { type: 'secret_note', text: 'x' },
  'POST /v1/inboxes/{inboxId}/wait': { timeoutSeconds: 0 },
  'PATCH /v1/inboxes/{inboxId}/messages/{messageId}': { unread: false },
  'POST /v1/domains': { domain: 'probe.example' },
  'POST /v1/rules': { direction: 'receiving', action: 'block', match: 'other.example' },
  'PATCH /v1/rules/{ruleId}': { note: 'x' },
  'POST /v1/inboxes/{inboxId}/rules': { direction: 'receiving', action: 'block', match: 'other.example' },
  'PATCH /v1/inboxes/{inboxId}/rules/{ruleId}': { note: 'x' },
  'POST /v1/inboxes/{inboxId}/messages': { to: ['someone@elsewhere.example'], subject: 'x', text: 'x' },
  'POST /v1/inboxes/{inboxId}/messages/{messageId}/reply': { text: 'x' },
};

const pathFor = (route: Route) => route.path.replace(/\{(\w+)\}/g, (_m, name: string) => ids[name]);
const send = (route: Route, key?: string, headers?: Record<string, string>): Promise<CallResult> =>
  call(route.method, pathFor(route), { key, headers, body: BODIES[`${route.method} ${route.path}`] });

async function register(name: string, orgId: string, scopes: Scope[], extra: { inboxIds?: string[]; validUntil?: string } = {}) {
  keys[name] = generateApiKey();
  return registerApiKey(backends.deps, { key: keys[name], orgId, name, scopes, ...extra });
}

beforeAll(async () => {
  backends = await startBackends();
  call = apiCaller(createApi(backends.deps, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' }));
  await register('owner', DEFAULT_ORG_ID, ['admin']);
  const inbox = (await call('POST', '/v1/inboxes', { key: keys.owner, body: {} })).json;
  const other = (await call('POST', '/v1/inboxes', { key: keys.owner, body: {} })).json;
  const raw = await compose({ to: inbox.address, subject: 'private', text: 'private', attachments: [{ filename: 'a.txt', content: 'a' }] });
  const { result } = await deliver(backends.deps, raw, [inbox.address]);
  const target = await register('target', DEFAULT_ORG_ID, ['inboxes:read']);
  const webhook = (await call('POST', '/v1/webhooks', { key: keys.owner, body: { url: 'http://127.0.0.1:9/unreachable', events: ['message.received'] } })).json;
  const test = (await call('POST', `/v1/webhooks/${webhook.id}/test`, { key: keys.owner })).json;
  Object.assign(ids, {
    inboxId: inbox.id,
    messageId: result.stored[0].messageId,
    attachmentId: 'att_1',
    keyId: target.keyId,
    webhookId: webhook.id,
    deliveryId: test.id,
    name: 'github',
    orgId: 'org_other',
    threadId: 'thr_01JZZZZZZZZZZZZZZZZZZZZZZZ',
    address: inbox.address,
  });
  await call('PUT', `/v1/inboxes/${inbox.id}/vault/github`, { key: keys.owner, body: { type: 'totp', seed: 'JBSWY3DPEHPK3PXPJBSWY3DP' } });
  ids.domain = (await call('POST', '/v1/domains', { key: keys.owner, body: { domain: 'owned.example' } })).json.domain;
  ids.ruleId = (await call('POST', '/v1/rules', { key: keys.owner, body: { direction: 'receiving', action: 'block', match: 'spam.example' } })).json.id;

  await register('otherOrg', 'org_other', ['admin']);
  await register('restricted', DEFAULT_ORG_ID, SCOPES.filter((s) => s !== 'admin'), { inboxIds: [other.id] });
  await register('expired', DEFAULT_ORG_ID, ['admin'], { validUntil: new Date(Date.now() - 1000).toISOString() });
  await register('revoked', DEFAULT_ORG_ID, ['admin']);
  const revokedId = (await call('GET', '/v1/api-keys', { key: keys.owner, query: { limit: '100' } })).json.data.find(
    (k: { name: string }) => k.name === 'revoked',
  ).id;
  expect((await call('DELETE', `/v1/api-keys/${revokedId}`, { key: keys.owner })).status).toBe(204);
  for (const route of scoped) {
    await register(`without ${scopesOf(route)}`, DEFAULT_ORG_ID, SCOPES.filter((s) => !scopesOf(route).includes(s) && s !== 'admin'));
  }
});
afterAll(() => backends.stop());

const expectRefused = (res: CallResult, status: number, code: string) => {
  expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
  expect(Object.keys(res.json)).toEqual(['error']);
};

const name = (r: Route) => `${r.method} ${r.path}`;

describe('authorization on every route', () => {
  it('has a valid body for every route that takes one', () => {
    for (const r of routes.filter((x) => x.method !== 'GET' && x.method !== 'DELETE')) {
      if (r.body) expect(BODIES).toHaveProperty([name(r)]);
    }
  });

  it.each(scoped.map((r) => [name(r), r]))('%s: no key, a malformed key or an unknown key → 401', async (_, route) => {
    expectRefused(await send(route), 401, 'unauthorized');
    expectRefused(await send(route, undefined, { Authorization: 'Bearer mr_not-a-key' }), 401, 'unauthorized');
    expectRefused(await send(route, generateApiKey()), 401, 'unauthorized');
  });

  it.each(scoped.map((r) => [name(r), r]))('%s: a revoked or expired key → 401', async (_, route) => {
    expectRefused(await send(route, keys.revoked), 401, 'unauthorized');
    expectRefused(await send(route, keys.expired), 401, 'unauthorized');
  });

  it.each(scoped.map((r) => [name(r), r]))('%s: a key without the route’s scope → 403', async (_, route) => {
    const res = await send(route, keys[`without ${scopesOf(route)}`]);
    expectRefused(res, 403, 'forbidden');
    for (const scope of scopesOf(route)) expect(res.json.error.message).toContain(scope);
  });

  const naming = scoped.filter((r) => /\{(inboxId|keyId|webhookId|ruleId|domain)\}/.test(r.path));
  it.each(naming.map((r) => [name(r), r]))('%s: an admin key of another org → 404 for this org’s resources', async (_, route) => {
    expectRefused(await send(route, keys.otherOrg), 404, 'not_found');
  });

  const inInbox = scoped.filter((r) => r.path.includes('{inboxId}'));
  it.each(inInbox.map((r) => [name(r), r]))('%s: a key restricted to other inboxes → 404', async (_, route) => {
    expectRefused(await send(route, keys.restricted), 404, 'not_found');
  });

  it('left the resources it probed untouched', async () => {
    const message = await call('GET', `/v1/inboxes/${ids.inboxId}/messages/${ids.messageId}`, { key: keys.owner });
    expect(message.json.subject).toBe('private');
    const target = (await call('GET', '/v1/api-keys', { key: keys.owner, query: { limit: '100' } })).json.data.find((k: { id: string }) => k.id === ids.keyId);
    expect(target).toMatchObject({ status: 'active', rotatedTo: null });
    const credential = await call('GET', `/v1/inboxes/${ids.inboxId}/vault/github`, { key: keys.owner });
    expect(credential.json).toMatchObject({ type: 'totp', version: 1 });
    const webhook = await call('GET', `/v1/webhooks/${ids.webhookId}`, { key: keys.owner });
    expect(webhook.json).toMatchObject({ enabled: true, description: null });
    const rule = await call('GET', `/v1/rules/${ids.ruleId}`, { key: keys.owner });
    expect(rule.json).toMatchObject({ action: 'block', match: 'spam.example', note: null });
    expect((await call('GET', `/v1/domains/${ids.domain}`, { key: keys.owner })).json).toMatchObject({ status: 'verified' });
  });
});
