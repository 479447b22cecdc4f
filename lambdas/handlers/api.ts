import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyRing } from '../adapters/aws/kms-key-ring';
import { vaultKeysFromEnv } from '../config';
import { routesWithoutSending } from '../http/routes-served-elsewhere';
import { lambdaTelemetry } from '../adapters/aws/lambda-telemetry';
import { apiFromEnv } from './api-from-env';

const api = apiFromEnv(routesWithoutSending, { functionName: 'api', keyRing: new KmsKeyRing(new KMSClient({}), vaultKeysFromEnv()) });

/**
 * API Gateway (REST, Lambda proxy, buffered) → the route table. Streamed replies (exports) are served by the
 * streaming handler; should one arrive here, it is buffered, within Lambda's 6 MB response limit.
 */
export const handler = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const { stream, ...result } = await api(event);
  if (!stream) return result;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { ...result, body: Buffer.concat(chunks).toString('base64'), isBase64Encoded: true };
}).use(lambdaTelemetry.middleware);
