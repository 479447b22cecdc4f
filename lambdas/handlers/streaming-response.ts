import { Readable } from 'node:stream';
import middy from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { lambdaTelemetry } from '../adapters/aws/lambda-telemetry';
import type { ApiHandler } from '../http/api-core';

/**
 * The route table as a response-streaming Lambda (API Gateway REST with response streaming): middy sends
 * the status and headers, then pipes the body as it is produced, so an export is bounded by the function's
 * timeout rather than by Lambda's 6 MB response.
 */
export function streamingApiHandler(api: ApiHandler) {
  return middy<APIGatewayProxyEvent>({ streamifyResponse: true }).handler(async (event) => {
    const { stream, body, isBase64Encoded, ...head } = await api(event);
    const bytes = stream ?? [isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body)];
    return { ...head, body: Readable.from(bytes) };
  }).use(lambdaTelemetry.middleware);
}
