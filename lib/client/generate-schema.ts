import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { buildOpenApi } from '../../lambdas/http/openapi';
import { routes } from '../../lambdas/http/routes';
import { MAILROOM_VERSION } from '../../lambdas/version';

/**
 * Writes `schema.ts`, the client's types, from the same OpenAPI document the API serves.
 * `--check` fails instead when the committed file is out of date.
 */
async function main(): Promise<void> {
  const target = join(__dirname, 'schema.ts');
  const doc = buildOpenApi(routes, MAILROOM_VERSION) as Parameters<typeof openapiTS>[0];
  const banner = '// Generated from the Mailroom OpenAPI document by `npm run client:generate`. Do not edit.\n\n';
  const source = banner + astToString(await openapiTS(doc, { alphabetize: true }));
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== source) {
      process.stderr.write('lib/client/schema.ts is out of date: run `npm run client:generate`\n');
      process.exit(1);
    }
    return;
  }
  writeFileSync(target, source);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
