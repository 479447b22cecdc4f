import { generateApiKey } from '../../lambdas/core/api-keys';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { METRIC } from '../../lambdas/core/metric-names';
import { MAX_RULES_PER_LIST } from '../../lambdas/core/rules/rules';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import type { Scope } from '../../lambdas/core/auth';
import type { apiCaller } from '../support/api-client';
import { apiWithKey } from '../support/api-under-test';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;

beforeAll(async () => {
  backends = await startBackends();
  ({ call, key } = await apiWithKey(backends, ['inboxes:write', 'inboxes:read', 'messages:read', 'messages:send', 'audit:read']));
});
afterAll(() => backends.stop());
afterEach(async () => {
  // Org rules hold for every test's inboxes: each test starts without them.
  for (const rule of (await call('GET', '/v1/rules', { key })).json.data) await call('DELETE', `/v1/rules/${rule.id}`, { key });
  jest.restoreAllMocks();
});

const newInbox = async () => (await call('POST', '/v1/inboxes', { key, body: {} })).json as { id: string; address: string };
const addRule = async (path: string, body: Record<string, unknown>) => {
  const res = await call('POST', path, { key, body });
  expect({ status: res.status, error: res.json.error }).toEqual({ status: 201, error: undefined });
  return res.json as { id: string; position: number };
};
const receive = async (to: string, from: string, text = 'Your code is 482913') => {
  const raw = await compose({ to, from, subject: `Mail from ${from}`, text });
  const { result, messageId } = await deliver(backends.deps, raw, [to]);
  return { ...result.stored[0], sesMessageId: messageId, raw };
};
const listed = async (inboxId: string, query: Record<string, string> = {}, as = key) =>
  (await call('GET', `/v1/inboxes/${inboxId}/messages`, { key: as, query })).json.data?.map((m: { from: { address: string } }) => m.from.address);
const keyWith = async (scopes: Scope[], inboxIds?: string[]) => {
  const k = generateApiKey();
  await registerApiKey(backends.deps, { key: k, orgId: DEFAULT_ORG_ID, name: scopes.join(' '), scopes, inboxIds });
  return k;
};

