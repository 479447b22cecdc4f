import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import Negotiator from 'negotiator';
import type { APIGatewayProxyResult } from 'aws-lambda';

/** Smaller bodies fit a packet or two as they are: compressing them saves nothing worth the CPU. */
export const SMALLEST_COMPRESSED_BYTES = 1024;
/**
 * Lambda answers at most 6 MB; only the local stack serves more inline, and compressing that much at once would
 * hold up its one process (SMTP included), so larger bodies go as they are.
 */
export const LARGEST_COMPRESSED_BYTES = 6 * 1024 * 1024;

/** JSON, text and mail compress several-fold; images, archives and PDFs are compressed already. */
const COMPRESSIBLE_TYPE = /^\s*(text\/|message\/rfc822|application\/(json|xml|mbox|javascript|[\w.+-]+\+(json|xml))|image\/svg\+xml)/i;

/** Brotli at quality 4 costs about what gzip does and makes smaller JSON; quality 11, its default, is far slower. */
const ENCODERS = {
  br: (bytes: Buffer) =>
    brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
  gzip: (bytes: Buffer) => gzipSync(bytes),
};
const CODINGS = Object.keys(ENCODERS) as (keyof typeof ENCODERS)[];

/**
 * Compresses a buffered response the client accepts compressed (its Accept-Encoding, weighed by q-values), when
 * its type compresses and it is large enough to gain. The bytes go out base64-encoded, which API Gateway decodes
 * since every media type is binary to it. Fewer bytes reach the client sooner and cost less to transfer.
 */
export function compressResponse(result: APIGatewayProxyResult, acceptEncoding: string | undefined): APIGatewayProxyResult {
  const headers = result.headers ?? {};
  const contentType = String(headers['content-type'] ?? '');
  if (headers['content-encoding'] !== undefined || !COMPRESSIBLE_TYPE.test(contentType)) return result;
  const encoding = result.isBase64Encoded ? 'base64' : 'utf8';
  const size = Buffer.byteLength(result.body, encoding);
  if (size < SMALLEST_COMPRESSED_BYTES || size > LARGEST_COMPRESSED_BYTES) return result;
  // Whether compressed or not, the answer depends on Accept-Encoding, and caches must know it.
  const varied = { ...headers, vary: 'accept-encoding' };
  const coding = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encoding([...CODINGS, 'identity']);
  if (coding !== 'br' && coding !== 'gzip') return { ...result, headers: varied };
  const compressed = ENCODERS[coding](Buffer.from(result.body, encoding));
  return {
    ...result,
    headers: {
      ...varied,
      'content-encoding': coding,
      ...(headers['content-length'] !== undefined ? { 'content-length': String(compressed.length) } : {}),
    },
    body: compressed.toString('base64'),
    isBase64Encoded: true,
  };
}
