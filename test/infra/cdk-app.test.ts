import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../..');
let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'mailroom-synth-'));
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Runs the real CDK CLI the way the README does, offline and without AWS credentials. */
function cdkSynth(...context: string[]) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' };
  const args = ['cdk', 'synth', '--quiet', '--no-notices', '--output', outdir, ...context.flatMap((c) => ['-c', c])];
  return spawnSync('npx', args, { cwd: root, env, encoding: 'utf8' });
}

describe('the CDK app (bin/app.ts)', () => {
  it('synthesizes offline with only a domain, bundling every function with esbuild', () => {
    // Act
    const run = cdkSynth('domain=mail.example.com');

    // Assess
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'Mailroom.template.json'), 'utf8'));
    const functions = Object.values<{ Type: string; Properties: { Code: { S3Key?: string } } }>(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    expect(functions.length).toBeGreaterThanOrEqual(3);
    for (const fn of functions) expect(fn.Properties.Code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(JSON.stringify(template)).toContain('mail.example.com');
  });

  it.each([
    [[], /Tell Mailroom which domain to receive mail for: cdk deploy -c domain=mail.example.com/],
    [['domain=mail.example.com', 'removalPolicy=sometimes'], /removalPolicy must be retain or destroy, got "sometimes"/],
    [['domain=mail.example.com', 'activateReceiptRuleSet=yes'], /activateReceiptRuleSet must be true or false, got "yes"/],
    [['domain=mail.example.com', 'retentionDays=a week'], /retentionDays must be a whole number, got "a week"/],
    [['domain=mail.example.com', 'canary=true', 'canaryAddress=probe@elsewhere.example'], /canary.address must be at one of the domains/],
  ])('refuses %j with a message that says how to fix it', (context, message) => {
    const run = cdkSynth(...context);

    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(message);
  });
});
