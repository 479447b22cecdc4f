import type { apiCaller } from '../support/api-client';
import { apiWithKey } from '../support/api-under-test';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;
let readOnly: string;
let inbox: { id: string; address: string };
const ids: Record<string, string> = {};

/** Four messages a day apart, from two senders, one with an attachment. */
beforeAll(async () => {
  backends = await startBackends();
  ({ call, key } = await apiWithKey(backends, ['inboxes:write', 'messages:read']));
  ({ key: readOnly } = await apiWithKey(backends, ['messages:read']));
  // Kept ten years: the mail below is dated, and would otherwise expire 30 days after those dates.
  inbox = (await call('POST', '/v1/inboxes', { key, body: { retentionDays: 3650 } })).json;
  const mails = [
    { name: 'welcome', at: '2026-11-01T09:00:00.000Z', from: 'Acme Team <hello@acme.example>', subject: 'Welcome to Acme' },
    { name: 'invoice', at: '2026-11-02T09:00:00.000Z', from: 'Acme Billing <billing@acme.example>', subject: 'Your invoice', attach: true },
    { name: 'code', at: '2026-11-03T09:00:00.000Z', from: 'Globex <no-reply@globex.example>', subject: 'Your Globex code' },
    { name: 'digest', at: '2026-11-04T09:00:00.000Z', from: 'Globex <news@globex.example>', subject: 'Weekly digest' },
  ];
  for (const m of mails) {
    const raw = await compose({
      to: inbox.address,
      from: m.from,
      subject: m.subject,
      text: `${m.subject}.`,
      attachments: m.attach ? [{ filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4 invoice') }] : undefined,
    });
    const { result } = await deliver(backends.deps, raw, [inbox.address], { timestamp: m.at });
    ids[m.name] = result.stored[0].messageId;
  }
});
afterAll(() => backends.stop());

async function listed(query: Record<string, string>): Promise<string[]> {
  const res = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key, query });
  expect(res.status).toBe(200);
  return res.json.data.map((m: { id: string }) => Object.keys(ids).find((name) => ids[name] === m.id));
}

describe('GET /v1/inboxes/{inboxId}/messages filters', () => {
  it('lists everything newest first without filters', async () => {
    expect(await listed({})).toEqual(['digest', 'code', 'invoice', 'welcome']);
  });

  it('matches part of the sender’s address or name, in any case', async () => {
    expect(await listed({ from: 'ACME' })).toEqual(['invoice', 'welcome']);
    expect(await listed({ from: 'news@globex' })).toEqual(['digest']);
  });

  it('matches part of the subject, in any case', async () => {
    expect(await listed({ subjectContains: 'your' })).toEqual(['code', 'invoice']);
  });

  it('keeps the time window inclusive at both ends, whatever the offset it is written in', async () => {
    expect(await listed({ since: '2026-11-02T09:00:00Z', until: '2026-11-03T09:00:00Z' })).toEqual(['code', 'invoice']);
    expect(await listed({ since: '2026-11-03T10:00:00+01:00' })).toEqual(['digest', 'code']);
    expect(await listed({ until: '2026-11-01T09:00:00.000Z' })).toEqual(['welcome']);
  });

  it('takes times before 1970 (message ids cannot name them) as the start of time', async () => {
    expect(await listed({ since: '1969-07-20T20:17:00Z' })).toEqual(['digest', 'code', 'invoice', 'welcome']);
    expect(await listed({ until: '1969-07-20T20:17:00Z' })).toEqual([]);
  });

  it('filters by attachments both ways', async () => {
    expect(await listed({ hasAttachments: 'true' })).toEqual(['invoice']);
    expect(await listed({ hasAttachments: 'false' })).toEqual(['digest', 'code', 'welcome']);
  });

  it('combines filters and pages through the matches', async () => {
    const first = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key, query: { from: 'globex', limit: '1' } });
    expect(first.json.data.map((m: { id: string }) => m.id)).toEqual([ids.digest]);
    const second = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key, query: { from: 'globex', limit: '1', cursor: first.json.nextCursor } });
    expect(second.json.data.map((m: { id: string }) => m.id)).toEqual([ids.code]);
    expect(await listed({ from: 'globex', subjectContains: 'digest', since: '2026-11-01T00:00:00Z' })).toEqual(['digest']);
  });

  it('refuses a malformed filter with a validation error naming it', async () => {
    for (const query of [{ since: 'yesterday' }, { hasAttachments: 'yes' }, { unread: '1' }] as Record<string, string>[]) {
      const res = await call('GET', `/v1/inboxes/${inbox.id}/messages`, { key, query });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('validation_error');
      expect(JSON.stringify(res.json.error)).toContain(Object.keys(query)[0]);
    }
  });
});

describe('PATCH /v1/inboxes/{inboxId}/messages/{messageId}', () => {
  const patch = (messageId: string, body: unknown, as = key) => call('PATCH', `/v1/inboxes/${inbox.id}/messages/${messageId}`, { key: as, body });

  it('starts every message unread and without labels', async () => {
    const res = await call('GET', `/v1/inboxes/${inbox.id}/messages/${ids.welcome}`, { key });
    expect(res.json).toMatchObject({ unread: true, labels: [] });
  });

  it('marks a message read and back, and the unread filter follows', async () => {
    const read = await patch(ids.code, { unread: false });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id: ids.code, unread: false, labels: [] });
    expect(await listed({ unread: 'false' })).toEqual(['code']);
    expect(await listed({ unread: 'true' })).toEqual(['digest', 'invoice', 'welcome']);
    await patch(ids.code, { unread: true });
    expect(await listed({ unread: 'false' })).toEqual([]);
  });

  it('replaces the labels and keeps the read state it was not given', async () => {
    await patch(ids.invoice, { unread: false });
    const res = await patch(ids.invoice, { labels: ['billing', 'to-pay'] });
    expect(res.json).toMatchObject({ unread: false, labels: ['billing', 'to-pay'] });
    expect((await patch(ids.invoice, { labels: [] })).json.labels).toEqual([]);
    const full = await call('GET', `/v1/inboxes/${inbox.id}/messages/${ids.invoice}`, { key });
    expect(full.json).toMatchObject({ unread: false, labels: [], subject: 'Your invoice' });
  });

  it('refuses an empty change, unknown fields and bad labels', async () => {
    for (const body of [{}, { read: true }, { labels: [''] }, { labels: ['a\nb'] }, { labels: Array.from({ length: 21 }, (_, i) => `l${i}`) }, { unread: 'no' }]) {
      const res = await patch(ids.welcome, body);
      expect({ body, status: res.status, code: res.json.error.code }).toEqual({ body, status: 400, code: 'validation_error' });
    }
  });

  it('answers 404 for a message that is not there', async () => {
    const res = await patch('msg_01JZZZZZZZZZZZZZZZZZZZZZZZ', { unread: false });
    expect(res.status).toBe(404);
  });

  it('needs inboxes:write: a read-only key may look but not change', async () => {
    const res = await patch(ids.welcome, { unread: false }, readOnly);
    expect(res.status).toBe(403);
    expect((await call('GET', `/v1/inboxes/${inbox.id}/messages/${ids.welcome}`, { key: readOnly })).json.unread).toBe(true);
  });
});
