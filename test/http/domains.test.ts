import { generateApiKey } from '../../lambdas/core/api-keys';
import type { Scope } from '../../lambdas/core/auth';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { METRIC } from '../../lambdas/core/metric-names';
import { DEFAULT_ORG_ID, domainClaimKey } from '../../lambdas/core/table-keys';
import { DomainHeldElsewhere, type MailDomainState } from '../../lambdas/ports';
import type { apiCaller } from '../support/api-client';
import { apiWithKey } from '../support/api-under-test';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;
let otherOrgKey: string;

beforeAll(async () => {
  backends = await startBackends();
  ({ call, key } = await apiWithKey(backends, ['inboxes:write', 'inboxes:read', 'messages:read', 'audit:read']));
  otherOrgKey = await keyWith(['inboxes:write', 'inboxes:read'], undefined, 'org_other');
});
afterAll(() => backends.stop());
afterEach(() => jest.restoreAllMocks());

async function keyWith(scopes: Scope[], inboxIds?: string[], orgId = DEFAULT_ORG_ID) {
  const k = generateApiKey();
  await registerApiKey(backends.deps, { key: k, orgId, name: scopes.join(' '), scopes, inboxIds });
  return k;
}
const register = (domain: string, as = key) => call('POST', '/v1/domains', { key: as, body: { domain } });
const receive = async (to: string) => (await deliver(backends.deps, await compose({ to, subject: `to ${to}`, text: 'hello' }), [to])).result;

