import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface MessageStoreProps {
  /** Applies to the table and the mail bucket. */
  readonly removalPolicy: RemovalPolicy;
  /** Key prefix SES writes raw mail under; objects there are copies the parser has already stored. */
  readonly inboundPrefix: string;
  /** Days raw inbound objects are kept for replay after the parser has copied them. */
  readonly inboundRetentionDays: number;
  /** @default - a new bucket for S3 server access logs */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/**
 * Where mail lives: one DynamoDB table (every key starts with the org; TTL on `expiresAt` does
 * retention; the stream feeds later consumers) and one bucket for raw messages, large bodies and
 * attachments.
 */
/** Where the parser and the API keep per-org objects: raw mail, large bodies, attachments. */
export const MAIL_OBJECTS_PREFIX = 'o/';

export class MessageStore extends Construct {
  public readonly table: dynamodb.Table;
  public readonly bucket: s3.Bucket;
  public readonly accessLogsBucket: s3.IBucket;

  private readonly inboundPrefix: string;

  constructor(scope: Construct, id: string, props: MessageStoreProps) {
    super(scope, id);
    this.inboundPrefix = props.inboundPrefix;
    const retain = props.removalPolicy === RemovalPolicy.RETAIN;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: retain,
      removalPolicy: props.removalPolicy,
    });

    this.accessLogsBucket =
      props.serverAccessLogsBucket ??
      new s3.Bucket(this, 'AccessLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ expiration: Duration.days(90) }],
        removalPolicy: props.removalPolicy,
        autoDeleteObjects: !retain,
      });

    this.bucket = new s3.Bucket(this, 'Mail', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'mail/',
      // The API redirects large downloads to presigned links; the dashboard's script must be allowed to read them.
      // The link is the credential: CORS only lets a page read what the link already grants.
      cors: [{ allowedMethods: [s3.HttpMethods.GET], allowedOrigins: ['*'], maxAge: 3600 }],
      lifecycleRules: [
        { id: 'inbound-backstop', prefix: props.inboundPrefix, expiration: Duration.days(props.inboundRetentionDays) },
        { id: 'abandoned-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: !retain,
    });
  }

  /** Read (and with `write`, create and delete) per-org mail objects. */
  public grantMailObjects(grantee: iam.IGrantable, access: { write: boolean }): void {
    const actions = access.write ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] : ['s3:GetObject'];
    this.grantObjects(grantee, MAIL_OBJECTS_PREFIX, actions);
    // Received mail's raw bytes stay where SES wrote them: read there, and deleted with the last message using them.
    this.grantObjects(grantee, this.inboundPrefix, access.write ? ['s3:GetObject', 's3:DeleteObject'] : ['s3:GetObject']);
  }

  /**
   * Explicit object actions under one prefix, plus listing that prefix (which also lets a read of
   * a missing key answer 404 instead of 403).
   */
  private grantObjects(grantee: iam.IGrantable, prefix: string, actions: string[]): void {
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.bucket.arnForObjects(`${prefix}*`)] });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    });
    const stack = Stack.of(this);
    const bucketArn = `<${stack.resolve(stack.getLogicalId(this.bucket.node.defaultChild as CfnElement))}.Arn>`;
    const principal = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) return;
    Validations.of(principal).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`,
      reason: `Object actions are limited to keys under "${prefix}"; the keys are created at run time, so the ARN needs a wildcard.`,
    });
  }
}
