import { systemActor } from '../../lambdas/core/audit';
import { deleteOrg } from '../../lambdas/core/org-deletion';
import type { apiCaller } from '../support/api-client';
import { withApi } from '../support/api-under-test';
import type { Backends } from '../support/backends';
import { storedEverything } from '../support/stored-everything';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let admin: string;

withApi(['admin'], (api) => ({ backends, call, key: admin } = api));

const ALL_SCOPES = ['inboxes:read', 'inboxes:write', 'messages:read', 'webhooks:manage', 'vault:write', 'vault:reveal', 'keys:manage', 'audit:read'];

/** An org in full use: inboxes (one temporary) with mail and attachments, a credential, a webhook with deliveries, keys, idempotency records. */
async function busyOrg(name: string) {
  const org = (await call('POST', '/v1/orgs', { key: admin, body: { name } })).json;
  const key = (await call('POST', '/v1/api-keys', { key: admin, body: { name: 'owner', scopes: ALL_SCOPES, orgId: org.id } })).json.key as string;
  const inboxes = [];
  for (const [i, extra] of [{}, { ttlMinutes: 60 }, {}].entries()) {
    const inbox = (await call('POST', '/v1/inboxes', { key, body: { localPart: `${name}-${i}`, ...extra }, headers: { 'Idempotency-Key': `create-${i}` } })).json;
    inboxes.push(inbox);
  }
  await call('POST', '/v1/webhooks', { key, body: { url: 'https://hooks.example.com/org', events: ['message.received'] } });
  await call('PUT', `/v1/inboxes/${inboxes[0].id}/vault/site`, { key, body: { type: 'login', username: 'ada', password: 'secret' } });
  const rawObjects: string[] = [];
  for (const inbox of inboxes) {
    const { messageId } = await deliver(backends.deps, await compose({ to: inbox.address, subject: 'hello', text: 'x', attachments: [{ filename: 'a.txt', content: 'a' }] }), [inbox.address]);
    rawObjects.push(`inbound/${messageId}`);
  }
  await backends.jobs.idle();
  return { org, key, inboxes, rawObjects };
}

describe('DELETE /v1/orgs/{orgId}', () => {
  it('leaves nothing of the org but its retired addresses and the record of its deletion, and locks its keys out at once', async () => {
    const { org, key, inboxes, rawObjects } = await busyOrg('leaving');
    const bystander = await busyOrg('staying');
    expect(JSON.stringify(await storedEverything(backends))).toContain(org.id);

    const res = await call('DELETE', `/v1/orgs/${org.id}`, { key: admin });

    expect(res.json).toEqual({ id: org.id, status: 'deleted' });
    const { items, objects } = await storedEverything(backends);
    const left = items.filter((i) => JSON.stringify(i).includes(org.id));
    expect(left.filter((i) => !String(i.pk).startsWith('A#') && !String(i.pk).startsWith('O#org_default#AUDIT'))).toEqual([]);
    const retired = left.filter((i) => String(i.pk).startsWith('A#'));
    expect(retired.map((i) => i.pk).sort()).toEqual(inboxes.map((i: { address: string }) => `A#${i.address}`).sort());
    // The temporary inbox's address is retired only until the inbox would have expired.
    expect(retired.find((i) => i.pk === `A#${inboxes[1].address}`)!.expiresAt).toBe(Date.parse(inboxes[1].expiresAt) / 1000);
    expect(objects.filter((o) => o.includes(org.id) || rawObjects.includes(o))).toEqual([]);
    expect(bystander.rawObjects.filter((o) => objects.includes(o))).toEqual(bystander.rawObjects);
    expect((await call('GET', '/v1/inboxes', { key })).status).toBe(401);
    expect((await call('GET', '/v1/inboxes', { key: bystander.key })).json.data).toHaveLength(3);
    const { result } = await deliver(backends.deps, await compose({ to: inboxes[0].address, subject: 'late', text: 'x' }), [inboxes[0].address]);
    expect(result.dropped).toEqual([inboxes[0].address]);
    const audit = (await call('GET', '/v1/audit-events', { key: admin, query: { action: 'org.deleted' } })).json.data;
    expect(audit[0]).toMatchObject({ target: { type: 'org', id: org.id }, details: { name: 'leaving' } });
    expect((await call('DELETE', `/v1/orgs/${org.id}`, { key: admin })).status).toBe(404);
  });

  it('lets an admin release a deleted org’s addresses', async () => {
    const { org, inboxes } = await busyOrg('released');
    await call('DELETE', `/v1/orgs/${org.id}`, { key: admin });
    expect((await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'released-0' } })).status).toBe(409);
    expect((await call('POST', `/v1/addresses/${inboxes[0].address}/release`, { key: admin, query: { orgId: org.id } })).status).toBe(204);
    expect((await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'released-0' } })).status).toBe(201);
  });

  it('carries on across requests when one is not enough, showing the org as deleting meanwhile', async () => {
    const { org } = await busyOrg('large');
    const actor = systemActor('org_default', 'test');
    // A budget of nothing: one inbox per request.
    expect(await deleteOrg(backends.deps, actor, org.id, { budgetMs: 0 })).toBe('in_progress');
    const listed = (await call('GET', '/v1/orgs', { key: admin, query: { limit: '100' } })).json.data.find((o: { id: string }) => o.id === org.id);
    expect(listed.status).toBe('deleting');
    expect((await call('POST', '/v1/api-keys', { key: admin, body: { name: 'x', scopes: ['inboxes:read'], orgId: org.id } })).status).toBe(404);
    expect(await deleteOrg(backends.deps, actor, org.id, { budgetMs: 0 })).toBe('in_progress');
    expect((await call('DELETE', `/v1/orgs/${org.id}`, { key: admin })).json).toEqual({ id: org.id, status: 'deleted' });
    expect(JSON.stringify((await storedEverything(backends)).items.filter((i) => !String(i.pk).startsWith('A#') && !String(i.pk).endsWith('#AUDIT')))).not.toContain(org.id);
  });

  it('refuses to delete the default org or the caller’s own, and needs an admin key', async () => {
    const conflict = await call('DELETE', '/v1/orgs/org_default', { key: admin });
    expect([conflict.status, conflict.json.error.code]).toEqual([409, 'conflict']);
    const org = (await call('POST', '/v1/orgs', { key: admin, body: { name: 'self' } })).json;
    const own = (await call('POST', '/v1/api-keys', { key: admin, body: { name: 'own admin', scopes: ['admin'], orgId: org.id } })).json.key;
    expect((await call('DELETE', `/v1/orgs/${org.id}`, { key: own })).status).toBe(409);
    const notAdmin = (await call('POST', '/v1/api-keys', { key: admin, body: { name: 'keys only', scopes: ['keys:manage'] } })).json.key;
    expect((await call('DELETE', `/v1/orgs/${org.id}`, { key: notAdmin })).status).toBe(403);
    expect((await call('DELETE', '/v1/orgs/org_01JZZZZZZZZZZZZZZZZZZZZZZZ', { key: admin })).status).toBe(404);
  });
});
