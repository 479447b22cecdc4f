import { Aws, CustomResource, Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sesActions from 'aws-cdk-lib/aws-ses-actions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeployTimeProvider } from './deploy-time-provider';
import { deadLetterAlarm, deadLetterQueue } from './dead-letters';
import { FUNCTION_MEMORY_MB } from './function-memory';
import { MailroomFunction } from './mailroom-function';
import type { MessageStore } from './message-store';

export interface MailIngestProps {
  readonly store: MessageStore;
  readonly domains: string[];
  readonly environment: Record<string, string>;
  readonly inboundPrefix: string;
  /** Add the rule to this (usually the account's active) rule set instead of creating one. */
  readonly existingReceiptRuleSet?: ses.IReceiptRuleSet;
  /** Make our own rule set the active one; refused at deploy time if another set is active. */
  readonly activateReceiptRuleSet: boolean;
  /** Take mail for every domain SES has verified (orgs' own domains, added without a redeploy), not just `domains`. */
  readonly everyVerifiedDomain: boolean;
}

/**
 * SES receipt rule → raw object in S3 → parser Lambda (Event invocation, retried by Lambda, then
 * kept in a dead-letter queue) → table and blobs.
 */
export class MailIngest extends Construct {
  public readonly receiptRuleSet: ses.IReceiptRuleSet;
  public readonly receiptRule: ses.ReceiptRule;
  public readonly parser: MailroomFunction;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: MailIngestProps) {
    super(scope, id);
    const { store } = props;

    this.deadLetterQueue = deadLetterQueue(this, 'ParserDeadLetters');
    this.parser = new MailroomFunction(this, 'Parser', {
      handler: 'parser',
      description: 'Mailroom: parses raw mail SES stored in S3 into inboxes',
      environment: props.environment,
      memorySize: FUNCTION_MEMORY_MB.parser,
      timeout: Duration.minutes(2),
      deadLetterQueue: this.deadLetterQueue,
    });
    this.deadLetterAlarm = deadLetterAlarm(this, 'ParserDeadLettersAlarm', this.deadLetterQueue, 'Received mail failed to parse after every retry; its SES events wait in the parser dead-letter queue (the raw mail is kept under the inbound prefix).');
    this.parser.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6) });
    store.table.grantReadWriteData(this.parser);
    store.grantMailObjects(this.parser, { write: true });

    const ruleSetName = props.existingReceiptRuleSet?.receiptRuleSetName ?? Names.uniqueResourceName(this, { maxLength: 64 });
    this.receiptRuleSet = props.existingReceiptRuleSet ?? new ses.ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: ruleSetName });
    const ruleName = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });

    this.receiptRule = new ses.ReceiptRule(this, 'Rule', {
      ruleSet: this.receiptRuleSet,
      receiptRuleName: ruleName,
      // No recipients: SES then applies the rule to mail for every identity it has verified in the region.
      recipients: props.everyVerifiedDomain ? undefined : props.domains,
      scanEnabled: true,
      tlsPolicy: ses.TlsPolicy.REQUIRE,
      actions: [
        new RuleScopedS3Action(store, props.inboundPrefix, ruleSetName, ruleName),
        new sesActions.Lambda({ function: this.parser, invocationType: sesActions.LambdaInvocationType.EVENT }),
      ],
    });

    if (props.activateReceiptRuleSet) this.activate(ruleSetName);
  }

  private activate(ruleSetName: string): void {
    const onEvent = new MailroomFunction(this, 'ActivateRuleSet', {
      handler: 'receipt-rule-set-activation',
      description: 'Mailroom: makes its receipt rule set active unless another one is',
    });
    onEvent.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
    );
    Validations.of(onEvent.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'SES DescribeActiveReceiptRuleSet and SetActiveReceiptRuleSet support no resource-level permissions.',
    });
    const provider = new DeployTimeProvider(this, 'ActivationProvider', onEvent);
    const activation = new CustomResource(this, 'Activation', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::MailroomReceiptRuleSetActivation',
      properties: { RuleSetName: ruleSetName },
    });
    activation.node.addDependency(this.receiptRule);
  }
}

/**
 * Like `aws-ses-actions` S3, but SES may write only for this account *and this rule*
 * (`aws:SourceArn`), so no other rule in the account can fill the bucket.
 */
class RuleScopedS3Action implements ses.IReceiptRuleAction {
  constructor(
    private readonly store: MessageStore,
    private readonly prefix: string,
    private readonly ruleSetName: string,
    private readonly ruleName: string,
  ) {}

  bind(rule: ses.IReceiptRuleRef): ses.ReceiptRuleActionConfig {
    const { bucket } = this.store;
    const ruleArn = Stack.of(bucket).formatArn({
      service: 'ses',
      resource: 'receipt-rule-set',
      resourceName: `${this.ruleSetName}:receipt-rule/${this.ruleName}`,
    });
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        resources: [bucket.arnForObjects(`${this.prefix}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': ruleArn } },
      }),
    );
    // SES checks it may write when the rule is created, so the policy must exist first.
    if (bucket.policy) rule.node.addDependency(bucket.policy);
    return { s3Action: { bucketName: bucket.bucketName, objectKeyPrefix: this.prefix } };
  }
}
