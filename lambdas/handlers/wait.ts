import { routesWithoutSending } from '../http/routes-served-elsewhere';
import { apiFromEnv } from './api-from-env';
import { bufferedApiHandler } from './buffered-response';

/**
 * Waits for mail (see the wait integration in the API construct): the same route table in a function with less
 * memory, as Lambda bills a wait for all the time it waits. It holds no vault keys; the vault is the API's.
 */
export const handler = bufferedApiHandler(apiFromEnv(routesWithoutSending, { functionName: 'wait' }));
