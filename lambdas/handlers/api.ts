import { KMSClient } from '@aws-sdk/client-kms';
import { KmsKeyRing } from '../adapters/aws/kms-key-ring';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SesMailDomains } from '../adapters/aws/ses-mail-domains';
import { awsRegionFromEnv, vaultKeysFromEnv } from '../config';
import { routesWithoutSending } from '../http/routes-served-elsewhere';
import { apiFromEnv } from './api-from-env';
import { bufferedApiHandler } from './buffered-response';

/** API Gateway (REST, Lambda proxy, buffered) → the route table: every route but those served elsewhere. */
export const handler = bufferedApiHandler(
  apiFromEnv(routesWithoutSending, {
    functionName: 'api',
    keyRing: new KmsKeyRing(new KMSClient({}), vaultKeysFromEnv()),
    mailDomains: new SesMailDomains(new SESv2Client({}), awsRegionFromEnv()),
  }),
);
