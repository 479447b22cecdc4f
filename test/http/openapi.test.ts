import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildOpenApi } from '../../lambdas/http/openapi';
import { routes } from '../../lambdas/http/routes';

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
