import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { MailroomStackProps } from '../../lib';
import { mailroomStack } from './synth';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Synthesizes with the AwsSolutions pack; synth throws, listing every finding, if any is unacknowledged. */
function nagReport(props: Partial<MailroomStackProps>) {
  const outdir = mkdtempSync(join(tmpdir(), 'mailroom-nag-'));
  outdirs.push(outdir);
  const { app } = mailroomStack(props, { outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each<[string, Partial<MailroomStackProps>]>([
    ['the default deployment', {}],
    ['a disposable deployment that activates its own rule set', { activateReceiptRuleSet: true, removalPolicy: RemovalPolicy.DESTROY, autoCreateDomains: ['mail.example.com'] }],
    ['a deployment added to an existing rule set', { existingReceiptRuleSetName: 'company-inbound', createEmailIdentities: false }],
    ['a deployment with one vault key for the stack', { vaultKeys: 'stack' }],
    ['a monitored deployment with a canary and alarm email', { canary: {}, alarmEmail: 'ops@example.com' }],
  ])('find nothing unacknowledged in %s', (_name, props) => {
    expect(nagReport(props).pluginReports).toEqual([]);
  });
});
