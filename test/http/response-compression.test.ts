import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { generateApiKey } from '../../lambdas/core/api-keys';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import { createApi } from '../../lambdas/http/api';
import { compressResponse, LARGEST_COMPRESSED_BYTES, SMALLEST_COMPRESSED_BYTES } from '../../lambdas/http/response-compression';
import { apiCaller } from '../support/api-client';
import { startBackends, type Backends } from '../support/backends';
import { compose } from '../support/mime';
import { deliver } from '../support/ses';

const json = (body: string) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body });
const listing = JSON.stringify({ data: Array.from({ length: 40 }, (_, i) => ({ id: `msg_${i}`, subject: `Your code is ${i}` })) });

describe('response compression', () => {
  it('gzips a JSON answer for a client that accepts gzip, and says so', () => {
    const out = compressResponse(json(listing), 'gzip, deflate');
    expect(out.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'accept-encoding', 'content-type': 'application/json' });
    expect(out.isBase64Encoded).toBe(true);
    const sent = Buffer.from(out.body, 'base64');
    expect(gunzipSync(sent).toString()).toBe(listing);
    expect(sent.length).toBeLessThan(listing.length / 4);
  });

  it("follows the client's weights: br when gzip is refused, identity when nothing it offers is known", () => {
    expect(compressResponse(json(listing), 'gzip;q=0, br').headers?.['content-encoding']).toBe('br');
    expect(compressResponse(json(listing), 'br;q=0.2, gzip').headers?.['content-encoding']).toBe('gzip');
    for (const refusal of [undefined, '', 'identity', 'deflate', 'zstd', '*;q=0']) {
      const out = compressResponse(json(listing), refusal);
      expect(out.body).toBe(listing);
      expect(out.headers).toEqual({ 'content-type': 'application/json', vary: 'accept-encoding' });
    }
  });

  it('leaves small answers, answers beyond what Lambda can return, compressed media types and answers already encoded as they are', () => {
    const small = json('x'.repeat(SMALLEST_COMPRESSED_BYTES - 1));
    expect(compressResponse(small, 'gzip')).toBe(small);
    const huge = json('x'.repeat(LARGEST_COMPRESSED_BYTES + 1));
    expect(compressResponse(huge, 'gzip')).toBe(huge);
    const png = { statusCode: 200, headers: { 'content-type': 'image/png' }, body: randomBytes(4096).toString('base64'), isBase64Encoded: true };
    expect(compressResponse(png, 'gzip')).toBe(png);
    const encoded = { statusCode: 200, headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, body: listing };
    expect(compressResponse(encoded, 'gzip')).toBe(encoded);
  });

  it('keeps Content-Length true to the bytes sent', () => {
    const raw = Buffer.from(`Subject: hello\r\n\r\n${'a line of mail text\r\n'.repeat(200)}`);
    const out = compressResponse(
      { statusCode: 200, headers: { 'content-type': 'message/rfc822', 'content-length': String(raw.length) }, body: raw.toString('base64'), isBase64Encoded: true },
      'gzip',
    );
    const sent = Buffer.from(out.body, 'base64');
    expect(out.headers?.['content-length']).toBe(String(sent.length));
    expect(gunzipSync(sent)).toEqual(raw);
  });
});

describe('the REST API compresses what a client accepts compressed', () => {
  let backends: Backends;
  let call: ReturnType<typeof apiCaller>;
  let key: string;

  beforeAll(async () => {
    backends = await startBackends();
    call = apiCaller(createApi(backends.deps, { maxInlineDownloadBytes: 1024 * 1024, version: '0.0.0-test' }));
    key = generateApiKey();
    await registerApiKey(backends.deps, { key, orgId: DEFAULT_ORG_ID, name: 'admin', scopes: ['admin'] });
  });
  afterAll(() => backends.stop());

  it('listings, messages and raw mail come gzipped and decode to what an uncompressed call returns; a PNG attachment does not', async () => {
    const inbox = (await call('POST', '/v1/inboxes', { key, body: { localPart: 'compressed' } })).json;
    const raw = await compose({
      to: inbox.address,
      subject: 'Quarterly numbers',
      text: 'The numbers for the quarter are attached.\n'.repeat(100),
      html: `<p>${'The numbers for the quarter are attached. '.repeat(100)}</p>`,
      attachments: [{ filename: 'chart.png', content: randomBytes(8192), contentType: 'image/png' }],
    });
    let messageId = '';
    // A listing of three summaries is well past the size worth compressing.
    for (let i = 0; i < 3; i++) messageId = (await deliver(backends.deps, raw, [inbox.address])).result.stored[0].messageId;
    const accepting = { key, headers: { 'Accept-Encoding': 'gzip, deflate, br' } };

    for (const path of [`/v1/inboxes/${inbox.id}/messages`, `/v1/inboxes/${inbox.id}/messages/${messageId}`, `/v1/inboxes/${inbox.id}/messages/${messageId}/raw`]) {
      const plain = await call('GET', path, { key });
      const compressed = await call('GET', path, accepting);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(compressed.headers['content-encoding']).toBe('gzip');
      expect(compressed.bytes).toEqual(plain.bytes);
      expect(compressed.sent.length).toBeLessThan(plain.sent.length / 2);
    }
    const attachment = await call('GET', `/v1/inboxes/${inbox.id}/messages/${messageId}/attachments/att_1`, accepting);
    expect(attachment.headers['content-type']).toBe('image/png');
    expect(attachment.headers['content-encoding']).toBeUndefined();
    expect(attachment.sent.length).toBe(8192);
  });
});
