import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { lambdaTelemetry } from '../adapters/aws/lambda-telemetry';
import type { ApiHandler } from '../http/api-core';

/**
 * The route table as a buffered Lambda (API Gateway REST, Lambda proxy). Streamed replies (exports) are served by
 * the streaming handler; should one arrive here, it is buffered, within Lambda's 6 MB response limit.
 */
export function bufferedApiHandler(api: ApiHandler) {
  return middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const { stream, ...result } = await api(event);
    if (!stream) return result;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return { ...result, body: Buffer.concat(chunks).toString('base64'), isBase64Encoded: true };
  }).use(lambdaTelemetry.middleware);
}
