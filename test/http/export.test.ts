import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from '../../lambdas/http/api';
import { startHttpListener, type HttpListener } from '../../lambdas/local/http-listener';
import { fixture } from '../fixtures/generate';
import type { apiCaller } from '../support/api-client';
import { apiWithKey } from '../support/api-under-test';
import { startBackends, type Backends } from '../support/backends';
import { deliver } from '../support/ses';

let backends: Backends;
let call: ReturnType<typeof apiCaller>;
let key: string;
let inbox: { id: string; address: string };
let dir: string;

/** A body whose lines start with "From " and ">From ": what mbox has to quote, reversibly. */
const FROM_LINES = Buffer.from(
  [
    'From: Ada <ada@example.com>',
    'To: export@mailroom.test',
    'Subject: quoting',
    'Message-ID: <quoting@example.com>',
    '',
    'From the desk of Ada:',
    '>From a quoted reply',
    '>>From deeper still',
    'Fromage is not a From_ line.',
    '',
  ].join('\r\n'),
);

/** What each message should read as in the mbox: its raw bytes with LF line ends. */
const unixLines = (raw: Buffer) => Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');

const delivered: { raw: Buffer; at: string }[] = [
  { raw: fixture('plain-text'), at: '2026-11-01T08:00:00.000Z' },
  { raw: FROM_LINES, at: '2026-11-02T08:00:00.000Z' },
  { raw: fixture('iso-8859-1-body'), at: '2026-11-03T08:00:00.000Z' },
  { raw: fixture('multipart-mixed-two-attachments'), at: '2026-11-04T08:00:00.000Z' },
  { raw: fixture('malformed-truncated'), at: '2026-11-05T08:00:00.000Z' },
];

