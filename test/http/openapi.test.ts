import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildOpenApi } from '../../lambdas/http/openapi';
import { routes } from '../../lambdas/http/routes';
import { routesWithoutSending } from '../../lambdas/http/routes-served-elsewhere';

describe('GET /v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', () => {
    const output = execFileSync(process.execPath, [join(__dirname, '../support/validate-openapi.mjs')], {
      input: JSON.stringify(buildOpenApi(routes, '1.0.0')),
    });
    const result = JSON.parse(output.toString()) as { valid: boolean; errors: unknown[] };
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('gives every operation a unique operationId and marks which scope it needs', () => {
    const doc = buildOpenApi(routes, '1.0.0') as { paths: Record<string, Record<string, { operationId: string; 'x-required-scope'?: string; security: unknown[] }>> };
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
    for (const o of operations) expect(o.security.length > 0).toBe(o['x-required-scope'] !== undefined);
  });
});

describe('what the OpenAPI document promises', () => {
  type Operation = {
    parameters: { name: string; in: string }[];
    responses: Record<string, { headers?: Record<string, unknown> }>;
    'x-required-scope'?: string;
  };
  const doc = buildOpenApi(routes, '1.0.0') as { paths: Record<string, Record<string, Operation>> };
  const operation = (r: (typeof routes)[number]) => doc.paths[r.path][r.method.toLowerCase()];

  it('documents 401, 403 and 429 with the rate-limit headers on every route that needs a key', () => {
    for (const r of routes.filter((x) => x.scope)) {
      const op = operation(r);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
      expect(Object.keys(op.responses['429'].headers ?? {})).toEqual(expect.arrayContaining(['Retry-After', 'X-RateLimit-Reset']));
      expect(Object.keys(op.responses[String(r.response.status)].headers ?? {})).toEqual(
        expect.arrayContaining(['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']),
      );
    }
  });

  it('documents Idempotency-Key, 409 and 422 on every creating route, and 404 wherever an id is named', () => {
    for (const r of routes) {
      const op = operation(r);
      const takesIdempotencyKey = op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key');
      expect([r.path, takesIdempotencyKey]).toEqual([r.path, r.creates === true]);
      if (r.creates) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['409', '422']));
      if (r.path.includes('{')) expect(Object.keys(op.responses)).toContain('404');
    }
  });
});

describe('the route tables each API function serves', () => {
  it('describe the same routes, so every function’s openapi.json is complete (the non-sending ones just do not send)', () => {
    const described = (table: readonly { method: string; path: string }[]) => table.map((r) => `${r.method} ${r.path}`).sort();
    expect(described(routesWithoutSending)).toEqual(described(routes));
  });
});
