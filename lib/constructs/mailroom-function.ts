import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Charset, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FUNCTION_MEMORY_MB } from './function-memory';

/** Every Lambda handler Mailroom ships lives in `lambdas/handlers/<name>.ts`. */
export const MAILROOM_HANDLERS = ['api', 'export', 'wait', 'send', 'expiry', 'parser', 'dispatcher', 'canary', 'admin-key-bootstrap', 'receipt-rule-set-activation'] as const;
export type MailroomHandler = (typeof MAILROOM_HANDLERS)[number];

export interface MailroomFunctionProps {
  /** The file in `lambdas/handlers/` (without `.ts`) that exports `handler`. */
  readonly handler: MailroomHandler;
  readonly description: string;
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default FUNCTION_MEMORY_MB.standard (512) */
  readonly memorySize?: number;
  /** Where asynchronous invocations go after their retries fail. @default - none */
  readonly deadLetterQueue?: sqs.IQueue;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Applies to the function's log group. @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** Names the deployment in every log line and in its metrics' `service` dimension. */
export const POWERTOOLS_SERVICE_NAME = 'POWERTOOLS_SERVICE_NAME';

/**
 * Packages left out of every bundle because Node never loads them on Lambda (about 120 KB per function):
 * - the AWS SDK's browser user-agent code imports bowser lazily, behind a check for `window`;
 * - Lambda puts the function's credentials in its environment, so the SDK's provider chain stops at its first
 *   link, and never imports the SSO, profile-file, process, web-identity, container and instance providers
 *   (nor the STS and SSO clients they use).
 */
export const NEVER_LOADED_ON_LAMBDA = [
  'bowser',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/token-providers',
  '@aws-sdk/nested-clients',
  '@smithy/credential-provider-imds',
];

/** Which entry of a package's package.json esbuild bundles: its ES module build where it has one. */
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];

/**
 * Bundles keep non-ASCII characters as UTF-8 instead of `\uXXXX` escapes: the charset tables mail parsing needs
 * (Chinese, Japanese and Korean) take half the bytes, about 250 KB less in the parser.
 */
export const BUNDLE_CHARSET = Charset.UTF8;

const PROJECT_ROOT = path.join(__dirname, '..', '..');
const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambdas', 'handlers');

/**
 * The one way Mailroom builds a Lambda function: latest Node.js runtime on ARM64, bundled locally
 * by esbuild (no Docker) into minified CommonJS, and its own log group with a retention period so logs
 * never pile up forever. Its role may write to that log group and nothing else until the owner grants
 * more (no AWS managed policy).
 *
 * Stack traces name the functions (names are kept through minification), but the source map shipped
 * beside the bundle is not loaded at start: `--enable-source-maps` adds about 20 ms to every cold start.
 * Add `NODE_OPTIONS=--enable-source-maps` to a function's environment to have its traces mapped.
 */
export class MailroomFunction extends NodejsFunction {
  /** Its entry in `lambdas/handlers/`. */
  public readonly entryName: MailroomHandler;

  constructor(scope: Construct, id: string, props: MailroomFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: path.join(HANDLERS_DIR, `${props.handler}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? FUNCTION_MEMORY_MB.standard,
      timeout: props.timeout ?? Duration.seconds(30),
      environment: { [POWERTOOLS_SERVICE_NAME]: 'mailroom', ...props.environment },
      logGroup,
      deadLetterQueue: props.deadLetterQueue,
      loggingFormat: lambda.LoggingFormat.JSON,
      bundling: {
        format: OutputFormat.CJS,
        target: 'node24',
        minify: true,
        keepNames: true,
        sourceMap: true,
        // The SDK's ES module builds let esbuild drop what a function never calls: about 250 KB less per bundle.
        mainFields: BUNDLE_MAIN_FIELDS,
        charset: BUNDLE_CHARSET,
        // The SDK is bundled too, so a deployment runs exactly the versions the lock file pins.
        externalModules: NEVER_LOADED_ON_LAMBDA,
      },
    });
    this.entryName = props.handler;
  }
}
