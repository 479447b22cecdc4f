import { apiFromEnv } from './api-from-env';
import { streamingApiHandler } from './streaming-response';

/** Streamed exports (see the streaming integration in the API construct). */
export const handler = streamingApiHandler(apiFromEnv({ functionName: 'export' }));