describe('orgs’ own domains: /v1/domains', () => {
  it('registers a domain, answers the DNS records to add, and shows it verified (npm start and tests verify at once)', async () => {
    const res = await register('Mail.Acme.example');
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      domain: 'mail.acme.example',
      status: 'verified',
      records: [
        { type: 'MX', name: 'mail.acme.example', value: '10 127.0.0.1', purpose: 'receiving' },
        { type: 'TXT', name: 'mail.acme.example', value: 'v=spf1 include:amazonses.com ~all', purpose: 'spf' },
        { type: 'TXT', name: '_dmarc.mail.acme.example', value: 'v=DMARC1; p=quarantine; adkim=r; aspf=r', purpose: 'dmarc' },
      ],
      createdAt: expect.any(String),
      verifiedAt: expect.any(String),
    });
    expect((await call('GET', '/v1/domains', { key })).json.data.map((d: { domain: string }) => d.domain)).toContain('mail.acme.example');
    expect((await call('GET', '/v1/domains/MAIL.acme.example', { key })).json).toEqual(res.json);
    const audit = (await call('GET', '/v1/audit-events', { key, query: { limit: '100' } })).json.data.filter((e: { target: { id: string } }) => e.target.id === 'mail.acme.example');
    expect(audit.map((e: { action: string }) => e.action)).toEqual(['domain.verified', 'domain.created']);
  });

  it('lists the DKIM records SES hands out, and verifies the domain when SES does, on a later read', async () => {
    let state: MailDomainState = { status: 'pending', dkimTokens: ['tok1', 'tok2', 'tok3'] };
    jest.spyOn(backends.deps.mailDomains, 'register').mockImplementation(async () => state);
    jest.spyOn(backends.deps.mailDomains, 'state').mockImplementation(async () => state);
    const pending = (await register('pending.example')).json;
    expect(pending.status).toBe('pending');
    expect(pending.records.filter((r: { purpose: string }) => r.purpose === 'dkim')).toEqual([
      { type: 'CNAME', name: 'tok1._domainkey.pending.example', value: 'tok1.dkim.amazonses.com', purpose: 'dkim' },
      { type: 'CNAME', name: 'tok2._domainkey.pending.example', value: 'tok2.dkim.amazonses.com', purpose: 'dkim' },
      { type: 'CNAME', name: 'tok3._domainkey.pending.example', value: 'tok3.dkim.amazonses.com', purpose: 'dkim' },
    ]);
    // Not verified: no inbox there, and mail for it reaches none.
    const refused = await call('POST', '/v1/inboxes', { key, body: { localPart: 'ada', domain: 'pending.example' } });
    expect({ status: refused.status, field: refused.json.error.details?.field }).toEqual({ status: 400, field: 'domain' });

    state = { ...state, status: 'verified' };
    expect((await call('GET', '/v1/domains/pending.example', { key })).json).toMatchObject({ status: 'verified', verifiedAt: expect.any(String) });
    expect((await call('POST', '/v1/inboxes', { key, body: { localPart: 'ada', domain: 'pending.example' } })).status).toBe(201);
  });

  it('refuses a domain the mail service holds for someone else (409), leaving no claim behind', async () => {
    jest.spyOn(backends.deps.mailDomains, 'register').mockRejectedValueOnce(new DomainHeldElsewhere('elsewhere.example'));
    const refused = await register('elsewhere.example');
    expect({ status: refused.status, message: refused.json.error.message }).toEqual({
      status: 409,
      message: "elsewhere.example is known to the mail service already, and not as this org's domain",
    });
    expect((await call('GET', '/v1/domains/elsewhere.example', { key })).status).toBe(404);
  });

  it('takes the claim back when the mail service refuses the domain, so it can be tried again', async () => {
    jest.spyOn(backends.deps.mailDomains, 'register').mockRejectedValueOnce(new Error('LimitExceededException: too many identities'));
    const failed = await register('refused.example');
    expect({ status: failed.status, code: failed.json.error.code }).toEqual({ status: 502, code: 'upstream_failed' });
    expect((await register('refused.example')).status).toBe(201);
  });

  it('delivers mail for an inbox at the org’s verified domain, and none once the domain is not (or not the org’s) any more', async () => {
    await register('deliver.example');
    const inbox = (await call('POST', '/v1/inboxes', { key, body: { localPart: 'desk', domain: 'deliver.example' } })).json;
    expect(inbox.address).toBe('desk@deliver.example');
    expect((await receive('desk@deliver.example')).stored).toHaveLength(1);
    expect((await receive('nobody@deliver.example')).dropped).toEqual(['nobody@deliver.example']);

    const dropped = backends.metrics.total(METRIC.messagesDropped);
    await backends.deps.table.update(domainClaimKey('deliver.example'), { status: 'failed' });
    expect((await receive('desk@deliver.example')).dropped).toEqual(['desk@deliver.example']);
    await backends.deps.table.update(domainClaimKey('deliver.example'), { status: 'verified', orgId: 'org_other' });
    expect((await receive('desk@deliver.example')).dropped).toEqual(['desk@deliver.example']);
    expect(backends.metrics.total(METRIC.messagesDropped) - dropped).toBe(2);
    await backends.deps.table.update(domainClaimKey('deliver.example'), { orgId: DEFAULT_ORG_ID });
    expect((await receive('desk@deliver.example')).stored).toHaveLength(1);
  });

  it('gives a domain to one org only, and no inbox there to another org', async () => {
    await register('taken.example');
    const again = await register('taken.example', otherOrgKey);
    expect({ status: again.status, code: again.json.error.code }).toEqual({ status: 409, code: 'conflict' });
    expect((await register('taken.example')).status).toBe(409);
    const foreign = await call('POST', '/v1/inboxes', { key: otherOrgKey, body: { domain: 'taken.example' } });
    expect(foreign.status).toBe(400);
    expect((await call('GET', '/v1/domains/taken.example', { key: otherOrgKey })).status).toBe(404);
    expect((await call('DELETE', '/v1/domains/taken.example', { key: otherOrgKey })).status).toBe(404);
    expect((await call('GET', '/v1/domains', { key: otherOrgKey })).json.data).toEqual([]);
  });

  it('removes a domain only once no inbox has an address there; then another org may take it', async () => {
    await register('moving.example');
    const inbox = (await call('POST', '/v1/inboxes', { key, body: { domain: 'moving.example' } })).json;
    const refused = await call('DELETE', '/v1/domains/moving.example', { key });
    expect({ status: refused.status, inboxIds: refused.json.error.details.inboxIds }).toEqual({ status: 409, inboxIds: [inbox.id] });
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}`, { key })).status).toBe(204);
    const remove = jest.spyOn(backends.deps.mailDomains, 'remove');
    expect((await call('DELETE', '/v1/domains/moving.example', { key })).status).toBe(204);
    expect(remove).toHaveBeenCalledWith('moving.example');
    expect((await call('GET', '/v1/domains/moving.example', { key })).status).toBe(404);
    expect((await register('moving.example', otherOrgKey)).status).toBe(201);
  });

  it('refuses what is not a domain of its own, and keys that may not change the org’s domains', async () => {
    for (const domain of ['not a domain', 'localhost', 'mailroom.test', 'sub.mailroom.test', 'x'.repeat(250) + '.example']) {
      const res = await register(domain);
      expect({ domain, status: res.status, code: res.json.error.code }).toEqual({ domain, status: 400, code: 'validation_error' });
    }
    expect((await call('POST', '/v1/domains', { key, body: { domain: 'a.example', verify: true } })).status).toBe(400);
    expect((await call('GET', '/v1/domains/not_a_domain', { key })).status).toBe(404);
    const restricted = await keyWith(['inboxes:write', 'inboxes:read'], [(await call('POST', '/v1/inboxes', { key, body: {} })).json.id]);
    expect((await register('restricted.example', restricted)).status).toBe(403);
    expect((await register('reader.example', await keyWith(['inboxes:read']))).status).toBe(403);
  });
});
