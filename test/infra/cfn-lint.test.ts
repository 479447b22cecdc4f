import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mailroomStack } from './synth';

interface CfnLintFinding {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
}

/** Warnings CDK itself causes and we cannot change, each with the reason. */
const EXPECTED_WARNINGS: Record<string, string> = {
  W3005: 'CDK adds an explicit DependsOn on each function role that a GetAtt already implies',
};

let workdir: string;
beforeAll(() => {
  workdir = mkdtempSync(join(tmpdir(), 'mailroom-cfn-lint-'));
});
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

function cfnLint(template: object): CfnLintFinding[] {
  const probe = spawnSync('cfn-lint', ['--version']);
  if (probe.error) throw new Error('cfn-lint is not installed: pip install cfn-lint (the template cannot be checked without it)');
  const file = join(workdir, 'template.json');
  writeFileSync(file, JSON.stringify(template));
  // cfn-lint exits non-zero when it finds anything; the JSON on stdout is what counts.
  const run = spawnSync('cfn-lint', ['--format', 'json', file], { encoding: 'utf8' });
  if (run.stdout.trim() === '') throw new Error(`cfn-lint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as CfnLintFinding[];
}

describe('cfn-lint on the synthesized template', () => {
  it.each([
    ['the default deployment', {}],
    ['a deployment that activates its own rule set, with a canary and alarm email', { activateReceiptRuleSet: true, canary: {}, alarmEmail: 'ops@example.com' }],
  ])('reports no errors and no unexplained warnings for %s', (_name, props) => {
    // Prepare: synthesize with CDK's built-in CloudFormation validation on as well
    const template = mailroomStack(props, { validate: true }).template().toJSON();

    // Act
    const findings = cfnLint(template);

    // Assess
    const unexpected = findings.filter((f) => f.Level === 'Error' || !(f.Rule.Id in EXPECTED_WARNINGS));
    expect(unexpected.map((f) => `${f.Rule.Id}: ${f.Message}`)).toEqual([]);
  });

  it('is the cfn-lint installed on this machine', () => {
    expect(execFileSync('cfn-lint', ['--version']).toString()).toMatch(/cfn-lint \d+\./);
  });
});
