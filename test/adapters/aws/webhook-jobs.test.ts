import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleGroupCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsJobQueue } from '../../../lambdas/adapters/aws/aws-job-queue';
import { EventBridgeEventBus } from '../../../lambdas/adapters/aws/eventbridge-event-bus';
import { jobFromQueueMessage } from '../../../lambdas/handlers/queue-message';
import type { Job, MailroomEvent } from '../../../lambdas/ports';
import { startMotoServer, type MotoServer } from '../../support/moto';

let moto: MotoServer;
let sqs: SQSClient;
let scheduler: SchedulerClient;
let eventBridge: EventBridgeClient;
let queueUrl: string;
let queueArn: string;
let jobs: AwsJobQueue;

const job = (deliveryId: string): Job => ({ kind: 'deliver', orgId: 'org_default', webhookId: 'wh_1', deliveryId });
const receive = async (waitSeconds = 0) =>
  ((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }))).Messages ?? []).map((m) =>
    jobFromQueueMessage(m.Body!),
  );

beforeAll(async () => {
  moto = await startMotoServer();
});
afterAll(() => moto.stop());
beforeEach(async () => {
  await moto.reset();
  sqs = new SQSClient(moto.clientConfig);
  scheduler = new SchedulerClient(moto.clientConfig);
  eventBridge = new EventBridgeClient(moto.clientConfig);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'mailroom-jobs' }))).QueueUrl!;
  queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await scheduler.send(new CreateScheduleGroupCommand({ Name: 'mailroom-retries' }));
  jobs = new AwsJobQueue(
    sqs,
    scheduler,
    { queueUrl, queueArn, scheduleGroup: 'mailroom-retries', schedulerRoleArn: 'arn:aws:iam::123456789012:role/mailroom-scheduler' },
    { now: () => new Date() },
  );
});

describe('the AWS job queue (against moto)', () => {
  it('sends a job due now straight to the queue, and holds back one due in a few seconds with an SQS delay', async () => {
    // Act
    await jobs.enqueue(job('dlv_now'));
    await jobs.enqueue(job('dlv_soon'), new Date(Date.now() + 2000));

    // Assess
    expect(await receive()).toEqual([job('dlv_now')]);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await receive()).toEqual([job('dlv_soon')]);
  });

  it('turns a job due after 15 minutes into a one-time schedule that puts it on the queue and deletes itself', async () => {
    // Prepare
    const due = new Date(Date.now() + 2 * 3600_000);

    // Act
    await jobs.enqueue(job('dlv_later'), due);

    // Assess
    expect(await receive()).toEqual([]);
    const [listed] = (await scheduler.send(new ListSchedulesCommand({ GroupName: 'mailroom-retries' }))).Schedules!;
    const schedule = await scheduler.send(new GetScheduleCommand({ GroupName: 'mailroom-retries', Name: listed.Name }));
    expect(schedule).toMatchObject({
      ScheduleExpression: `at(${new Date(Math.ceil(due.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: expect.objectContaining({ Arn: queueArn, RoleArn: 'arn:aws:iam::123456789012:role/mailroom-scheduler' }),
    });
    expect(jobFromQueueMessage(schedule.Target!.Input!)).toEqual(job('dlv_later'));
  });
});

describe('the EventBridge event bus (against moto)', () => {
  it('publishes Mailroom events that a rule on the bus turns into fan-out jobs on the queue', async () => {
    // Prepare: what the WebhookDelivery construct sets up.
    await eventBridge.send(new CreateEventBusCommand({ Name: 'mailroom' }));
    await eventBridge.send(new PutRuleCommand({ Name: 'to-jobs', EventBusName: 'mailroom', EventPattern: JSON.stringify({ source: ['mailroom'] }) }));
    await eventBridge.send(new PutTargetsCommand({ Rule: 'to-jobs', EventBusName: 'mailroom', Targets: [{ Id: 'jobs', Arn: queueArn }] }));
    const event: MailroomEvent = {
      id: 'evt_01JZZZZZZZZZZZZZZZZZZZZZZZ',
      type: 'message.received',
      timestamp: new Date().toISOString(),
      orgId: 'org_default',
      inboxId: 'inb_01JZZZZZZZZZZZZZZZZZZZZZZZ',
      data: { subject: 'hello' },
    };

    // Act
    await new EventBridgeEventBus(eventBridge, 'mailroom').publish(event);

    // Assess
    expect(await receive(1)).toEqual([{ kind: 'fan-out', event }]);
  });

  it('refuses a message that is neither a job nor an event', () => {
    expect(() => jobFromQueueMessage('{"hello":"world"}')).toThrow(/not a Mailroom job/);
  });
});
