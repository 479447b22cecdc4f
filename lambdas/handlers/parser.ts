import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import type { SESEvent } from 'aws-lambda';
import { EventBridgeEventBus } from '../adapters/aws/eventbridge-event-bus';
import { eventBusNameFromEnv, runtimeConfigFromEnv } from '../config';
import { processSesEvent } from './process-ses-event';
import { lambdaTelemetry } from '../adapters/aws/lambda-telemetry';
import { coreDepsFor } from './runtime';

const deps = coreDepsFor(runtimeConfigFromEnv(), {}, lambdaTelemetry, {
  functionName: 'parser',
  events: new EventBridgeEventBus(new EventBridgeClient({}), eventBusNameFromEnv()),
});

/** SES receipt rule → this function (Event invocation). Errors are rethrown so Lambda retries, then the DLQ keeps the event. */
export const handler = middy((event: SESEvent) => processSesEvent(deps, event)).use(lambdaTelemetry.middleware);
