import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_MAIN_FIELDS, NEVER_LOADED_ON_LAMBDA } from '../../lib/constructs/mailroom-function';
import { LAMBDA_ENV, STREAMING_RUNTIME_PRELUDE } from '../support/lambda-env';

const root = join(__dirname, '../..');
let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'mailroom-bundle-'));
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Bundles like the CDK functions do (esbuild, CommonJS, minified with names kept, node 22) and loads the result in a fresh node process. */
async function bundleAndLoad(entry: string, prelude = ''): Promise<string> {
  const outfile = join(outdir, `${entry}.js`);
  await build({
    entryPoints: [join(root, 'lambdas/handlers', `${entry}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    keepNames: true,
    outfile,
    external: NEVER_LOADED_ON_LAMBDA,
    mainFields: BUNDLE_MAIN_FIELDS,
    logLevel: 'silent',
  });
  const env = { PATH: process.env.PATH, ...LAMBDA_ENV };
  return execFileSync(process.execPath, ['-e', `${prelude}process.stdout.write(typeof require(${JSON.stringify(outfile)}).handler)`], { env }).toString();
}

describe('Lambda bundles', () => {
  it.each(['parser', 'api', 'send', 'dispatcher', 'expiry', 'receipt-rule-set-activation', 'admin-key-bootstrap', 'canary'])(
    'the %s handler bundles into one CommonJS file that loads and exports a handler',
    async (entry) => {
      expect(await bundleAndLoad(entry)).toBe('function');
    },
  );

  it('the export handler loads as a response-streaming function where the Lambda runtime provides streaming', async () => {
    expect(await bundleAndLoad('export', STREAMING_RUNTIME_PRELUDE)).toBe('function');
  });
});
