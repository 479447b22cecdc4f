import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MailroomStack, type MailroomStackProps } from '../../lib';

/** The feature flags `cdk synth` uses, so tests see the template a deployment gets. */
const cdkJsonContext = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')).context;

/** Synthesizes a Mailroom stack without bundling the Lambda code (infra tests only look at the template). */
export function mailroomStack(props: Partial<MailroomStackProps> = {}, options: { validate?: boolean; outdir?: string } = {}) {
  const app = new App({
    context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [] },
    // CloudFormation's own schema validation costs seconds per synth; the cfn-lint test covers it.
    builtinCloudFormationValidation: options.validate ?? false,
    outdir: options.outdir,
  });
  const stack = new MailroomStack(app, 'Mailroom', { domains: ['mail.example.com'], ...props });
  return { app, stack, template: () => Template.fromStack(stack) };
}
