import { randomUUID } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEPLOY_TIME_KEY_NAME, onAdminKeyBootstrapEvent, type AdminKeyBootstrapDeps } from '../../../lambdas/adapters/aws/admin-key-bootstrap';
import { hashApiKey, isWellFormedApiKey } from '../../../lambdas/core/api-keys';
import { authenticate, KeyCache, type ApiKeyItem } from '../../../lambdas/core/auth';
import { apiKeyByHash, DEFAULT_ORG_ID, orgKey } from '../../../lambdas/core/table-keys';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lambdas/local/dynamodb-local';
import { startBackends, type Backends } from '../../support/backends';
import { createEvent, deleteEvent, updateEvent } from '../../support/custom-resource-events';
import { startMotoServer, type MotoServer } from '../../support/moto';

let moto: MotoServer;
let backends: Backends;
let secrets: SecretsManagerClient;
let dynamodb: DynamoDBClient;
let deps: AdminKeyBootstrapDeps;
beforeAll(async () => {
  // One after the other, so afterAll stops whichever started even when the other fails to.
  backends = await startBackends();
  moto = await startMotoServer();
  secrets = new SecretsManagerClient(moto.clientConfig);
  dynamodb = new DynamoDBClient({ endpoint: backends.dynamodbEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  deps = { table: backends.deps.table, clock: backends.deps.clock, secrets };
});
afterAll(async () => {
  await moto?.stop();
  await backends?.stop();
});

/** A secret as the stack creates it: a generated placeholder value, or (`value: undefined`) none at all. */
async function stackSecret(value: string | undefined = randomUUID()): Promise<{ SecretId: string }> {
  const name = `mailroom-admin-key-${randomUUID()}`;
  await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return { SecretId: name };
}
const secretValue = async (props: { SecretId: string }) => (await secrets.send(new GetSecretValueCommand(props))).SecretString;
const tableDump = async () => JSON.stringify((await dynamodb.send(new ScanCommand({ TableName: 'mailroom-test' }))).Items);
const keyCount = async () => (await dynamodb.send(new ScanCommand({ TableName: 'mailroom-test' }))).Items!.filter((i) => i.pk.S!.startsWith('K#')).length;

describe('the deploy-time admin key (custom resource)', () => {
  describe('create', () => {
    it.each([
      ['a generated placeholder', randomUUID()],
      ['no value yet', undefined],
    ])('stores in the secret (holding %s) a new key that authenticates as admin of the default org', async (_, initial) => {
      // Prepare
      const props = await stackSecret(initial);

      // Act
      const response = await onAdminKeyBootstrapEvent(deps, createEvent(props));

      // Assess
      const key = (await secretValue(props))!;
      expect(isWellFormedApiKey(key)).toBe(true);
      const { principal } = await authenticate(backends.deps, new KeyCache(), `Bearer ${key}`);
      expect(principal).toEqual({ orgId: DEFAULT_ORG_ID, keyId: response.PhysicalResourceId, scopes: ['admin'], inboxIds: null, validUntil: null });
      const stored = await backends.deps.table.get<ApiKeyItem>(apiKeyByHash(hashApiKey(key)));
      expect(stored?.name).toBe(DEPLOY_TIME_KEY_NAME);
      expect(await backends.deps.table.get(orgKey(DEFAULT_ORG_ID))).toMatchObject({ id: DEFAULT_ORG_ID, name: 'default' });
    });

    it('keeps only the key’s hash in the table and never returns the key', async () => {
      // Prepare
      const props = await stackSecret();

      // Act
      const response = await onAdminKeyBootstrapEvent(deps, createEvent(props));

      // Assess
      const key = (await secretValue(props))!;
      expect(response).toEqual({ PhysicalResourceId: expect.stringMatching(/^key_/) });
      expect(JSON.stringify(response)).not.toContain(key);
      const table = await tableDump();
      expect(table).toContain(hashApiKey(key));
      expect(table).not.toContain(key);
    });

    it('a retried create keeps the key already in the secret', async () => {
      // Prepare
      const props = await stackSecret();
      const first = await onAdminKeyBootstrapEvent(deps, createEvent(props));
      const key = await secretValue(props);
      const keysBefore = await keyCount();

      // Act
      const retry = await onAdminKeyBootstrapEvent(deps, createEvent(props));

      // Assess
      expect(retry).toEqual(first);
      expect(await secretValue(props)).toBe(key);
      expect(await keyCount()).toBe(keysBefore);
    });

    it('registers no key when the secret cannot be written', async () => {
      // Prepare
      const keysBefore = await keyCount();

      // Act
      const attempt = onAdminKeyBootstrapEvent(deps, createEvent({ SecretId: 'no-such-secret' }));

      // Assess
      await expect(attempt).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      expect(await keyCount()).toBe(keysBefore);
    });
  });

  describe('update', () => {
    it('keeps the registered key in the secret', async () => {
      // Prepare
      const props = await stackSecret();
      const created = await onAdminKeyBootstrapEvent(deps, createEvent(props));
      const key = await secretValue(props);

      // Act
      const response = await onAdminKeyBootstrapEvent(deps, updateEvent(created.PhysicalResourceId, props, props));

      // Assess
      expect(response).toEqual(created);
      expect(await secretValue(props)).toBe(key);
    });

    it('mints a key when the secret holds none that is registered', async () => {
      // Prepare
      const oldProps = await stackSecret();
      const created = await onAdminKeyBootstrapEvent(deps, createEvent(oldProps));
      const props = await stackSecret();

      // Act
      const response = await onAdminKeyBootstrapEvent(deps, updateEvent(created.PhysicalResourceId, props, oldProps));

      // Assess
      expect(response.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
      const { principal } = await authenticate(backends.deps, new KeyCache(), `Bearer ${await secretValue(props)}`);
      expect(principal).toEqual({ orgId: DEFAULT_ORG_ID, keyId: response.PhysicalResourceId, scopes: ['admin'], inboxIds: null, validUntil: null });
    });
  });

  describe('delete', () => {
    it('changes nothing: the secret keeps its key and the key still authenticates', async () => {
      // Prepare
      const props = await stackSecret();
      const created = await onAdminKeyBootstrapEvent(deps, createEvent(props));
      const key = await secretValue(props);
      const tableBefore = await tableDump();

      // Act
      const response = await onAdminKeyBootstrapEvent(deps, deleteEvent(created.PhysicalResourceId, props));

      // Assess
      expect(response).toEqual(created);
      expect(await secretValue(props)).toBe(key);
      expect(await tableDump()).toBe(tableBefore);
      expect((await authenticate(backends.deps, new KeyCache(), `Bearer ${key}`)).principal.keyId).toBe(created.PhysicalResourceId);
    });
  });
});
