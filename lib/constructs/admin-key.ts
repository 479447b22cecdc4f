import { CustomResource, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DeployTimeProvider } from './deploy-time-provider';
import { MailroomFunction } from './mailroom-function';
import type { MessageStore } from './message-store';

export interface AdminKeyProps {
  readonly store: MessageStore;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The deployment's first admin API key, minted at deploy time: the table keeps only its hash, and
 * the key itself is put in a Secrets Manager secret (never in a template, output or log).
 */
export class AdminKey extends Construct {
  public readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: AdminKeyProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Mailroom admin API key (minted at deploy time; only its hash is stored in the table)',
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Secrets Manager rotation cannot mint Mailroom API keys; the admin key is rotated through the API (create a new key, revoke the old one).',
    });
    const onEvent = new MailroomFunction(this, 'Bootstrap', {
      handler: 'admin-key-bootstrap',
      description: 'Mailroom: mints the first admin API key into Secrets Manager',
      environment: { MAILROOM_TABLE_NAME: props.store.table.tableName },
    });
    props.store.table.grantReadWriteData(onEvent);
    this.secret.grantRead(onEvent);
    this.secret.grantWrite(onEvent);

    const provider = new DeployTimeProvider(this, 'Provider', onEvent);
    new CustomResource(this, 'Key', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::MailroomAdminKey',
      properties: { SecretId: this.secret.secretArn },
    });
  }

  /** The one command that prints the key (needs `secretsmanager:GetSecretValue` on it). */
  public get readCommand(): string {
    return `aws secretsmanager get-secret-value --secret-id ${this.secret.secretArn} --query SecretString --output text`;
  }
}