describe('rule lists: /v1/rules (the org’s) and /v1/inboxes/{inboxId}/rules', () => {
  it('adds, lists in order, moves, changes and removes rules, each change audited', async () => {
    const inbox = await newInbox();
    const base = `/v1/inboxes/${inbox.id}/rules`;
    const partner = await addRule(base, { direction: 'receiving', action: 'allow', match: 'Partner.Example', note: 'our agency' });
    const everyone = await addRule(base, { direction: 'receiving', action: 'block', match: '*' });
    const sending = await addRule(base, { direction: 'sending', action: 'block', match: '*.competitor.example' });
    const boss = await addRule(base, { direction: 'receiving', action: 'allow', match: 'boss@corp.example', position: 0 });

    const list = (await call('GET', base, { key })).json;
    expect(list.nextCursor).toBeNull();
    expect(list.data.map((r: Record<string, unknown>) => [r.id, r.direction, r.position])).toEqual([
      [boss.id, 'receiving', 0],
      [partner.id, 'receiving', 1],
      [everyone.id, 'receiving', 2],
      [sending.id, 'sending', 0],
    ]);
    expect(list.data[1]).toMatchObject({ level: 'inbox', inboxId: inbox.id, action: 'allow', match: 'partner.example', note: 'our agency' });
    expect((await call('GET', base, { key, query: { direction: 'sending' } })).json.data.map((r: { id: string }) => r.id)).toEqual([sending.id]);

    const moved = await call('PATCH', `${base}/${everyone.id}`, { key, body: { position: 0, note: 'closed inbox' } });
    expect(moved.json).toMatchObject({ id: everyone.id, position: 0, note: 'closed inbox', action: 'block' });
    const changed = await call('PATCH', `${base}/${partner.id}`, { key, body: { action: 'block' } });
    expect(changed.json).toMatchObject({ action: 'block', match: 'partner.example', position: 2 });
    expect((await call('GET', `${base}/${partner.id}`, { key })).json).toEqual(changed.json);
    expect((await call('DELETE', `${base}/${boss.id}`, { key })).status).toBe(204);
    expect((await call('GET', base, { key })).json.data.map((r: { id: string }) => r.id)).toEqual([everyone.id, partner.id, sending.id]);

    const audit = (await call('GET', '/v1/audit-events', { key, query: { limit: '100' } })).json.data.filter((e: { target: { type: string } }) => e.target.type === 'rule');
    expect(audit.filter((e: { target: { id: string } }) => e.target.id === partner.id).map((e: Record<string, unknown>) => [e.action, e.details])).toEqual([
      ['rule.updated', { level: 'inbox', inboxId: inbox.id, direction: 'receiving', action: 'block', match: 'partner.example', changed: ['action'] }],
      ['rule.created', { level: 'inbox', inboxId: inbox.id, direction: 'receiving', action: 'allow', match: 'partner.example' }],
    ]);
    expect(audit.find((e: { target: { id: string } }) => e.target.id === boss.id)).toMatchObject({ action: 'rule.deleted' });
  });

  it('refuses what is not a rule with a 400, and a second rule for the same match with a 409', async () => {
    const inbox = await newInbox();
    const base = `/v1/inboxes/${inbox.id}/rules`;
    for (const body of [
      { direction: 'receiving', action: 'block', match: 'not an address' },
      { direction: 'receiving', action: 'block', match: 'ada@' },
      { direction: 'receiving', action: 'block', match: '*@example.com' },
      { direction: 'receiving', action: 'deny', match: 'example.com' },
      { direction: 'inbound', action: 'block', match: 'example.com' },
      { direction: 'receiving', action: 'block', match: 'example.com', priority: 1 },
      { direction: 'receiving', action: 'block', match: 'example.com', position: -1 },
    ]) {
      const res = await call('POST', base, { key, body });
      expect({ body, status: res.status, code: res.json.error.code }).toEqual({ body, status: 400, code: 'validation_error' });
    }
    expect((await call('POST', base, { key, rawBody: '{"direction":' })).status).toBe(400);
    expect((await call('PATCH', `${base}/rul_01JZZZZZZZZZZZZZZZZZZZZZZZ`, { key, body: {} })).status).toBe(400);

    const first = await addRule(base, { direction: 'receiving', action: 'block', match: 'example.com' });
    const again = await call('POST', base, { key, body: { direction: 'receiving', action: 'allow', match: 'EXAMPLE.com' } });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'conflict', details: { ruleId: first.id } });
    // The same match for the other direction is another rule.
    await addRule(base, { direction: 'sending', action: 'allow', match: 'example.com' });
  });

  it(`holds at most ${MAX_RULES_PER_LIST} rules in a list`, async () => {
    const inbox = await newInbox();
    const base = `/v1/inboxes/${inbox.id}/rules`;
    for (let i = 0; i < MAX_RULES_PER_LIST; i++) await addRule(base, { direction: 'receiving', action: 'block', match: `sender${i}@example.com` });
    const over = await call('POST', base, { key, body: { direction: 'receiving', action: 'block', match: 'one-more@example.com' } });
    expect({ status: over.status, message: over.json.error.message }).toEqual({ status: 400, message: `a list holds at most ${MAX_RULES_PER_LIST} rules; remove one first` });
  });

  it('answers 404 for rules and inboxes that are not there or not the key’s, and lets only unrestricted keys change the org’s rules', async () => {
    const inbox = await newInbox();
    const other = await newInbox();
    const rule = await addRule(`/v1/inboxes/${inbox.id}/rules`, { direction: 'receiving', action: 'block', match: 'example.com' });
    const missing = 'rul_01JZZZZZZZZZZZZZZZZZZZZZZZ';
    expect((await call('GET', `/v1/inboxes/${inbox.id}/rules/${missing}`, { key })).status).toBe(404);
    expect((await call('PATCH', `/v1/inboxes/${inbox.id}/rules/${missing}`, { key, body: { note: 'x' } })).status).toBe(404);
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/rules/${missing}`, { key })).status).toBe(404);
    // A rule is found only in its own list.
    expect((await call('GET', `/v1/inboxes/${other.id}/rules/${rule.id}`, { key })).status).toBe(404);
    expect((await call('GET', `/v1/rules/${rule.id}`, { key })).status).toBe(404);
    expect((await call('GET', '/v1/inboxes/inb_01JZZZZZZZZZZZZZZZZZZZZZZZ/rules', { key })).status).toBe(404);
    expect((await call('GET', `/v1/inboxes/${inbox.id}/rules/not-an-id`, { key })).status).toBe(404);

    const restricted = await keyWith(['inboxes:read', 'inboxes:write'], [inbox.id]);
    expect((await call('GET', `/v1/inboxes/${inbox.id}/rules`, { key: restricted })).status).toBe(200);
    expect((await call('GET', `/v1/inboxes/${other.id}/rules`, { key: restricted })).status).toBe(404);
    expect((await call('GET', '/v1/rules', { key: restricted })).status).toBe(200);
    const refused = await call('POST', '/v1/rules', { key: restricted, body: { direction: 'receiving', action: 'block', match: 'example.com' } });
    expect({ status: refused.status, message: refused.json.error.message }).toEqual({ status: 403, message: 'an inbox-restricted API key cannot change the org’s rules' });
    const reader = await keyWith(['inboxes:read']);
    expect((await call('POST', `/v1/inboxes/${inbox.id}/rules`, { key: reader, body: { direction: 'receiving', action: 'block', match: 'x.example' } })).status).toBe(403);
  });

  it('keeps every one of several concurrent additions to one list', async () => {
    const inbox = await newInbox();
    const base = `/v1/inboxes/${inbox.id}/rules`;
    const added = await Promise.all(Array.from({ length: 5 }, (_, i) => addRule(base, { direction: 'receiving', action: 'block', match: `racer${i}.example` })));
    const listedIds = (await call('GET', base, { key })).json.data.map((r: { id: string }) => r.id).sort();
    expect(listedIds).toEqual(added.map((r) => r.id).sort());
  });
});

describe('receiving: blocked mail is kept out of the inbox', () => {
  it('stores mail a block rule matches apart: counted, not listed, in no thread, no event, no codes; shown to keys with inboxes:write', async () => {
    const inbox = await newInbox();
    await addRule(`/v1/inboxes/${inbox.id}/rules`, { direction: 'receiving', action: 'block', match: 'spam.example' });
    const publish = jest.spyOn(backends.deps.events, 'publish');
    const before = backends.metrics.total(METRIC.messagesBlocked);

    const blocked = await receive(inbox.address, 'offers@spam.example');
    const kept = await receive(inbox.address, 'friend@ham.example');

    expect(blocked).toMatchObject({ blocked: true, duplicate: false });
    expect(kept.blocked).toBe(false);
    expect(publish.mock.calls.map(([e]) => (e.data as { id: string }).id)).toEqual([kept.messageId]);
    expect(backends.metrics.total(METRIC.messagesBlocked) - before).toBe(1);
    expect((await call('GET', `/v1/inboxes/${inbox.id}`, { key })).json.blockedMessages).toBe(1);

    expect(await listed(inbox.id)).toEqual(['friend@ham.example']);
    expect(await listed(inbox.id, { q: 'spam' })).toEqual([]);
    const threads = (await call('GET', `/v1/inboxes/${inbox.id}/threads`, { key })).json.data;
    expect(threads.map((t: { messageCount: number }) => t.messageCount)).toEqual([1]);
    const waited = await call('POST', `/v1/inboxes/${inbox.id}/wait`, { key, body: { timeoutSeconds: 0, from: 'spam.example' } });
    expect(waited.json.timedOut).toBe(true);

    const shown = (await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key, query: { blocked: 'true' } })).json.data;
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ id: blocked.messageId, blockedBy: { level: 'inbox' }, extracted: { codes: [], links: [] } });
    const message = (await call('GET', `/v1/inboxes/${inbox.id}/messages/${blocked.messageId}`, { key })).json;
    expect(message).toMatchObject({ text: expect.stringContaining('482913'), blockedBy: { level: 'inbox' } });
    expect((await call('GET', `/v1/inboxes/${inbox.id}/messages/${blocked.messageId}/raw`, { key })).bytes.equals(blocked.raw)).toBe(true);
    expect((await call('GET', `/v1/inboxes/${inbox.id}/threads/${message.threadId}`, { key })).status).toBe(404);

    // A reader that does not manage the inbox never sees it.
    const reader = await keyWith(['messages:read']);
    const refused = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key: reader, query: { blocked: 'true' } });
    expect({ status: refused.status, message: refused.json.error.message }).toEqual({ status: 403, message: 'blocked mail is shown only to keys with the inboxes:write scope' });
    expect((await call('GET', `/v1/inboxes/${inbox.id}/messages/${blocked.messageId}`, { key: reader })).status).toBe(404);
    expect((await call('GET', `/v1/inboxes/${inbox.id}/messages/${blocked.messageId}/raw`, { key: reader })).status).toBe(404);

    // Deleting it is like deleting any message.
    expect((await call('DELETE', `/v1/inboxes/${inbox.id}/messages/${blocked.messageId}`, { key })).status).toBe(204);
    expect(await listed(inbox.id, { blocked: 'true' })).toEqual([]);
  });

  it('counts a redelivered blocked mail once', async () => {
    const inbox = await newInbox();
    await addRule(`/v1/inboxes/${inbox.id}/rules`, { direction: 'receiving', action: 'block', match: 'spam.example' });
    const raw = await compose({ to: inbox.address, from: 'offers@spam.example', subject: 'again', text: 'again' });
    const timestamp = new Date().toISOString();
    const first = await deliver(backends.deps, raw, [inbox.address], { timestamp });
    const second = await deliver(backends.deps, raw, [inbox.address], { messageId: first.messageId, timestamp });
    expect(second.result.stored[0]).toMatchObject({ messageId: first.result.stored[0].messageId, duplicate: true, blocked: true });
    expect((await call('GET', `/v1/inboxes/${inbox.id}`, { key })).json.blockedMessages).toBe(1);
    expect(await listed(inbox.id, { blocked: 'true' })).toEqual(['offers@spam.example']);
  });

  it('reads each list in order, the first matching rule deciding: an allow ahead of block * admits only the allowed', async () => {
    const inbox = await newInbox();
    const base = `/v1/inboxes/${inbox.id}/rules`;
    await addRule(base, { direction: 'receiving', action: 'allow', match: 'boss@corp.example' });
    await addRule(base, { direction: 'receiving', action: 'allow', match: '*.partner.example' });
    await addRule(base, { direction: 'receiving', action: 'block', match: '*' });
    for (const from of ['boss@corp.example', 'intern@corp.example', 'ada@eu.partner.example', 'ada@partner.example', 'stranger@else.example']) {
      await receive(inbox.address, from);
    }
    expect(await listed(inbox.id)).toEqual(['ada@eu.partner.example', 'boss@corp.example']);
    expect(await listed(inbox.id, { blocked: 'true' })).toEqual(['stranger@else.example', 'ada@partner.example', 'intern@corp.example']);
  });

  it('holds every inbox to the org’s rules first: an inbox can narrow what its org admits, never widen it', async () => {
    const inbox = await newInbox();
    const elsewhere = await newInbox();
    const orgBlock = await addRule('/v1/rules', { direction: 'receiving', action: 'block', match: 'tracker.example' });
    await addRule(`/v1/inboxes/${inbox.id}/rules`, { direction: 'receiving', action: 'allow', match: 'tracker.example' });
    await addRule(`/v1/inboxes/${inbox.id}/rules`, { direction: 'receiving', action: 'block', match: 'news.example' });

    await receive(inbox.address, 'pixel@tracker.example');
    await receive(inbox.address, 'daily@news.example');
    await receive(elsewhere.address, 'pixel@tracker.example');
    await receive(elsewhere.address, 'daily@news.example');

    const blockedIn = async (id: string) => (await call('GET', `/v1/inboxes/${id}/messages`, { key, query: { blocked: 'true' } })).json.data.map((m: { blockedBy: unknown }) => m.blockedBy);
    expect(await blockedIn(inbox.id)).toEqual([{ level: 'inbox', ruleId: expect.stringMatching(/^rul_/) }, { level: 'org', ruleId: orgBlock.id }]);
    expect(await blockedIn(elsewhere.id)).toEqual([{ level: 'org', ruleId: orgBlock.id }]);
    expect(await listed(elsewhere.id)).toEqual(['daily@news.example']);
  });

  it('applies a rule to mail that arrives after it, and removing it lets mail in again', async () => {
    const inbox = await newInbox();
    const rule = await addRule('/v1/rules', { direction: 'receiving', action: 'block', match: 'sometimes.example' });
    await receive(inbox.address, 'a@sometimes.example');
    await call('DELETE', `/v1/rules/${rule.id}`, { key });
    await receive(inbox.address, 'b@sometimes.example');
    expect(await listed(inbox.id)).toEqual(['b@sometimes.example']);
  });
});

describe('sending: recipients a rule blocks are refused', () => {
  it('refuses with a 422 naming each blocked recipient and the rule, and sends nothing', async () => {
    const inbox = await newInbox();
    const org = await addRule('/v1/rules', { direction: 'sending', action: 'block', match: '*.competitor.example' });
    const own = await addRule(`/v1/inboxes/${inbox.id}/rules`, { direction: 'sending', action: 'block', match: 'ceo@rival.example' });
    const send = (to: string[]) => call('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { to, subject: 'hello', text: 'hello' } });

    const res = await send(['sales@eu.competitor.example', 'ceo@rival.example', 'friend@ok.example']);
    expect(res.status).toBe(422);
    expect(res.json.error.message).toBe(
      `not sent: sales@eu.competitor.example is blocked by the org’s rule ${org.id}; ceo@rival.example is blocked by the inbox’s rule ${own.id}`,
    );
    expect(res.json.error.details.refused).toEqual([
      { address: 'sales@eu.competitor.example', reason: `blocked by the org’s rule ${org.id}`, ruleId: org.id },
      { address: 'ceo@rival.example', reason: `blocked by the inbox’s rule ${own.id}`, ruleId: own.id },
    ]);
    expect(await listed(inbox.id, { direction: 'outbound' })).toEqual([]);
    expect((await send(['friend@ok.example'])).status).toBe(201);
  });

  it('admits only allowed recipients when a list ends in block *', async () => {
    const inbox = await newInbox();
    await addRule(`/v1/inboxes/${inbox.id}/rules`, { direction: 'sending', action: 'allow', match: 'customer.example' });
    await addRule(`/v1/inboxes/${inbox.id}/rules`, { direction: 'sending', action: 'block', match: '*' });
    const send = (to: string) => call('POST', `/v1/inboxes/${inbox.id}/messages`, { key, body: { to: [to], subject: 'x', text: 'x' } });
    expect((await send('ada@customer.example')).status).toBe(201);
    expect((await send('ada@sub.customer.example')).status).toBe(422);
    // Receiving rules do not apply to sending.
    await addRule(`/v1/inboxes/${inbox.id}/rules`, { direction: 'receiving', action: 'block', match: 'customer.example', position: 0 });
    expect((await send('bob@customer.example')).status).toBe(201);
  });
});
