import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('the typed client', () => {
  it('is generated from the OpenAPI document the API serves (lib/client/schema.ts is up to date)', () => {
    const root = join(__dirname, '../..');
    expect(() =>
      execFileSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'lib/client/generate-schema.ts'), '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