beforeAll(async () => {
  backends = await startBackends();
  ({ call, key } = await apiWithKey(backends, ['inboxes:write', 'messages:read']));
  // Kept ten years: the mail below is dated, and would otherwise expire 30 days after those dates.
  inbox = (await call('POST', '/v1/inboxes', { key, body: { localPart: 'export', retentionDays: 3650 } })).json;
  // Delivered newest first, so the export's oldest-first order is its own doing.
  for (const { raw, at } of [...delivered].reverse()) await deliver(backends.deps, raw, [inbox.address], { timestamp: at });
  await deliver(backends.deps, fixture('plain-text'), [inbox.address], { timestamp: '2026-11-06T08:00:00.000Z', verdicts: { virus: 'FAIL' } });
  dir = mkdtempSync(join(tmpdir(), 'mailroom-export-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await backends.stop();
});

/** Reads an mbox file with Python's standard `mailbox` module: each message's From_ line, subject and bytes. */
function readWithPython(mbox: Buffer): { fromLine: string; subject: string | null; bytes: Buffer }[] {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.mbox`);
  writeFileSync(path, mbox);
  const script = [
    'import base64, json, mailbox, sys',
    'box = mailbox.mbox(sys.argv[1], create=False)',
    'out = [{"fromLine": m.get_from(), "subject": m["subject"], "bytes": base64.b64encode(box.get_bytes(k)).decode()} for k, m in box.iteritems()]',
    'print(json.dumps(out))',
  ].join('\n');
  const parsed = JSON.parse(execFileSync('python3', ['-c', script, path]).toString()) as { fromLine: string; subject: string | null; bytes: string }[];
  return parsed.map((m) => ({ ...m, bytes: Buffer.from(m.bytes, 'base64') }));
}

/** mboxrd readers drop one ">" from every line that is ">"s then "From ". */
const unquote = (bytes: Buffer) => Buffer.from(bytes.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');

describe('GET /v1/inboxes/{inboxId}/export?format=mbox', () => {
  it('gives an mbox Python’s mailbox module reads back message for message, oldest first, bytes intact', async () => {
    const res = await call('GET', `/v1/inboxes/${inbox.id}/export`, { key, query: { format: 'mbox' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/mbox');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="export_mailroom\.test-\d{4}-\d\d-\d\d\.mbox"/);

    const messages = readWithPython(res.bytes);
    expect(messages).toHaveLength(delivered.length);
    messages.forEach((m, i) => {
      expect(unquote(m.bytes).toString('latin1').replace(/\n+$/, '')).toBe(unixLines(delivered[i].raw).toString('latin1').replace(/\n+$/, ''));
    });
    expect(messages.map((m) => m.subject)).toEqual(["Notes from Tuesday's meeting", 'quoting', expect.any(String), expect.any(String), expect.anything()]);
  });

  it('writes From_ lines with the sender and the receive time in asctime form', async () => {
    const res = await call('GET', `/v1/inboxes/${inbox.id}/export`, { key });
    const fromLines = readWithPython(res.bytes).map((m) => m.fromLine);
    expect(fromLines[0]).toBe('ada@example.com Sun Nov  1 08:00:00 2026');
    expect(fromLines[1]).toBe('ada@example.com Mon Nov  2 08:00:00 2026');
  });

  it('quotes "From " lines mboxrd-style, so no message is split and the quoting is reversible', async () => {
    const text = (await call('GET', `/v1/inboxes/${inbox.id}/export`, { key })).bytes.toString('latin1');
    expect(text).toContain('\n>From the desk of Ada:\n>>From a quoted reply\n>>>From deeper still\nFromage is not a From_ line.\n');
    expect(text.match(/^From /gm)).toHaveLength(delivered.length);
  });

  it('leaves quarantined mail out unless asked for', async () => {
    const all = await call('GET', `/v1/inboxes/${inbox.id}/export`, { key, query: { includeQuarantined: 'true' } });
    expect(readWithPython(all.bytes)).toHaveLength(delivered.length + 1);
  });
});

describe('GET /v1/inboxes/{inboxId}/export?format=json', () => {
  it('gives the inbox and every message with metadata, bodies, headers and attachments, oldest first', async () => {
    const res = await call('GET', `/v1/inboxes/${inbox.id}/export`, { key, query: { format: 'json' } });
    expect(res.headers['content-type']).toBe('application/json');
    const { inbox: exported, exportedAt, messages } = res.json;
    expect(exported).toMatchObject({ id: inbox.id, address: inbox.address });
    expect(Date.parse(exportedAt)).not.toBeNaN();
    expect(messages.map((m: { receivedAt: string }) => m.receivedAt)).toEqual(delivered.map((d) => d.at));
    expect(messages[1]).toMatchObject({ subject: 'quoting', text: expect.stringContaining('From the desk of Ada'), unread: true });
    expect(messages[3].attachments.map((a: { filename: string }) => a.filename)).toEqual(['q3-report.pdf', 'chart.png']);
    expect(messages[0].headers).toEqual(expect.arrayContaining([{ name: 'Subject', value: "Notes from Tuesday's meeting" }]));
  });

  it('is valid JSON for an empty inbox too', async () => {
    const empty = (await call('POST', '/v1/inboxes', { key, body: {} })).json;
    const res = await call('GET', `/v1/inboxes/${empty.id}/export`, { key, query: { format: 'json' } });
    expect(res.json.messages).toEqual([]);
  });
});

describe('exports over HTTP', () => {
  let listener: HttpListener;
  beforeAll(async () => {
    listener = await startHttpListener({ host: '127.0.0.1', port: 0, api: createApi(backends.deps, { maxInlineDownloadBytes: 64 * 1024, version: '0.0.0-test' }) });
  });
  afterAll(() => listener.close());

  it('are streamed (chunked, no Content-Length): sent as they are read, not assembled first', async () => {
    const res = await fetch(`http://127.0.0.1:${listener.port}/v1/inboxes/${inbox.id}/export?format=mbox`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    expect(readWithPython(Buffer.from(await res.arrayBuffer()))).toHaveLength(delivered.length);
  });

  it('answer a wrong inbox or format with an error before anything is streamed', async () => {
    const headers = { authorization: `Bearer ${key}` };
    const missing = await fetch(`http://127.0.0.1:${listener.port}/v1/inboxes/inb_01JZZZZZZZZZZZZZZZZZZZZZZZ/export`, { headers });
    expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([404, 'not_found']);
    const format = await fetch(`http://127.0.0.1:${listener.port}/v1/inboxes/${inbox.id}/export?format=pst`, { headers });
    expect([format.status, ((await format.json()) as { error: { code: string } }).error.code]).toEqual([400, 'validation_error']);
  });
});
