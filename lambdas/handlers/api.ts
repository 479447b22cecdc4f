import middy from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyRing } from '../adapters/aws/kms-key-ring';
import { runtimeConfigFromEnv, vaultKeysFromEnv } from '../config';
import { createApi } from '../http/api';
import { MAILROOM_VERSION } from '../version';
import { coreDepsFor } from './runtime';

const config = runtimeConfigFromEnv();
const keyRing = new KmsKeyRing(new KMSClient({}), vaultKeysFromEnv());
const api = createApi(coreDepsFor(config, {}, undefined, { functionName: 'api', keyRing }), { maxInlineDownloadBytes: config.maxInlineDownloadBytes, version: MAILROOM_VERSION });

/** API Gateway (REST, Lambda proxy) → the route table. */
export const handler = middy((event: APIGatewayProxyEvent) => api(event));
