import {
  CreateKeyCommand,
  DecryptCommand,
  EnableKeyRotationCommand,
  GenerateDataKeyCommand,
  KMSInvalidStateException,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import type { EncryptionContext, KeyRing } from '../../ports';

export interface KmsKeyRingConfig {
  /** `per-org`: a KMS key per org, created with the org. `stack`: every org shares the stack's key (the org is in the context). */
  mode: 'per-org' | 'stack';
  /** The stack's key: used in `stack` mode. */
  stackKeyArn: string;
  /** Tagged on every org key; the API role may use only keys with this tag. */
  stackTag: string;
  /** The API function's role: the only principal, besides the account's administrators, that a key policy lets use the key. */
  apiRoleArn: string;
}

/** Tag keys the KMS keys Mailroom creates carry. */
export const KEY_TAGS = { stack: 'mailroom:stack', org: 'mailroom:org' } as const;

/** KMS: data keys bound to their encryption context (which CloudTrail records with every use). */
export class KmsKeyRing implements KeyRing {
  constructor(
    private readonly client: KMSClient,
    private readonly config: KmsKeyRingConfig,
  ) {}

  async createOrgKey(orgId: string): Promise<string> {
    if (this.config.mode === 'stack') return this.config.stackKeyArn;
    const { KeyMetadata } = await this.client.send(
      new CreateKeyCommand({
        Description: `Mailroom vault key for ${orgId}`,
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Policy: JSON.stringify(orgKeyPolicy(orgId, this.config.apiRoleArn)),
        Tags: [
          { TagKey: KEY_TAGS.stack, TagValue: this.config.stackTag },
          { TagKey: KEY_TAGS.org, TagValue: orgId },
        ],
      }),
    );
    await this.client.send(new EnableKeyRotationCommand({ KeyId: KeyMetadata!.KeyId }));
    return KeyMetadata!.Arn!;
  }

  async generateDataKey(keyRef: string, context: EncryptionContext): Promise<{ plaintext: Buffer; wrapped: Buffer }> {
    const out = await this.client.send(new GenerateDataKeyCommand({ KeyId: keyRef, KeySpec: 'AES_256', EncryptionContext: context }));
    return { plaintext: Buffer.from(out.Plaintext!), wrapped: Buffer.from(out.CiphertextBlob!) };
  }

  async decryptDataKey(keyRef: string, wrapped: Buffer, context: EncryptionContext): Promise<Buffer> {
    const out = await this.client.send(new DecryptCommand({ KeyId: keyRef, CiphertextBlob: wrapped, EncryptionContext: context }));
    return Buffer.from(out.Plaintext!);
  }

  /** KMS's shortest waiting period: a week in which an administrator can still cancel the deletion. */
  async retireOrgKey(keyRef: string): Promise<void> {
    if (keyRef === this.config.stackKeyArn) return;
    try {
      // By key id, which KMS takes as it takes the ARN (and which moto, the tests' KMS, requires here).
      const keyId = keyRef.slice(keyRef.lastIndexOf('/') + 1);
      await this.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: KEY_DELETION_WAITING_DAYS }));
    } catch (err) {
      // Already scheduled (a repeated org deletion) or already gone.
      if (err instanceof KMSInvalidStateException || err instanceof NotFoundException) return;
      throw err;
    }
  }
}

const KEY_DELETION_WAITING_DAYS = 7;

/**
 * The account keeps administering the key (KMS's default); the API role may make and open data keys only for
 * this org's vault. It may also replace the policy, because KMS's lockout check requires that of whoever
 * creates a key with a policy.
 */
export function orgKeyPolicy(orgId: string, apiRoleArn: string) {
  const account = apiRoleArn.split(':')[4];
  const partition = apiRoleArn.split(':')[1];
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AccountAdministers', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'ApiUsesForThisOrgOnly',
        Effect: 'Allow',
        Principal: { AWS: apiRoleArn },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:orgId': orgId, 'kms:EncryptionContext:purpose': 'mailroom-vault' } },
      },
      { Sid: 'ApiPassesTheLockoutCheck', Effect: 'Allow', Principal: { AWS: apiRoleArn }, Action: 'kms:PutKeyPolicy', Resource: '*' },
    ],
  };
}
