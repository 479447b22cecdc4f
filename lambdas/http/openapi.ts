import { z } from 'zod';
import type { Route } from './route';
import { errorSchema } from './schemas';

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'invalid request (validation_error)',
  '401': 'missing or invalid API key',
  '403': 'the API key lacks the scope',
  '404': 'not found, or not yours',
  '413': 'request body too large',
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
export function buildOpenApi(routes: Route[], version: string): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Components = {};
  jsonSchema(errorSchema, 'output', components); // registers the shared Error component
  for (const r of routes) {
    const success: Record<string, unknown> = { description: r.response.description };
    if (r.response.schema) success.content = { 'application/json': { schema: jsonSchema(r.response.schema, 'output', components) } };
    else if (r.response.contentType) success.content = { [r.response.contentType]: { schema: { type: 'string', format: 'binary' } } };
    const errors = Object.fromEntries(
      Object.entries(ERROR_RESPONSES)
        .filter(([status]) => r.scope || status === '400')
        .map(([status, description]) => [status, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
    );
    paths[r.path] ??= {};
    paths[r.path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${r.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: r.scope ? [{ apiKey: [] }] : [],
      'x-required-scope': r.scope,
      parameters: [...parameters(r.params, 'path', components), ...parameters(r.query, 'query', components)],
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
      schemas: components,
    },
    paths,
  };
}
