import { KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyRing } from '../adapters/aws/kms-key-ring';
import { vaultKeysFromEnv } from '../config';
import { routesWithoutSending } from '../http/routes-served-elsewhere';
import { apiFromEnv } from './api-from-env';
import { bufferedApiHandler } from './buffered-response';

/** API Gateway (REST, Lambda proxy, buffered) → the route table: every route but those served elsewhere. */
export const handler = bufferedApiHandler(
  apiFromEnv(routesWithoutSending, { functionName: 'api', keyRing: new KmsKeyRing(new KMSClient({}), vaultKeysFromEnv()) }),
);
