import { SESv2Client } from '@aws-sdk/client-sesv2';
import middy from '@middy/core';
import { lambdaTelemetry } from '../adapters/aws/lambda-telemetry';
import { SesMailSender } from '../adapters/aws/ses-mail-sender';
import { canarySettingsFromEnv, runtimeConfigFromEnv, sesConfigurationSetFromEnv } from '../config';
import { runCanaryRound } from '../core/canary';
import { coreDepsFor } from './runtime';

const deps = coreDepsFor(runtimeConfigFromEnv(), {}, lambdaTelemetry, {
  functionName: 'canary',
  mailSender: new SesMailSender(new SESv2Client({}), sesConfigurationSetFromEnv()),
});
const settings = canarySettingsFromEnv();

/** A schedule → one canary round: probes checked, one sent through SES to the deployment's own domain. */
export const handler = middy(async () => {
  await runCanaryRound(deps, settings);
}).use(lambdaTelemetry.middleware);
