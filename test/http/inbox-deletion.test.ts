import type { WriteOp } from '../../lambdas/ports';
import type { apiCaller } from '../support/api-client';
import { withApi } from '../support/api-under-test';
import type { Backends } from '../support/backends';
import { storedEverything } from '../support/stored-everything';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';
import { startReceiver } from '../support/webhook-receiver';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let admin: string;

withApi(['admin'], (api) => ({ backends, call, key: admin } = api));

describe('DELETE /v1/inboxes/{inboxId}', () => {
  it('leaves nothing of the inbox in the table or the bucket, and narrows filters and keys that named it without widening them', async () => {
    // Prepare: mail with attachments, a credential, webhook deliveries about it, a filter and a key restriction naming it.
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'doomed' } })).json;
    const other = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'survivor' } })).json;
    const receiver = await startReceiver();
    const unfiltered = (await call('POST', '/v1/webhooks', { key: admin, body: { url: receiver.url, events: ['message.received'] } })).json;
    const filtered = (await call('POST', '/v1/webhooks', { key: admin, body: { url: receiver.url, events: ['message.received'], inboxIds: [inbox.id, other.id] } })).json;
    const onlyThis = (await call('POST', '/v1/api-keys', { key: admin, body: { name: 'only doomed', scopes: ['inboxes:read'], inboxIds: [inbox.id] } })).json;
    const doomedRaw: string[] = [];
    for (let i = 0; i < 2; i++) {
      const raw = await compose({ to: inbox.address, subject: `doomed ${i}`, text: 'x', attachments: [{ filename: 'a.txt', content: 'attached' }] });
      doomedRaw.push(`inbound/${(await deliver(backends.deps, raw, [inbox.address])).messageId}`);
    }
    const kept = await deliver(backends.deps, await compose({ to: other.address, subject: 'kept', text: 'x' }), [other.address]);
    await call('PUT', `/v1/inboxes/${inbox.id}/vault/login`, { key: admin, body: { type: 'secret_note', text: 'x' } });
    await backends.jobs.idle();
    expect(JSON.stringify(await storedEverything(backends))).toContain(inbox.id);

    // Act
    const res = await call('DELETE', `/v1/inboxes/${inbox.id}`, { key: admin });

    // Assess
    expect(res.status).toBe(204);
    const { items, objects } = await storedEverything(backends);
    const left = items.filter((i) => !String(i.pk).endsWith('#AUDIT') && JSON.stringify(i).includes(inbox.id));
    expect(left).toEqual([]);
    expect(objects.filter((o) => o.includes(inbox.id) || doomedRaw.includes(o))).toEqual([]);
    expect(objects).toContain(`inbound/${kept.messageId}`);
    expect((await call('GET', `/v1/webhooks/${filtered.id}`, { key: admin })).json.inboxIds).toEqual([other.id]);
    const deliveries = (await call('GET', `/v1/webhooks/${unfiltered.id}/deliveries`, { key: admin })).json.data;
    expect(deliveries.map((d: { payload: { data: { subject: string } } }) => d.payload.data.subject)).toEqual(['kept']);
    expect((await call('GET', '/v1/inboxes', { key: onlyThis.key })).json.data).toEqual([]);
    expect((await call('GET', `/v1/inboxes/${other.id}`, { key: onlyThis.key })).status).toBe(404);
    await receiver.close();
  });
});

