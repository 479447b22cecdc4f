import { Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { MailroomFunction } from '../../lib/constructs/mailroom-function';
import { LAMBDA_ENV, STREAMING_RUNTIME_PRELUDE } from '../support/lambda-env';
import { mailroomStack } from './synth';

/**
 * Each function loads its handler with the environment its own template gives it, and nothing else: a handler that
 * reads a variable only another function is given fails here, not on its first invocation in AWS.
 */
describe('every Mailroom function, loaded with its own environment', () => {
  const { stack, template } = mailroomStack({ canary: {} });
  const resources = template().toJSON().Resources as Record<string, { Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
  const functions = stack.node.findAll().filter((c): c is MailroomFunction => c instanceof MailroomFunction);
  const saved = process.env;
  // What the Lambda runtime puts in scope for response-streaming functions (exports).
  beforeAll(() => new Function(STREAMING_RUNTIME_PRELUDE)());
  afterEach(() => {
    process.env = saved;
  });
  afterAll(() => delete (globalThis as { awslambda?: unknown }).awslambda);

  it('covers every handler the stack deploys', () => {
    expect(new Set(functions.map((f) => f.entryName))).toEqual(
      new Set(['api', 'export', 'wait', 'send', 'expiry', 'parser', 'dispatcher', 'canary', 'admin-key-bootstrap']),
    );
  });

  it.each(functions.map((f) => [f.node.path, f] as const))('%s', (_path, fn) => {
    const variables = resources[Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnFunction)].Properties.Environment?.Variables ?? {};
    // References resolve at deploy time; a plausible value of the same kind stands in for each.
    const resolved = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : (LAMBDA_ENV as Record<string, string>)[name] ?? `stand-in-${name}`]),
    );
    process.env = { AWS_REGION: LAMBDA_ENV.AWS_REGION, ...resolved };
    jest.isolateModules(() => {
      const { handler } = require(`../../lambdas/handlers/${fn.entryName}`) as { handler: unknown };
      expect(typeof handler).toBe('function');
    });
  });
});
