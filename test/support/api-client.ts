import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ApiHandler, ApiResult } from '../../lambdas/http/api';

export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Sent as-is instead of JSON-encoding `body`. */
  rawBody?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  json: any;
  /** The body as the client reads it, decompressed. */
  bytes: Buffer;
  /** The body as sent, compressed when `content-encoding` says so. */
  sent: Buffer;
}

/** Calls the API handler with the proxy event API Gateway would send (bodies base64-encoded, as API Gateway sends them). */
export function apiCaller(api: ApiHandler) {
  return async (method: string, path: string, options: CallOptions = {}): Promise<CallResult> => {
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...options.headers };
    if (options.key) headers.Authorization = `Bearer ${options.key}`;
    const result: ApiResult = await api({
      httpMethod: method,
      path,
      headers,
      queryStringParameters: options.query ?? null,
      body: body === undefined ? null : Buffer.from(body).toString('base64'),
      isBase64Encoded: body !== undefined,
      requestContext: { requestId: `req-${Math.random().toString(36).slice(2)}`, identity: { sourceIp: '198.51.100.7' } },
    } as unknown as APIGatewayProxyEvent);
    const sent = result.stream ? await collect(result.stream) : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body);
    const bytes = decode(sent, result.headers?.['content-encoding']);
    const type = String(result.headers?.['content-type'] ?? '');
    return {
      status: result.statusCode,
      headers: result.headers as Record<string, string>,
      json: type.startsWith('application/json') ? JSON.parse(bytes.toString('utf8')) : undefined,
      bytes,
      sent,
    };
  };
}

function decode(body: Buffer, coding: unknown): Buffer {
  if (coding === 'gzip') return gunzipSync(body);
  if (coding === 'br') return brotliDecompressSync(body);
  return body;
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}
