import { createHash, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type * as z from 'zod';
import type { Actor } from '../core/audit';
import { authenticate, KeyCache, requireInboxAccess, requireScope, type Principal } from '../core/auth';
import type { CoreDeps } from '../core/deps';
import { MailroomError, type ErrorCode } from '../core/errors';
import { runIdempotently } from '../core/idempotency';
import { consumeRequest, type RateLimitState } from '../core/rate-limit';
import { contentDisposition } from './content-disposition';
import { compressResponse } from './response-compression';
import { buildOpenApi } from './openapi';
import type { HttpSettings, Reply, Route } from './route';

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
  upstream_failed: 502,
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

/** What the access log says about a request: known once it is routed and authenticated. */
interface RequestSeen {
  route: string | null;
  orgId: string | null;
}

/** A proxy result, or headers and a body still being produced (`stream`; `body` is then empty). */
export type ApiResult = APIGatewayProxyResult & { stream?: AsyncIterable<Buffer> };
export type ApiHandler = (event: APIGatewayProxyEvent) => Promise<ApiResult>;

/** A REST API over `routes` as one function of an API Gateway proxy event: Lambda and the local server both call it. */
export function createApiWith(deps: CoreDeps, http: HttpSettings, routes: readonly Route[]): ApiHandler {
  const compiled = routes.map(compile);
  let openapi: unknown;
  const openapiDoc = () => (openapi ??= buildOpenApi(routes, http.version));

  const keyCache = new KeyCache();
  const forgetKey = (keyHash: string) => keyCache.forget(keyHash);

  return async (event) => {
    const requestId = event.requestContext?.requestId || randomUUID();
    const headers = lowerCaseKeys(event.headers);
    // Filled in as the request is understood, and sent with its answer whatever it is.
    const extra: Record<string, string> = {};
    const seen: RequestSeen = { route: null, orgId: null };
    const started = performance.now();
    let response: ApiResult;
    try {
      response = await respond(await dispatch(event, headers, requestId, extra, seen), requestId);
    } catch (err) {
      response = errorResponse(err, requestId, deps);
    }
    // An access log: which route, for which org, with what outcome; never the query, body or key.
    deps.log.info('request', {
      requestId,
      method: event.httpMethod,
      route: seen.route,
      orgId: seen.orgId,
      status: response.statusCode,
      ms: Math.round(performance.now() - started),
    });
    const answer = { ...response, headers: { ...response.headers, ...extra } };
    // Streams (exports) go out as they are produced, uncompressed.
    return answer.stream ? answer : compressResponse(answer, headers['accept-encoding']);
  };

  async function dispatch(
    event: APIGatewayProxyEvent,
    headers: Record<string, string>,
    requestId: string,
    extra: Record<string, string>,
    seen: RequestSeen,
  ): Promise<Reply> {
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
    seen.route = route.path;
    /** Everything after the key: its scope, the request's params, query and body, and the route itself. */
    const serve = async (principal: Principal, apiKey: string): Promise<Reply> => {
      if (route.scope) requireScope(principal, route.scope);
      const rawParams = Object.fromEntries(names.map((n, i) => [n, safeDecode(hit.m![i + 1])]));
      // A malformed id can name nothing: answer as for any id that is not yours.
      const params = route.params ? parseOr(route.params, rawParams, () => new MailroomError('not_found', 'no such resource')) : {};
      if (typeof (params as { inboxId?: unknown }).inboxId === 'string') requireInboxAccess(principal, (params as { inboxId: string }).inboxId);
      const query = route.query ? parseOr(route.query, event.queryStringParameters ?? {}, invalidFrom('query')) : {};
      const rawBody = readBody(event);
      const body = route.body ? parseOr(route.body, parseJson(rawBody, headers, route.maxBodyBytes ?? MAX_JSON_BODY_BYTES), invalidFrom('body')) : undefined;
      const actor: Actor = {
        orgId: principal.orgId,
        type: 'api_key',
        id: principal.keyId,
        requestId,
        sourceIp: event.requestContext?.identity?.sourceIp ?? null,
      };
      const run = () => route.handle({ deps, http, principal, actor, params, query, body, headers, requestId, openapi: openapiDoc, forgetKey });
      const idempotencyKey = headers['idempotency-key'];
      if (!route.creates || idempotencyKey === undefined) return run();
      const fingerprint = createHash('sha256').update(`${event.httpMethod} ${path}\n`).update(rawBody).digest('base64url');
      const { reply, replayed } = await runIdempotently(deps, { orgId: principal.orgId, keyId: principal.keyId, apiKey }, idempotencyKey, fingerprint, async () => {
        const r = await run();
        if (!('json' in r)) throw new Error(`${route.method} ${route.path} creates but does not answer JSON`);
        return { status: r.status, json: r.json };
      });
      if (replayed) extra['idempotent-replayed'] = 'true';
      return reply;
    };
    if (!route.scope) return serve({ orgId: '', keyId: '', scopes: [], inboxIds: null, validUntil: null }, '');
    const { principal, apiKey } = await authenticate(deps, keyCache, headers.authorization);
    seen.orgId = principal.orgId;
    const counted = consumeRequest(deps, principal.keyId).then((rate) => {
      Object.assign(extra, rateLimitHeaders(rate));
      if (rate.exceeded) {
        extra['retry-after'] = String(rate.resetSeconds);
        throw new MailroomError('rate_limited', `this API key may make ${rate.limit} requests a minute; retry in ${rate.resetSeconds} s`);
      }
    });
    if (!route.readsOnly) {
      await counted;
      return serve(principal, apiKey);
    }
    // A read that leaves no trace runs while its request is counted (saving a round trip); its answer, or its
    // error, goes out only if the request is within the limit.
    const reply = serve(principal, apiKey);
    reply.catch(() => undefined);
    await counted;
    return reply;
  }

  async function respond(reply: Reply, requestId: string): Promise<ApiResult> {
    const base = { 'x-request-id': requestId, 'cache-control': 'no-store' };
    if ('json' in reply) {
      return { statusCode: reply.status, headers: { ...base, 'content-type': 'application/json' }, body: JSON.stringify(reply.json) };
    }
    if ('stream' in reply) {
      const { contentType, filename, chunks } = reply.stream;
      const headers = {
        ...base,
        'content-type': contentType,
        ...(filename ? { 'content-disposition': contentDisposition('attachment', filename) } : {}),
        'x-content-type-options': 'nosniff',
      };
      return { statusCode: 200, headers, body: '', stream: chunks };
    }
    if (!('stored' in reply)) return { statusCode: reply.status, headers: base, body: '' };
    const { stored, disposition } = reply;
    const made = stored.make && (await stored.make());
    if (stored.size > http.maxInlineDownloadBytes) {
      if (made) await deps.blobs.put(stored.key, made, stored.contentType);
      const url = await deps.blobs.downloadUrl(stored.key, {
        filename: stored.filename,
        contentType: stored.contentType,
        expiresInSeconds: DOWNLOAD_URL_SECONDS,
      });
      return { statusCode: 302, headers: { ...base, location: url }, body: '' };
    }
    const bytes = made || (await deps.blobs.get(stored.key));
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

function rateLimitHeaders(rate: RateLimitState): Record<string, string> {
  return {
    'x-ratelimit-limit': String(rate.limit),
    'x-ratelimit-remaining': String(rate.remaining),
    'x-ratelimit-reset': String(rate.resetSeconds),
  };
}

function readBody(event: APIGatewayProxyEvent): Buffer {
  const raw = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
}

function parseJson(bytes: Buffer, headers: Record<string, string>, limit: number): unknown {
  if (bytes.length > limit) {
    throw new MailroomError('payload_too_large', `request body is ${bytes.length} bytes; the limit is ${limit}`);
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
