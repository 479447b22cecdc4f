import middy from '@middy/core';
import type { SESEvent } from 'aws-lambda';
import { runtimeConfigFromEnv } from '../config';
import { processSesEvent } from './process-ses-event';
import { coreDepsFor } from './runtime';

const deps = coreDepsFor(runtimeConfigFromEnv());

/** SES receipt rule → this function (Event invocation). Errors are rethrown so Lambda retries, then the DLQ keeps the event. */
export const handler = middy((event: SESEvent) => processSesEvent(deps, event));
