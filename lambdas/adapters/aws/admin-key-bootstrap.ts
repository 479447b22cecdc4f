import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { generateApiKey, hashApiKey } from '../../core/api-keys';
import type { ApiKeyItem } from '../../core/auth';
import { registerApiKey } from '../../core/key-registry';
import { ensureDefaultOrg } from '../../core/orgs';
import { apiKeyByHash, DEFAULT_ORG_ID } from '../../core/table-keys';
import type { Clock, Table } from '../../ports';

export interface AdminKeyBootstrapProperties {
  SecretId: string;
}

export interface AdminKeyBootstrapDeps {
  table: Table;
  clock: Clock;
  secrets: SecretsManagerClient;
}

export const DEPLOY_TIME_KEY_NAME = 'admin (deploy-time)';

/**
 * Gives a new deployment its first admin API key, readable only from the stack's secret.
 * The response carries the key's id, never the key: CloudFormation and the provider framework log responses.
 */
export async function onAdminKeyBootstrapEvent(
  deps: AdminKeyBootstrapDeps,
  event: CloudFormationCustomResourceEvent<AdminKeyBootstrapProperties>,
): Promise<{ PhysicalResourceId: string }> {
  if (event.RequestType === 'Delete') {
    // Nothing to undo: CloudFormation deletes the secret, and the key's record goes with the table
    // (or stays in a retained one, where revoking it is the operator's call).
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const secretId = event.ResourceProperties.SecretId;
  if (typeof secretId !== 'string' || secretId === '') throw new Error('SecretId must be a non-empty string');
  return { PhysicalResourceId: await ensureAdminKey(deps, secretId) };
}

/**
 * Returns the id of the admin key held in the secret, minting one only when the secret holds no registered key,
 * so a retried Create or an Update never replaces a key an operator may already be using.
 */
async function ensureAdminKey(deps: AdminKeyBootstrapDeps, secretId: string): Promise<string> {
  await ensureDefaultOrg(deps);
  const current = await secretValue(deps.secrets, secretId);
  if (current !== undefined) {
    // The record, not just its presence: its keyId must stay the PhysicalResourceId, or CloudFormation would see a replacement.
    const existing = await deps.table.get<ApiKeyItem>(apiKeyByHash(hashApiKey(current)));
    if (existing) return existing.keyId;
  }
  const key = generateApiKey();
  // Secret first: if registering then fails, the secret holds a dead key that the next attempt replaces,
  // whereas registering first could leave an admin key registered that nobody holds.
  await deps.secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: key }));
  const registered = await registerApiKey(deps, { key, orgId: DEFAULT_ORG_ID, name: DEPLOY_TIME_KEY_NAME, scopes: ['admin'] });
  return registered.keyId;
}

/** Undefined while the secret has no value yet. */
async function secretValue(secrets: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  try {
    return (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (err) {
    // Secrets Manager says ResourceNotFound both for "no value yet" and for "no such secret";
    // in the second case the PutSecretValue that follows fails with the real cause.
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}
