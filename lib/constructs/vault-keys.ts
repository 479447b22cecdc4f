import { Names, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KEY_TAGS } from '../../lambdas/adapters/aws/kms-key-ring';
import { ENV } from '../../lambdas/config';
import type { MailroomFunction } from './mailroom-function';

export type VaultKeyMode = 'stack' | 'per-org';

export interface VaultKeysProps {
  /** The function that seals and opens credentials (the API). */
  readonly user: MailroomFunction;
  readonly mode: VaultKeyMode;
  readonly removalPolicy: RemovalPolicy;
}

const VAULT_CONTEXT = { 'kms:EncryptionContext:purpose': 'mailroom-vault' };

/**
 * The KMS keys behind the credential vault. `stack`: one key (rotation on) for every org, with the org in each
 * data key's encryption context. `per-org`: the API creates a key per org (rotation on, tagged with this
 * deployment), and may use only keys carrying that tag.
 */
export class VaultKeys extends Construct {
  /** The shared key (`stack` mode only). */
  public readonly key?: kms.Key;
  /** The tag value marking the per-org keys this deployment creates. */
  public readonly tag: string;

  constructor(scope: Construct, id: string, props: VaultKeysProps) {
    super(scope, id);
    const { user } = props;
    this.tag = Names.uniqueId(this);
    user.addEnvironment(ENV.vaultKeyMode, props.mode);
    user.addEnvironment(ENV.vaultKeyTag, this.tag);
    user.addEnvironment(ENV.apiRoleArn, user.role!.roleArn);

    if (props.mode === 'stack') {
      this.key = new kms.Key(this, 'Key', {
        description: 'Mailroom vault: wraps the data keys that seal credentials',
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy,
      });
      user.addEnvironment(ENV.vaultKeyId, this.key.keyArn);
      user.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn], conditions: { StringEquals: VAULT_CONTEXT } }),
      );
      return;
    }

    const stack = Stack.of(this);
    const ourKeys = { StringEquals: { [`aws:ResourceTag/${KEY_TAGS.stack}`]: this.tag } };
    const anyKey = stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
    user.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'CreateOrgKeysTaggedAsOurs',
        actions: ['kms:CreateKey', 'kms:TagResource'],
        resources: ['*'],
        conditions: { StringEquals: { [`aws:RequestTag/${KEY_TAGS.stack}`]: this.tag } },
      }),
    );
    // PutKeyPolicy only so KMS's lockout check accepts the key policy the API sets at creation; ScheduleKeyDeletion
    // when an org is deleted (KMS keeps the key a week, in which an administrator can cancel).
    user.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ManageOurOrgKeys',
        actions: ['kms:EnableKeyRotation', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'],
        resources: [anyKey],
        conditions: ourKeys,
      }),
    );
    user.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'UseOurOrgKeysForTheVault',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [anyKey],
        conditions: { StringEquals: { ...ourKeys.StringEquals, ...VAULT_CONTEXT } },
      }),
    );
    const acknowledge = (id: string, reason: string) => Validations.of(user.role!).acknowledge({ id, reason });
    acknowledge('AwsSolutions-IAM5[Resource::*]', 'kms:CreateKey has no resource to name; creating keys is allowed only with this deployment’s tag on them.');
    acknowledge(
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      'Org keys are created at run time; every statement on key/* requires this deployment’s tag on the key (and the vault’s encryption context for data keys).',
    );
  }
}
