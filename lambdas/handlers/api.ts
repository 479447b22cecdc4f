import middy from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { runtimeConfigFromEnv } from '../config';
import { createApi } from '../http/api';
import { MAILROOM_VERSION } from '../version';
import { coreDepsFor } from './runtime';

const config = runtimeConfigFromEnv();
const api = createApi(coreDepsFor(config, {}, undefined, { functionName: 'api' }), { maxInlineDownloadBytes: config.maxInlineDownloadBytes, version: MAILROOM_VERSION });

/** API Gateway (REST, Lambda proxy) → the route table. */
export const handler = middy((event: APIGatewayProxyEvent) => api(event));
