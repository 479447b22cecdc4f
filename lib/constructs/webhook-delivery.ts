import { Aws, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config';
import { EVENT_SOURCE } from '../../lambdas/adapters/aws/eventbridge-event-bus';
import { deadLetterAlarm, deadLetterQueue } from './dead-letters';
import { MailroomFunction } from './mailroom-function';
import type { MessageStore } from './message-store';

export interface WebhookDeliveryProps {
  readonly store: MessageStore;
  readonly environment: Record<string, string>;
}

const DISPATCHER_TIMEOUT = Duration.minutes(1);

/**
 * Mailroom's events and their webhooks. The parser publishes to an EventBridge bus (the customer's own
 * rules can subscribe to it); a rule sends Mailroom's events to a job queue, whose dispatcher function
 * fans each out to the matching endpoints and attempts delivery. Retries within 15 minutes are delayed SQS
 * messages; later ones are one-time EventBridge Scheduler schedules that put the job back on the queue
 * and delete themselves. Jobs that keep failing land in a dead-letter queue, with an alarm on it.
 */
export class WebhookDelivery extends Construct {
  public readonly eventBus: events.EventBus;
  public readonly jobQueue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly dispatcher: MailroomFunction;
  public readonly scheduleGroup: scheduler.CfnScheduleGroup;
  public readonly schedulerRole: iam.Role;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    this.eventBus = new events.EventBus(this, 'Bus', { description: 'Mailroom events (message.received, ...)' });

    this.deadLetterQueue = deadLetterQueue(this, 'JobDeadLetters');
    this.jobQueue = new sqs.Queue(this, 'Jobs', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's guidance: six times the function timeout, so a batch is not redelivered while still running.
      visibilityTimeout: Duration.seconds(DISPATCHER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    new events.Rule(this, 'ToJobs', {
      eventBus: this.eventBus,
      description: 'Mailroom events → webhook fan-out',
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [new targets.SqsQueue(this.jobQueue)],
    });

    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'Retries', {});
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'EventBridge Scheduler puts planned webhook retries back on the job queue',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
    });
    this.jobQueue.grantSendMessages(this.schedulerRole);

    this.dispatcher = new MailroomFunction(this, 'Dispatcher', {
      handler: 'dispatcher',
      description: 'Mailroom: fans events out to webhook endpoints and delivers them',
      timeout: DISPATCHER_TIMEOUT,
      environment: {
        ...props.environment,
        [ENV.jobQueueUrl]: this.jobQueue.queueUrl,
        [ENV.jobQueueArn]: this.jobQueue.queueArn,
        [ENV.scheduleGroup]: this.scheduleGroup.ref,
        [ENV.schedulerRoleArn]: this.schedulerRole.roleArn,
      },
    });
    this.dispatcher.addEventSource(new SqsEventSource(this.jobQueue, { batchSize: 10, reportBatchItemFailures: true }));
    this.jobQueue.grantSendMessages(this.dispatcher);
    props.store.table.grantReadWriteData(this.dispatcher);
    this.dispatcher.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule'],
        resources: [Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.ref}/*` })],
      }),
    );
    this.schedulerRole.grantPassRole(this.dispatcher.grantPrincipal);
    const stack = Stack.of(this);
    const groupId = stack.resolve(stack.getLogicalId(this.scheduleGroup as CfnElement)) as string;
    Validations.of(this.dispatcher.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${groupId}>/*]`,
      reason: 'Retry schedules get unique names at run time; creating them is limited to Mailroom’s own schedule group.',
    });

    this.deadLetterAlarm = deadLetterAlarm(this, 'JobDeadLettersAlarm', this.deadLetterQueue, 'Webhook jobs failed repeatedly and wait in the dead-letter queue');
  }

  /** Lets a function publish Mailroom events. */
  public grantPublish(fn: MailroomFunction): void {
    fn.addEnvironment(ENV.eventBusName, this.eventBus.eventBusName);
    this.eventBus.grantPutEventsTo(fn);
  }
}
