import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import middy from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { EventBridgeEventBus } from '../adapters/aws/eventbridge-event-bus';
import { SesMailSender } from '../adapters/aws/ses-mail-sender';
import { eventBusNameFromEnv, sesConfigurationSetFromEnv } from '../config';
import { routes } from '../http/routes';
import { lambdaTelemetry } from '../adapters/aws/lambda-telemetry';
import { apiFromEnv } from './api-from-env';

const api = apiFromEnv(routes, {
  functionName: 'send',
  mailSender: new SesMailSender(new SESv2Client({}), sesConfigurationSetFromEnv()),
  events: new EventBridgeEventBus(new EventBridgeClient({}), eventBusNameFromEnv()),
});

/** API Gateway (REST, Lambda proxy) → the route table, for the sending routes: the only function allowed to send through SES. */
export const handler = middy((event: APIGatewayProxyEvent) => api(event)).use(lambdaTelemetry.middleware);
