import { Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config';
import { MailroomFunction } from './mailroom-function';
import type { MessageStore } from './message-store';

export interface SendingProps {
  readonly store: MessageStore;
  readonly environment: Record<string, string>;
  /** The domains inboxes send from; each must be a verified SES identity (with Easy DKIM) in this account and region. */
  readonly domains: string[];
  /** Where SES's reports on sent mail are queued for the dispatcher. */
  readonly jobQueue: sqs.IQueue;
  /** Orgs' own domains are sent from too, so the function may use any identity (the core sends only from an inbox's address). */
  readonly orgDomains: boolean;
}

/**
 * Sending from inboxes through the account's SES: a configuration set whose events (send, delivery, bounce,
 * complaint, reject, delay) go to EventBridge's default bus (the only bus SES can write to), and the function
 * that serves the sending routes, the only one allowed to send, and only from the deployment's domains
 * through that configuration set.
 */
export class Sending extends Construct {
  public readonly configurationSet: ses.ConfigurationSet;
  public readonly handler: MailroomFunction;

  constructor(scope: Construct, id: string, props: SendingProps) {
    super(scope, id);
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', { reputationMetrics: true });
    this.configurationSet.addEventDestination('ToEventBridge', {
      destination: ses.EventDestination.eventBus(events.EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [
        ses.EmailSendingEvent.SEND,
        ses.EmailSendingEvent.DELIVERY,
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.REJECT,
        ses.EmailSendingEvent.DELIVERY_DELAY,
      ],
    });

    // SES writes only to the default bus: its reports on this configuration set's mail go on to the job queue.
    new events.Rule(this, 'FeedbackToJobs', {
      description: 'SES delivery, bounce and complaint events for Mailroom’s sent mail → the job queue',
      eventPattern: { source: ['aws.ses'], detail: { mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } } } },
      targets: [new targets.SqsQueue(props.jobQueue)],
    });

    this.handler = new MailroomFunction(this, 'Handler', {
      handler: 'send',
      description: 'Mailroom: REST API, sending',
      environment: { ...props.environment, [ENV.sesConfigurationSet]: this.configurationSet.configurationSetName },
    });
    props.store.table.grantReadWriteData(this.handler);
    props.store.grantMailObjects(this.handler, { write: true });
    allowSending(this.handler, props.orgDomains ? ['*'] : props.domains, this.configurationSet);
    if (props.orgDomains) {
      Validations.of(this.handler.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
        reason: 'Inboxes at orgs’ own domains send too, and those identities are registered at run time; the function sends only from the address of an inbox, which exists at such a domain only while its org has it verified, and only through this configuration set.',
      });
    }
  }
}

/** Lets `grantee` send through SES from `domains` (some of the deployment's), only through `configurationSet`. */
export function allowSending(grantee: iam.IGrantable, domains: string[], configurationSet: ses.IConfigurationSet): void {
  const stack = Stack.of(configurationSet);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'SendFromOurDomainsThroughOurConfigurationSet',
      // SES v2 SendEmail with raw content is authorized as both.
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [
        ...domains.map((domain) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain })),
        stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName }),
      ],
    }),
  );
}
