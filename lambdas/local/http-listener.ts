import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ApiHandler } from '../http/api-core';
import { dashboardFile, DEFAULT_DASHBOARD_DIR } from './dashboard-files';
import { DOWNLOAD_PATH } from './embedded/download-links';
import type { BlobDownload } from './embedded/file-blobs';

/** API Gateway refuses bodies above 10 MB; the local listener does the same. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface HttpListener {
  port: number;
  close(): Promise<void>;
}

export interface HttpListenerOptions {
  host: string;
  port: number;
  api: ApiHandler;
  dashboardDir?: string;
  /** Other origins the API's download links point to (an S3-compatible server). */
  downloadOrigins?: string[];
  /** Answers GETs of the embedded blob store's download links, under DOWNLOAD_PATH. */
  downloads?: (url: URL) => Promise<BlobDownload>;
}

/**
 * Turns each HTTP request under /v1 into the API Gateway proxy event the Lambda receives, and calls the same
 * handler; GETs of download links go to `downloads`; other GETs are the dashboard's files, from `dashboardDir`.
 */
export async function startHttpListener(options: HttpListenerOptions): Promise<HttpListener> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (isRead && options.downloads && path.startsWith(DOWNLOAD_PATH)) {
      options
        .downloads(url)
        .then(async (download) => {
          res.writeHead(download.status, download.headers);
          if (Buffer.isBuffer(download.body)) return void res.end(req.method === 'HEAD' ? undefined : download.body);
          if (req.method === 'HEAD') return void (download.body.destroy(), res.end());
          await pipeline(download.body, res).catch((err: Error) => res.destroy(err));
        })
        .catch((err: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'internal', message: err.message } }));
        });
      return;
    }
    if (isRead && !path.startsWith('/v1')) {
      void dashboardFile(options.dashboardDir ?? DEFAULT_DASHBOARD_DIR, path, options.downloadOrigins).then((file) => {
        res.writeHead(file.status, { ...file.headers, 'content-length': String(file.body.length) });
        res.end(req.method === 'HEAD' ? undefined : file.body);
      });
      return;
    }
    readBody(req)
      .then((body) => (body === null ? tooLarge() : options.api(toEvent(req, body))))
      .then(async (result) => {
        res.writeHead(result.statusCode, result.headers as Record<string, string>);
        if (!result.stream) return void res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
        // A failure mid-stream aborts the response, so the client sees a broken transfer rather than a short file.
        await pipeline(Readable.from(result.stream), res).catch((err: Error) => res.destroy(err));
      })
      .catch((err: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal', message: err.message, requestId: '' } }));
      });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function tooLarge() {
  const requestId = randomUUID();
  return {
    statusCode: 413,
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ error: { code: 'payload_too_large', message: `request body exceeds ${MAX_BODY_BYTES} bytes`, requestId } }),
  };
}

/** Resolves null once the body passes the limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEvent {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    headers[name] = req.rawHeaders[i + 1];
    (multiValueHeaders[name] ??= []).push(req.rawHeaders[i + 1]);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const requestId = randomUUID();
  return {
    resource: '/{proxy+}',
    path: decodeURI(url.pathname),
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
    pathParameters: { proxy: url.pathname.slice(1) },
    stageVariables: null,
    // binaryMediaTypes is */* on AWS, so API Gateway hands every body over base64-encoded.
    body: body.length ? body.toString('base64') : null,
    isBase64Encoded: body.length > 0,
    requestContext: {
      requestId,
      accountId: '000000000000',
      apiId: 'local',
      stage: 'local',
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      resourceId: 'proxy',
      resourcePath: '/{proxy+}',
      requestTimeEpoch: Date.now(),
      authorizer: null,
      identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: req.headers['user-agent'] ?? null },
    },
  } as unknown as APIGatewayProxyEvent;
}