describe('the address of a deleted inbox', () => {
  const release = (address: string, key = admin) => call('POST', `/v1/addresses/${encodeURIComponent(address)}/release`, { key });

  it('stays retired: mail for it is dropped and no inbox can take it until the org releases it', async () => {
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'retiring' } })).json;
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}`, { key: admin })).status).toBe(204);

    const { result } = await deliver(backends.deps, await compose({ to: inbox.address, subject: 'reset your password', text: 'x' }), [inbox.address]);
    expect(result.stored).toEqual([]);
    expect(result.dropped).toEqual([inbox.address]);

    const again = await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'retiring' } });
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain('release it first');

    expect((await release(inbox.address.toUpperCase())).status).toBe(204);
    const reborn = await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'retiring' } });
    expect(reborn.status).toBe(201);
    expect(reborn.json.id).not.toBe(inbox.id);
    const { result: after } = await deliver(backends.deps, await compose({ to: inbox.address, subject: 'welcome back', text: 'x' }), [inbox.address]);
    expect(after.stored.map((s: { inboxId: string }) => s.inboxId)).toEqual([reborn.json.id]);
    const audit = (await call('GET', '/v1/audit-events', { key: admin, query: { action: 'address.released' } })).json.data;
    expect(audit[0]).toMatchObject({ action: 'address.released', target: { type: 'address', id: inbox.address } });
  });

  it('is another org’s business: releasing it from elsewhere is 404, and taking it is a plain conflict', async () => {
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'not-yours' } })).json;
    await call('DELETE', `/v1/inboxes/${inbox.id}`, { key: admin });
    const elsewhere = (await call('POST', '/v1/api-keys', { key: admin, body: { name: 'other org', scopes: ['inboxes:write'], orgId: (await call('POST', '/v1/orgs', { key: admin, body: { name: 'other' } })).json.id } })).json.key;
    const released = await release(inbox.address, elsewhere);
    expect({ status: released.status, code: released.json.error.code }).toEqual({ status: 404, code: 'not_found' });
    const taken = await call('POST', '/v1/inboxes', { key: elsewhere, body: { localPart: 'not-yours' } });
    expect(taken.status).toBe(409);
    expect(taken.json.error.message).toBe(`the address ${inbox.address} is already taken`);
  });

  it('cannot be released while an inbox holds it, nor when it was never used', async () => {
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'in-use' } })).json;
    expect((await release(inbox.address)).status).toBe(409);
    expect((await release('never-used@mailroom.test')).status).toBe(404);
    // Like a malformed id, a malformed address names nothing that could exist.
    expect((await release('not an address')).status).toBe(404);
  });
});

describe('mail arriving while an inbox is being deleted', () => {
  it('is withdrawn by the parser when the deletion began between finding the inbox and storing the copy, and counted as dropped', async () => {
    const inbox = (await call('POST', '/v1/inboxes', { key: admin, body: { localPart: 'mid-deletion' } })).json;
    // The deletion's first step lands just before the parser's transaction stores the copy.
    const table = backends.deps.table;
    const racing = {
      ...backends.deps,
      table: Object.assign(Object.create(table), {
        transactWrite: async (ops: WriteOp[]) => {
          if (ops.some((op) => 'put' in op && op.put.type === 'message')) await table.update({ pk: 'O#org_default', sk: `I#${inbox.id}` }, { deleting: true });
          return table.transactWrite(ops);
        },
      }),
    };
    const raw = await compose({ to: inbox.address, subject: 'in flight', text: 'x', attachments: [{ filename: 'a.txt', content: 'a' }] });

    const { result, messageId } = await deliver(racing, raw, [inbox.address]);

    expect(result).toMatchObject({ stored: [], dropped: [inbox.address] });
    const { items, objects } = await storedEverything(backends);
    expect(items.filter((i) => String(i.pk) === `O#org_default#I#${inbox.id}`)).toEqual([]);
    expect(objects.filter((o) => o.includes(inbox.id) || o === `inbound/${messageId}`)).toEqual([]);
    // Hidden at once, and the deletion completes.
    expect((await call('GET', `/v1/inboxes/${inbox.id}`, { key: admin })).status).toBe(404);
    expect((await call('GET', '/v1/inboxes', { key: admin, query: { limit: '100' } })).json.data.map((i: { id: string }) => i.id)).not.toContain(inbox.id);
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}`, { key: admin })).status).toBe(204);
  });
});
