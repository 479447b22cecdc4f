import { routesWithoutSending } from '../http/routes-served-elsewhere';
import { apiFromEnv } from './api-from-env';
import { streamingApiHandler } from './streaming-response';

/** Streamed exports (see the streaming integration in the API construct). */
export const handler = streamingApiHandler(apiFromEnv(routesWithoutSending, { functionName: 'export' }));
