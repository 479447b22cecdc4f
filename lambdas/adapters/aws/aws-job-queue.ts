import { randomUUID } from 'node:crypto';
import { CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Clock, Job, JobQueue } from '../../ports';

export interface AwsJobQueueConfig {
  queueUrl: string;
  queueArn: string;
  scheduleGroup: string;
  /** The role EventBridge Scheduler assumes to send to the queue. */
  schedulerRoleArn: string;
}

/** SQS holds a message back for at most 15 minutes; later jobs become one-time schedules. */
export const MAX_SQS_DELAY_SECONDS = 900;

/**
 * Jobs due within 15 minutes are SQS messages with a delay; later ones are EventBridge Scheduler one-time
 * schedules that send the same message to the same queue and delete themselves once they have run.
 */
export class AwsJobQueue implements JobQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly scheduler: SchedulerClient,
    private readonly config: AwsJobQueueConfig,
    private readonly clock: Clock,
  ) {}

  async enqueue(job: Job, notBefore?: Date): Promise<void> {
    const body = JSON.stringify(job);
    const delaySeconds = notBefore ? Math.ceil((notBefore.getTime() - this.clock.now().getTime()) / 1000) : 0;
    if (delaySeconds <= MAX_SQS_DELAY_SECONDS) {
      await this.sqs.send(new SendMessageCommand({ QueueUrl: this.config.queueUrl, MessageBody: body, DelaySeconds: Math.max(0, delaySeconds) }));
      return;
    }
    await this.scheduler.send(
      new CreateScheduleCommand({
        Name: `mailroom-${randomUUID()}`,
        GroupName: this.config.scheduleGroup,
        // at() takes whole seconds, without a zone: the zone is given separately.
        ScheduleExpression: `at(${new Date(Math.ceil(notBefore!.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: this.config.queueArn, RoleArn: this.config.schedulerRoleArn, Input: body },
        ActionAfterCompletion: 'DELETE',
      }),
    );
  }
}
