import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { runtimeConfigFromEnv } from '../config';
import { cleanUpAfterExpiry } from '../core/expiry';
import { lambdaTelemetry } from '../adapters/aws/lambda-telemetry';
import { coreDepsFor } from './runtime';
import { expiredItemOf } from './ttl-expiry-records';

const deps = coreDepsFor(runtimeConfigFromEnv(), {}, lambdaTelemetry, { functionName: 'expiry' });

/**
 * The table's stream, filtered to TTL deletions → clean-up of what the expired items pointed to. Records are
 * handled in order; the first failure is reported so Lambda retries from there (bisecting on repeat).
 */
export const handler = middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  for (const record of event.Records) {
    const item = expiredItemOf(record);
    if (!item) continue;
    try {
      await cleanUpAfterExpiry(deps, item);
    } catch (err) {
      deps.log.error('clean-up after expiry failed; the stream will retry', { pk: item.pk, error: (err as Error).message });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
}).use(lambdaTelemetry.middleware);
