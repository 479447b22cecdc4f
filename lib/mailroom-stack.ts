import { Aws, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { Mailroom, type MailroomProps } from './mailroom';

export interface MailroomStackProps extends StackProps, Omit<MailroomProps, 'existingReceiptRuleSet' | 'hostedZone'> {
  /** A Route 53 public hosted zone (id and name) to create the domains' DKIM and MAIL FROM records in. */
  readonly hostedZone?: { readonly id: string; readonly name: string };
  /**
   * Name of a rule set in the account (usually the active one) to add Mailroom's rule to.
   * @default - Mailroom creates its own rule set
   */
  readonly existingReceiptRuleSetName?: string;
}

/** A stack holding one `Mailroom`, with outputs that say how to finish setting it up. */
export class MailroomStack extends Stack {
  public readonly mailroom: Mailroom;

  constructor(scope: Construct, id: string, props: MailroomStackProps) {
    super(scope, id, props);
    const existingReceiptRuleSet = props.existingReceiptRuleSetName
      ? ses.ReceiptRuleSet.fromReceiptRuleSetName(this, 'ExistingRuleSet', props.existingReceiptRuleSetName)
      : undefined;
    const hostedZone = props.hostedZone
      ? route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', { hostedZoneId: props.hostedZone.id, zoneName: props.hostedZone.name })
      : undefined;
    this.mailroom = new Mailroom(this, 'Mailroom', { ...props, existingReceiptRuleSet, hostedZone });
    const { mailroom } = this;

    new CfnOutput(this, 'ApiUrl', { value: mailroom.api.url, description: 'REST API base URL; routes start with v1/' });
    new CfnOutput(this, 'MxRecords', {
      value: Fn.join(', ', mailroom.domains.map((domain) => `${domain} MX 10 inbound-smtp.${Aws.REGION}.amazonaws.com`)),
      description: 'Add these MX records so SES receives mail for your domains',
    });
    mailroom.emailIdentities.forEach((identity, i) => {
      new CfnOutput(this, `DkimRecords${i}`, {
        value: Fn.join(
          ', ',
          identity.dkimRecords.map((record) => Fn.join(' ', [record.name, 'CNAME', record.value])),
        ),
        description: `DKIM CNAME records that verify ${mailroom.domains[i]} with SES`,
      });
    });
    new CfnOutput(this, 'ReceiptRuleSetName', {
      value: mailroom.ingest.receiptRuleSet.receiptRuleSetName,
      description: 'SES receipt rule set holding the Mailroom rule (it must be the active set for mail to arrive)',
    });
    new CfnOutput(this, 'AdminKeySecretArn', { value: mailroom.adminKey.secret.secretArn, description: 'Secret holding the first admin API key' });
    new CfnOutput(this, 'AdminKeyCommand', { value: mailroom.adminKey.readCommand, description: 'Prints the admin API key' });
    if (mailroom.dashboardSite) {
      new CfnOutput(this, 'DashboardUrl', { value: mailroom.api.url, description: 'The web dashboard: open it and paste an API key' });
    }
    new CfnOutput(this, 'CloudWatchDashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${mailroom.monitoring.dashboard.dashboardName}`,
      description: 'CloudWatch dashboard: inbound mail, API, webhooks, sending and alarms',
    });
    new CfnOutput(this, 'ParserDeadLetterQueueUrl', {
      value: mailroom.ingest.deadLetterQueue.queueUrl,
      description: 'SES events the parser failed on after retries (raw mail is still in the bucket)',
    });
  }
}
