import { Duration, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EXPIRING_WITH_LEFTOVERS } from '../../lambdas/core/expiry';
import { deadLetterAlarm, deadLetterQueue } from './dead-letters';
import { MailroomFunction } from './mailroom-function';
import type { MessageStore } from './message-store';

export interface ExpiryCleanupProps {
  readonly store: MessageStore;
  readonly environment: Record<string, string>;
}

/**
 * DynamoDB's TTL deletes expired items; this deletes what they pointed to. The table's stream feeds a
 * function only the TTL deletions of messages (their bytes in the bucket) and temporary inboxes (everything
 * they still own or that names them). Failed batches are retried, bisected, then kept in a dead-letter queue.
 */
export class ExpiryCleanup extends Construct {
  public readonly handler: MailroomFunction;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ExpiryCleanupProps) {
    super(scope, id);
    this.handler = new MailroomFunction(this, 'Handler', {
      handler: 'expiry',
      description: 'Mailroom: deletes what expired messages and inboxes leave behind',
      timeout: Duration.minutes(5),
      environment: props.environment,
    });
    props.store.table.grantReadWriteData(this.handler);
    props.store.grantMailObjects(this.handler, { write: true });

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters');
    this.handler.addEventSource(
      new DynamoEventSource(props.store.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        retryAttempts: 5,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('REMOVE'),
            userIdentity: { type: lambda.FilterRule.isEqual('Service'), principalId: lambda.FilterRule.isEqual('dynamodb.amazonaws.com') },
            dynamodb: { OldImage: { type: { S: lambda.FilterRule.or(...EXPIRING_WITH_LEFTOVERS) } } },
          }),
        ],
      }),
    );
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination of the stream event source: it holds the records of failed clean-up batches.',
    });
    Validations.of(this.handler.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, which the stream event source needs, supports no resource-level permissions; reading the stream itself is limited to this table.',
    });
    this.deadLetterAlarm = deadLetterAlarm(this, 'DeadLettersAlarm', this.deadLetterQueue, 'Clean-up after expiry failed repeatedly: stored bytes of expired mail may remain');
  }
}
