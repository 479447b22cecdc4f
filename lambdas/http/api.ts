import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { authenticate, requireScope, type Principal } from '../core/auth';
import type { CoreDeps } from '../core/deps';
import { MailroomError, type ErrorCode } from '../core/errors';
import { contentDisposition } from './content-disposition';
import { buildOpenApi } from './openapi';
import type { HttpSettings, Reply, Route } from './route';
import { routes } from './routes';

/** The one table from error code to HTTP status. */
const STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
};

/** JSON bodies above this are refused before parsing. */
const MAX_JSON_BODY_BYTES = 1024 * 1024;
const DOWNLOAD_URL_SECONDS = 300;

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

export type ApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** The whole REST API as one function of an API Gateway proxy event: Lambda and the local server both call it. */
export function createApi(deps: CoreDeps, http: HttpSettings): ApiHandler {
  const compiled = routes.map(compile);
  let openapi: unknown;
  const openapiDoc = () => (openapi ??= buildOpenApi(routes, http.version));

  return async (event) => {
    const requestId = event.requestContext?.requestId || randomUUID();
    const headers = lowerCaseKeys(event.headers);
    try {
      const reply = await dispatch(event, headers, requestId);
      return await respond(reply, requestId);
    } catch (err) {
      return errorResponse(err, requestId, deps);
    }
  };

  async function dispatch(event: APIGatewayProxyEvent, headers: Record<string, string>, requestId: string): Promise<Reply> {
    const path = event.path || '/';
    const matches = compiled.map((c) => ({ c, m: c.pattern.exec(path) })).filter((x) => x.m);
    if (matches.length === 0) throw new MailroomError('not_found', `no route for ${path}`);
    const hit = matches.find((x) => x.c.route.method === event.httpMethod);
    if (!hit) {
      throw new MailroomError('method_not_allowed', `${event.httpMethod} is not allowed on ${path}`, {
        allowed: matches.map((x) => x.c.route.method),
      });
    }
    const { route, names } = hit.c;
    let principal: Principal = { orgId: '', keyId: '', scopes: [] };
    if (route.scope) {
      principal = await authenticate(deps, headers.authorization);
      requireScope(principal, route.scope);
    }
    const rawParams = Object.fromEntries(names.map((n, i) => [n, safeDecode(hit.m![i + 1])]));
    // A malformed id can name nothing: answer as for any id that is not yours.
    const params = route.params ? parseOr(route.params, rawParams, () => new MailroomError('not_found', 'no such resource')) : {};
    const query = route.query ? parseOr(route.query, event.queryStringParameters ?? {}, invalidFrom('query')) : {};
    const body = route.body ? parseOr(route.body, readJson(event, headers), invalidFrom('body')) : undefined;
    return route.handle({ deps, http, principal, params, query, body, requestId, openapi: openapiDoc });
  }

  async function respond(reply: Reply, requestId: string): Promise<APIGatewayProxyResult> {
    const base = { 'x-request-id': requestId, 'cache-control': 'no-store' };
    if (!('json' in reply) && !('stored' in reply)) return { statusCode: reply.status, headers: base, body: '' };
    if ('json' in reply) {
      return { statusCode: reply.status, headers: { ...base, 'content-type': 'application/json' }, body: JSON.stringify(reply.json) };
    }
    const { stored, disposition } = reply;
    if (stored.size > http.maxInlineDownloadBytes) {
      const url = await deps.blobs.downloadUrl(stored.key, {
        filename: stored.filename,
        contentType: stored.contentType,
        expiresInSeconds: DOWNLOAD_URL_SECONDS,
      });
      return { statusCode: 302, headers: { ...base, location: url }, body: '' };
    }
    const bytes = await deps.blobs.get(stored.key);
    if (!bytes) throw new Error(`stored bytes ${stored.key} are missing from the bucket`);
    return {
      statusCode: 200,
      headers: {
        ...base,
        'content-type': stored.contentType,
        'content-length': String(bytes.length),
        'content-disposition': contentDisposition(disposition, stored.filename),
        'x-content-type-options': 'nosniff',
      },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    };
  }
}

function errorResponse(err: unknown, requestId: string, deps: CoreDeps): APIGatewayProxyResult {
  const known = err instanceof MailroomError;
  if (!known) deps.log.error('request failed', { requestId, error: (err as Error)?.stack ?? String(err) });
  const code: ErrorCode = known ? err.code : 'internal';
  const message = known ? err.message : 'internal error; quote the requestId when reporting it';
  const headers: Record<string, string> = { 'x-request-id': requestId, 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (code === 'method_not_allowed' && known) headers.allow = (err.details?.allowed as string[]).join(', ');
  return {
    statusCode: STATUS[code],
    headers,
    body: JSON.stringify({ error: { code, message, requestId, ...(known && err.details ? { details: err.details } : {}) } }),
  };
}

function readJson(event: APIGatewayProxyEvent, headers: Record<string, string>): unknown {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_JSON_BODY_BYTES) {
    throw new MailroomError('payload_too_large', `request body is ${bytes.length} bytes; the limit is ${MAX_JSON_BODY_BYTES}`);
  }
  const type = headers['content-type'] ?? 'application/json';
  if (bytes.length > 0 && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new MailroomError('validation_error', 'request body must be JSON (Content-Type: application/json)');
  }
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new MailroomError('validation_error', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

function parseOr<T>(schema: z.ZodType<T>, input: unknown, error: (issues: z.core.$ZodIssue[]) => MailroomError): T {
  const result = schema.safeParse(input);
  if (!result.success) throw error(result.error.issues);
  return result.data;
}

const invalidFrom = (where: 'query' | 'body') => (issues: z.core.$ZodIssue[]) =>
  new MailroomError('validation_error', `invalid ${where}: ${issues.map((i) => `${i.path.join('.') || where}: ${i.message}`).join('; ')}`, {
    issues: issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code })),
  });

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function lowerCaseKeys(headers: APIGatewayProxyEvent['headers'] | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}
