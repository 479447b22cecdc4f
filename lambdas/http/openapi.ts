import * as z from 'zod';
import type { Route } from './route';
import { errorSchema } from './schemas';

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'invalid request (validation_error)',
  '401': 'missing, malformed, unknown, revoked or expired API key (unauthorized)',
  '403': 'the API key lacks the scope, or may not grant what was asked (forbidden)',
  '404': 'not found, or not yours (not_found)',
  '409': 'conflicts with existing state, or a request with the same Idempotency-Key is still running (conflict)',
  '413': 'request body too large (payload_too_large)',
  '422': 'the Idempotency-Key was already used with a different request, or a guardrail refused it (unprocessable)',
  '429': 'the API key made too many requests this minute, or the inbox reached its daily sending limit (rate_limited)',
  '502': 'the mail could not be handed over for delivery (upstream_failed)',
};

/** Which errors a route can answer with, from what it takes and does. */
function errorStatuses(r: Route): string[] {
  const statuses = new Set<string>();
  if (r.params || r.query || r.body || r.creates) statuses.add('400');
  if (r.scope) ['401', '403', '429'].forEach((s) => statuses.add(s));
  if (r.params) statuses.add('404');
  for (const status of r.alsoAnswers ?? []) statuses.add(String(status));
  if (r.creates) ['409', '422'].forEach((s) => statuses.add(s));
  if (r.body) statuses.add('413');
  return [...statuses].sort();
}

const HEADERS = {
  'X-Request-Id': { description: 'this request’s id; quote it when reporting a problem', schema: { type: 'string' } },
  'X-RateLimit-Limit': { description: 'requests this API key may make per minute', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'requests left in the current minute', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'seconds until the current minute’s window ends', schema: { type: 'integer' } },
  'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } },
  'Idempotent-Replayed': { description: '`true` when this is the stored response to an earlier request with the same Idempotency-Key', schema: { type: 'string' } },
};

const headerRefs = (names: (keyof typeof HEADERS)[]) => Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }]));

function responseHeaders(r: Route, status: string) {
  const names: (keyof typeof HEADERS)[] = ['X-Request-Id'];
  if (r.scope && status !== '401') names.push('X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset');
  if (status === '429') names.push('Retry-After');
  if (r.creates && status.startsWith('2')) names.push('Idempotent-Replayed');
  return headerRefs(names);
}

const IDEMPOTENCY_KEY_PARAMETER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'makes a retry safe: for 24 hours, the same key and request get the first response back instead of creating again',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

type Components = Record<string, unknown>;

/** Converts a zod schema; named shapes (`.meta({ id })`) become shared components referenced by `$ref`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Components): Record<string, unknown> {
  const { $schema: _ignored, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  const toComponentRefs = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as T;
  for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) components[name] = toComponentRefs(def);
  return toComponentRefs(rest);
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query', components: Components): unknown[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input', components) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    description: s.description,
    schema: s,
  }));
}

/** Builds the OpenAPI 3.1 document from the route table, so it cannot drift from what is enforced. */
export function buildOpenApi(routes: readonly Route[], version: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Components = {};
  jsonSchema(errorSchema, 'output', components); // registers the shared Error component
  for (const r of routes) {
    const success: Record<string, unknown> = { description: r.response.description, headers: responseHeaders(r, String(r.response.status)) };
    if (r.response.schema) success.content = { 'application/json': { schema: jsonSchema(r.response.schema, 'output', components) } };
    else if (r.response.contentType) success.content = { [r.response.contentType]: { schema: { type: 'string', format: 'binary' } } };
    const errors = Object.fromEntries(
      errorStatuses(r).map((status) => [
        status,
        { description: ERROR_RESPONSES[status], headers: responseHeaders(r, status), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      ]),
    );
    paths[r.path] ??= {};
    paths[r.path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${r.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: r.scope ? [{ apiKey: [] }] : [],
      'x-required-scope': r.scope,
      parameters: [
        ...parameters(r.params, 'path', components),
        ...parameters(r.query, 'query', components),
        ...(r.creates ? [IDEMPOTENCY_KEY_PARAMETER] : []),
      ],
      requestBody: r.body ? { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input', components) } } } : undefined,
      responses: { [String(r.response.status)]: success, ...errors },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Mailroom API', version, description: 'Email inboxes for developers and AI agents, in your own AWS account.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key: mr_...' } },
      headers: HEADERS,
      schemas: components,
    },
    paths,
  };
}
