import { generateApiKey } from '../../lambdas/core/api-keys';
import { registerApiKey } from '../../lambdas/core/key-registry';
import type { apiCaller } from '../support/api-client';
import { apiWithKey } from '../support/api-under-test';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';
import { watchStoreCalls } from '../support/store-calls';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;
let inbox: { id: string; address: string };
const ids: Record<string, string> = {};

/** Five messages a day apart, from three senders, to and cc'd to different people; one has an attachment, one a label. */
beforeAll(async () => {
  backends = await startBackends();
  ({ call, key } = await apiWithKey(backends, ['inboxes:write', 'messages:read']));
  inbox = (await call('POST', '/v1/inboxes', { key, body: { retentionDays: 3650 } })).json;
  const mails = [
    { name: 'welcome', at: '2026-11-01T09:00:00.000Z', from: 'Acme Team <hello@acme.example>', subject: 'Welcome to Acme', text: 'Glad you are here.' },
    { name: 'invoice', at: '2026-11-02T09:00:00.000Z', from: 'Acme Billing <billing@acme.example>', subject: 'Your invoice for November', text: 'Invoice 2026-11 is attached.', attach: true },
    { name: 'code', at: '2026-11-03T09:00:00.000Z', from: 'Globex <no-reply@globex.example>', subject: 'Your Globex code', text: 'Your code is 731904.', cc: 'Ops Team <ops@globex.example>' },
    { name: 'digest', at: '2026-11-04T09:00:00.000Z', from: 'Globex News <news@globex.example>', subject: 'Weekly digest', text: 'This week: the new invoice portal.' },
    { name: 'draft', at: '2026-11-05T09:00:00.000Z', from: '"Ada Lovelace" <ada@example.com>', subject: 'Draft: engine notes', text: 'Notes on the analytical engine.' },
  ];
  for (const m of mails) {
    const raw = await compose({
      to: `Reader <${inbox.address}>`,
      cc: m.cc,
      from: m.from,
      subject: m.subject,
      text: m.text,
      attachments: m.attach ? [{ filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4 invoice') }] : undefined,
    });
    const { result } = await deliver(backends.deps, raw, [inbox.address], { timestamp: m.at });
    ids[m.name] = result.stored[0].messageId;
  }
  await call('PATCH', `/v1/inboxes/${inbox.id}/messages/${ids.invoice}`, { key, body: { labels: ['Billing'], unread: false } });
});
afterAll(() => backends.stop());

async function searched(q: string, extra: Record<string, string> = {}): Promise<string[]> {
  const res = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key, query: { q, ...extra } });
  expect({ q, status: res.status, error: res.json.error }).toEqual({ q, status: 200, error: undefined });
  return res.json.data.map((m: { id: string }) => Object.keys(ids).find((name) => ids[name] === m.id));
}

describe('GET /v1/inboxes/{inboxId}/messages?q= (search)', () => {
  it('finds free words in the subject or the snippet, in any case, every word', async () => {
    expect(await searched('invoice')).toEqual(['digest', 'invoice']);
    expect(await searched('INVOICE portal')).toEqual(['digest']);
    expect(await searched('"analytical engine"')).toEqual(['draft']);
  });

  it('reads from:, to: (To and Cc) and subject:, with quoted values', async () => {
    expect(await searched('from:globex')).toEqual(['digest', 'code']);
    expect(await searched('from:"Ada Lovelace"')).toEqual(['draft']);
    expect(await searched('to:ops@globex')).toEqual(['code']);
    expect(await searched('to:reader')).toEqual(['draft', 'digest', 'code', 'invoice', 'welcome']);
    expect(await searched('subject:"your globex"')).toEqual(['code']);
  });

  it('reads has:attachment, is:unread, is:read and label:', async () => {
    expect(await searched('has:attachment')).toEqual(['invoice']);
    expect(await searched('is:read')).toEqual(['invoice']);
    expect(await searched('is:unread from:acme')).toEqual(['welcome']);
    expect(await searched('label:billing')).toEqual(['invoice']);
  });

  it('takes after: as on or after a day and before: as strictly before it, in UTC, or exact ISO times', async () => {
    expect(await searched('after:2026-11-04')).toEqual(['draft', 'digest']);
    expect(await searched('before:2026-11-02')).toEqual(['welcome']);
    expect(await searched('after:2026-11-02 before:2026-11-04')).toEqual(['code', 'invoice']);
    expect(await searched('after:2026-11-03T09:00:00Z')).toEqual(['draft', 'digest', 'code']);
  });

  it('negates a term with - or !', async () => {
    expect(await searched('-from:acme')).toEqual(['draft', 'digest', 'code']);
    expect(await searched('!has:attachment from:acme')).toEqual(['welcome']);
    expect(await searched('your -subject:globex')).toEqual(['invoice']);
  });

  it('combines with the other filters', async () => {
    expect(await searched('your', { from: 'acme' })).toEqual(['invoice']);
    expect(await searched('from:globex', { since: '2026-11-04T00:00:00Z' })).toEqual(['digest']);
  });

  it('pages through the matches with cursors, a page never longer than the limit', async () => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const res = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key, query: { q: 'to:reader -label:billing', limit: '2', ...(cursor ? { cursor } : {}) } });
      pages.push(res.json.data.map((m: { id: string }) => Object.keys(ids).find((name) => ids[name] === m.id)));
      cursor = res.json.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.flat()).toEqual(['draft', 'digest', 'code', 'welcome']);
    expect(Math.max(...pages.map((p) => p.length))).toBe(2);
  });

  it('reads only the time slice after: and before: allow, in few large queries', async () => {
    const queries = (q: string) => {
      const calls = watchStoreCalls([[backends.deps.table, 'query', (r: { skPrefix?: string }) => (r.skPrefix?.startsWith('M#') ? 'query messages' : undefined)]]);
      return searched(q).finally(() => jest.restoreAllMocks()).then((found) => ({ found, queries: calls.events.filter((e) => e.startsWith('start')).length }));
    };

    expect(await queries('after:2026-11-05 engine')).toEqual({ found: ['draft'], queries: 1 });
    expect(await queries('nothing-matches-this')).toEqual({ found: [], queries: 1 });
  });

  it('refuses what it cannot read with a validation error that says why', async () => {
    for (const [q, says] of [
      ['after:yesterday', '"after:yesterday" is not a date'],
      ['has:pdf', 'has: takes attachment'],
      ['is:starred', 'is: takes read or unread'],
      ['from:""', 'needs a value'],
      ['x'.repeat(501), 'q'],
      [Array.from({ length: 21 }, (_, i) => `w${i}`).join(' '), 'at most 20'],
    ]) {
      const res = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key, query: { q } });
      expect({ q: q.slice(0, 40), status: res.status, code: res.json.error.code }).toEqual({ q: q.slice(0, 40), status: 400, code: 'validation_error' });
      expect(res.json.error.message).toContain(says);
    }
  });

  it("answers another org's key with the same 404 as an unknown inbox", async () => {
    const other = generateApiKey();
    await registerApiKey(backends.deps, { key: other, orgId: 'org_searcher', name: 'other org', scopes: ['admin'] });
    const res = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key: other, query: { q: 'invoice' } });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });
});
