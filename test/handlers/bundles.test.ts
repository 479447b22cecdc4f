import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_MAIN_FIELDS, NEVER_LOADED_ON_LAMBDA } from '../../lib/constructs/mailroom-function';
import { generateApiKey } from '../../lambdas/core/api-keys';
import { systemActor } from '../../lambdas/core/audit';
import { createInbox } from '../../lambdas/core/inboxes';
import { registerApiKey } from '../../lambdas/core/key-registry';
import { DEFAULT_ORG_ID } from '../../lambdas/core/table-keys';
import { startBackends } from '../support/backends';
import { LAMBDA_ENV, STREAMING_RUNTIME_PRELUDE } from '../support/lambda-env';

const root = join(__dirname, '../..');
let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'mailroom-bundle-'));
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Bundles like the CDK functions do (esbuild, CommonJS, minified with names kept, node 22). */
async function bundle(entry: string): Promise<string> {
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
  return outfile;
}

/** Bundles `entry` and loads the result in a fresh node process. */
async function bundleAndLoad(entry: string, prelude = ''): Promise<string> {
  const outfile = await bundle(entry);
  const env = { PATH: process.env.PATH, ...LAMBDA_ENV };
  return execFileSync(process.execPath, ['-e', `${prelude}process.stdout.write(typeof require(${JSON.stringify(outfile)}).handler)`], { env }).toString();
}

describe('Lambda bundles', () => {
  it.each(['parser', 'api', 'wait', 'send', 'dispatcher', 'expiry', 'receipt-rule-set-activation', 'admin-key-bootstrap', 'canary'])(
    'the %s handler bundles into one CommonJS file that loads and exports a handler',
    async (entry) => {
      expect(await bundleAndLoad(entry)).toBe('function');
    },
  );

  it('the export handler loads as a response-streaming function where the Lambda runtime provides streaming', async () => {
    expect(await bundleAndLoad('export', STREAMING_RUNTIME_PRELUDE)).toBe('function');
  });

  it('the api bundle serves a request from DynamoDB with the credentials Lambda puts in the environment (the SDK providers it leaves out are never needed)', async () => {
    // Prepare: a key and an inbox in the table, stored through the unbundled code
    const backends = await startBackends();
    try {
      const key = generateApiKey();
      await registerApiKey(backends.deps, { key, orgId: DEFAULT_ORG_ID, name: 'bundle check', scopes: ['inboxes:read', 'inboxes:write'] });
      const inbox = await createInbox(backends.deps, systemActor(DEFAULT_ORG_ID, 'test'), { localPart: 'bundled' });
      const outfile = await bundle('api');
      const event = {
        httpMethod: 'GET',
        path: '/v1/inboxes',
        headers: { Authorization: `Bearer ${key}` },
        queryStringParameters: null,
        body: null,
        isBase64Encoded: false,
        requestContext: { requestId: 'bundle-check', identity: { sourceIp: '198.51.100.7' } },
      };
      const env = {
        PATH: process.env.PATH,
        ...LAMBDA_ENV,
        MAILROOM_TABLE_NAME: 'mailroom-test',
        AWS_ENDPOINT_URL_DYNAMODB: backends.dynamodbEndpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_SESSION_TOKEN: 'local',
      };

      // Act
      // The function's own log lines come first; the result is the last line.
      const script = `require(${JSON.stringify(outfile)}).handler(${JSON.stringify(event)}, {}).then((r) => process.stdout.write('\\n' + JSON.stringify(r)))`;
      const result = JSON.parse(execFileSync(process.execPath, ['-e', script], { env }).toString().split('\n').pop()!);

      // Assess
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body).data.map((i: { id: string }) => i.id)).toContain(inbox.id);
    } finally {
      await backends.stop();
    }
  });
});
