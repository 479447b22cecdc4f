import { PassThrough, type Writable } from 'node:stream';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { ApiResult } from '../../lambdas/http/api';
import { streamingApiHandler } from '../../lambdas/handlers/streaming-response';

/**
 * The Lambda runtime's streaming contract as API Gateway reads it: a JSON prelude with the status and
 * headers, eight NUL bytes, then the body as written.
 */
beforeAll(() => {
  (globalThis as Record<string, unknown>).awslambda = {
    streamifyResponse: (handler: unknown) => handler,
    HttpResponseStream: {
      from(stream: Writable, metadata: unknown) {
        stream.write(Buffer.concat([Buffer.from(JSON.stringify(metadata)), Buffer.alloc(8)]));
        return stream;
      },
    },
  };
});
afterAll(() => delete (globalThis as Record<string, unknown>).awslambda);

async function invoke(result: ApiResult): Promise<{ metadata: unknown; body: string }> {
  const handler = streamingApiHandler(async () => result) as unknown as (event: APIGatewayProxyEvent, stream: Writable, context: Context) => Promise<void>;
  const sink = new PassThrough();
  const received: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => received.push(chunk));
  await handler({} as APIGatewayProxyEvent, sink, {} as Context);
  const all = Buffer.concat(received);
  const split = all.indexOf(Buffer.alloc(8));
  return { metadata: JSON.parse(all.subarray(0, split).toString()), body: all.subarray(split + 8).toString() };
}

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

describe('the streaming export handler', () => {
  it('sends the status and headers first, then each chunk as the export produces it', async () => {
    const out = await invoke({ statusCode: 200, headers: { 'content-type': 'application/mbox' }, body: '', stream: chunks('From a\n', 'From b\n') });
    expect(out).toEqual({ metadata: { statusCode: 200, headers: { 'content-type': 'application/mbox' } }, body: 'From a\nFrom b\n' });
  });

  it('sends an ordinary answer (an error before the export began) whole', async () => {
    const error = JSON.stringify({ error: { code: 'not_found', message: 'inbox not found', requestId: 'r' } });
    const out = await invoke({ statusCode: 404, headers: { 'content-type': 'application/json' }, body: error });
    expect(out).toEqual({ metadata: { statusCode: 404, headers: { 'content-type': 'application/json' } }, body: error });
  });

  it('decodes a base64 body before sending it', async () => {
    const out = await invoke({ statusCode: 200, headers: {}, body: Buffer.from('bytes').toString('base64'), isBase64Encoded: true });
    expect(out.body).toBe('bytes');
  });
});
