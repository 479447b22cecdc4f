import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AwsJobQueue } from '../adapters/aws/aws-job-queue';
import { EventBridgeEventBus } from '../adapters/aws/eventbridge-event-bus';
import { eventBusNameFromEnv, jobQueueConfigFromEnv, runtimeConfigFromEnv } from '../config';
import { runDispatchedJob } from '../core/jobs';
import { lambdaTelemetry } from '../adapters/aws/lambda-telemetry';
import { coreDepsFor } from './runtime';
import { jobFromQueueMessage } from './queue-message';

const clock = { now: () => new Date() };
const deps = coreDepsFor(runtimeConfigFromEnv(), {}, lambdaTelemetry, {
  functionName: 'dispatcher',
  jobs: new AwsJobQueue(new SQSClient({}), new SchedulerClient({}), jobQueueConfigFromEnv(), clock),
  // SES's reports on sent mail become message.delivered/bounced/complained events.
  events: new EventBridgeEventBus(new EventBridgeClient({}), eventBusNameFromEnv()),
});

/** The job queue → the event log and webhook fan-out, delivery attempts, and SES's reports on sent mail. A job that throws is retried by SQS alone (partial batch response). */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        await runDispatchedJob(deps, jobFromQueueMessage(record.body));
      } catch (err) {
        deps.log.error('job failed; SQS will redeliver it', { messageId: record.messageId, error: (err as Error).message });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures };
}).use(lambdaTelemetry.middleware);
