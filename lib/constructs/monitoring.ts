import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRIC, METRIC_NAMESPACE, type MetricName } from '../../lambdas/core/metric-names';
import type { Canary } from './canary';
import type { ExpiryCleanup } from './expiry-cleanup';
import type { InboxApi } from './inbox-api';
import type { MailIngest } from './mail-ingest';
import type { WebhookDelivery } from './webhook-delivery';

export interface MonitoringProps {
  /** The `service` dimension of Mailroom's own metrics: its functions' POWERTOOLS_SERVICE_NAME. */
  readonly serviceName: string;
  readonly ingest: MailIngest;
  readonly api: InboxApi;
  readonly webhooks: WebhookDelivery;
  readonly expiryCleanup: ExpiryCleanup;
  readonly canary?: Canary;
  /** Every alarm notifies this topic when it fires and when it clears. @default - alarms only change state */
  readonly alarmTopic?: sns.ITopic;
}

const FIVE_MINUTES = Duration.minutes(5);
/** SES reviews an account at a 5 % bounce rate or a 0.1 % complaint rate; these fire before that. */
export const SES_BOUNCE_RATE_WARNING = 0.04;
export const SES_COMPLAINT_RATE_WARNING = 0.0008;

/**
 * What a platform team watches: one CloudWatch dashboard for the whole pipeline, and alarms for parser errors,
 * work stuck in dead-letter queues, webhook failure rate, API 5xx rate, SES reputation and, when enabled, the
 * canary, each telling whoever is paged what it means.
 */
export class Monitoring extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { ingest, api, webhooks, expiryCleanup, canary } = props;
    const mailroom = (name: MetricName, statistic = 'Sum', label?: string) =>
      new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName: name, dimensionsMap: { service: props.serviceName }, statistic, period: FIVE_MINUTES, label });

    /** An alarm that fires at `threshold` (or above it, with `strictlyAbove`), and stays calm while there is no data. */
    const alarm = (id: string, alarmDescription: string, metric: cloudwatch.IMetric, threshold: number, options: { evaluationPeriods?: number; strictlyAbove?: boolean } = {}) =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription,
        metric,
        threshold,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        comparisonOperator: options.strictlyAbove
          ? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
          : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    /** failed / total per 5 minutes, counted as 0 below `minimum` so a handful of requests cannot page anyone. */
    const rate = (label: string, total: [string, cloudwatch.IMetric], failed: [string, cloudwatch.IMetric], minimum: number) =>
      new cloudwatch.MathExpression({
        expression: `IF(${total[0]} >= ${minimum}, ${failed[0]} / ${total[0]}, 0)`,
        usingMetrics: { [total[0]]: total[1], [failed[0]]: failed[1] },
        period: FIVE_MINUTES,
        label,
      });
    const reputation = (metricName: string) => new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });

    const parserErrors = alarm(
      'ParserErrors',
      'The mail parser failed on received mail. Lambda retries twice; what still fails waits in the parser dead-letter queue. Read the parser logs.',
      ingest.parser.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
    );
    const webhookFailureRate = alarm(
      'WebhookFailureRate',
      'More than a quarter of webhook attempts failed for 15 minutes (with at least 10 attempts each 5 minutes). Endpoints may be down; see each webhook’s deliveries.',
      rate('webhook failure rate', ['attempts', mailroom(METRIC.webhookAttempts)], ['failures', mailroom(METRIC.webhookFailures)], 10),
      0.25,
      { evaluationPeriods: 3, strictlyAbove: true },
    );
    const apiServerErrorRate = alarm(
      'ApiServerErrorRate',
      'More than 5 % of API requests answered 5xx for 15 minutes (with at least 20 requests each 5 minutes). Search the API functions’ logs (the main one, and those serving waits, exports and sends) for "request failed".',
      rate('API 5xx rate', ['requests', api.restApi.metricCount({ period: FIVE_MINUTES })], ['errors', api.restApi.metricServerError({ period: FIVE_MINUTES })], 20),
      0.05,
      { evaluationPeriods: 3, strictlyAbove: true },
    );
    const sesBounceRate = alarm(
      'SesBounceRate',
      `The account's SES bounce rate reached ${SES_BOUNCE_RATE_WARNING * 100} %; SES reviews accounts at 5 % and may pause sending at 10 %. Check the suppression list and who inboxes send to.`,
      reputation('Reputation.BounceRate'),
      SES_BOUNCE_RATE_WARNING,
    );
    const sesComplaintRate = alarm(
      'SesComplaintRate',
      `The account's SES complaint rate reached ${SES_COMPLAINT_RATE_WARNING * 100} %; SES reviews accounts at 0.1 % and may pause sending at 0.5 %. Find which inboxes send unwanted mail.`,
      reputation('Reputation.ComplaintRate'),
      SES_COMPLAINT_RATE_WARNING,
    );

    this.alarms = [
      parserErrors,
      ingest.deadLetterAlarm,
      webhooks.deadLetterAlarm,
      expiryCleanup.deadLetterAlarm,
      webhookFailureRate,
      apiServerErrorRate,
      sesBounceRate,
      sesComplaintRate,
      ...(canary ? [canary.alarm] : []),
    ];
    if (props.alarmTopic) {
      const notify = new actions.SnsAction(props.alarmTopic);
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
      }
    }

    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) => new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    const p = (metric: cloudwatch.Metric, stat: string) => metric.with({ statistic: stat, label: `${metric.metricName} ${stat}` });
    const deadLetters = [
      ingest.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'parser', period: FIVE_MINUTES }),
      webhooks.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'webhook jobs', period: FIVE_MINUTES }),
      expiryCleanup.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'expiry clean-up', period: FIVE_MINUTES }),
    ];
    const parseLatency = mailroom(METRIC.parseLatency, 'p50');
    const apiLatency = api.restApi.metricLatency({ period: FIVE_MINUTES });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: `# Mailroom · ${props.serviceName}\nInbound mail, API, webhooks and sending. Alarms are listed on the right.`, width: 12, height: 4 }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12, height: 4 }),
    );
    this.dashboard.addWidgets(
      graph('Inbound mail', [
        mailroom(METRIC.messagesReceived, 'Sum', 'received'),
        mailroom(METRIC.messagesQuarantined, 'Sum', 'quarantined'),
        mailroom(METRIC.messagesBlocked, 'Sum', 'blocked by rules'),
        mailroom(METRIC.messagesDropped, 'Sum', 'dropped (no inbox)'),
        mailroom(METRIC.parseFailures, 'Sum', 'parse failures'),
      ]),
      graph('Parse latency (ms)', [p(parseLatency, 'p50'), p(parseLatency, 'p99')]),
      graph('Parser function', [
        ingest.parser.metricInvocations({ period: FIVE_MINUTES }),
        ingest.parser.metricErrors({ period: FIVE_MINUTES }),
        ingest.parser.metricThrottles({ period: FIVE_MINUTES }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('API requests', [
        api.restApi.metricCount({ period: FIVE_MINUTES, label: 'requests' }),
        api.restApi.metricClientError({ period: FIVE_MINUTES, label: '4xx' }),
        api.restApi.metricServerError({ period: FIVE_MINUTES, label: '5xx' }),
      ]),
      graph('API latency (ms)', [p(apiLatency, 'p50'), p(apiLatency, 'p99')]),
      graph('Dead-letter queues (messages waiting)', deadLetters),
    );
    this.dashboard.addWidgets(
      graph('Webhooks', [
        mailroom(METRIC.webhookAttempts, 'Sum', 'attempts'),
        mailroom(METRIC.webhookSuccesses, 'Sum', 'successes'),
        mailroom(METRIC.webhookFailures, 'Sum', 'failures'),
        mailroom(METRIC.webhookEndpointsDisabled, 'Sum', 'endpoints disabled'),
      ]),
      graph('Sending', [
        mailroom(METRIC.messagesSent, 'Sum', 'sent'),
        mailroom(METRIC.sendsRefused, 'Sum', 'refused by guardrails'),
        mailroom(METRIC.deliveries, 'Sum', 'delivered'),
        mailroom(METRIC.bounces, 'Sum', 'bounced'),
        mailroom(METRIC.complaints, 'Sum', 'complaints'),
      ]),
      new cloudwatch.GraphWidget({
        title: 'SES reputation (account)',
        left: [reputation('Reputation.BounceRate'), reputation('Reputation.ComplaintRate')],
        leftAnnotations: [
          { value: SES_BOUNCE_RATE_WARNING, label: 'bounce warning' },
          { value: SES_COMPLAINT_RATE_WARNING, label: 'complaint warning' },
        ],
        width: 8,
        height: 6,
      }),
    );
    if (canary) {
      this.dashboard.addWidgets(
        graph('Canary probes', [
          mailroom(METRIC.canaryProbesSent, 'Sum', 'sent'),
          mailroom(METRIC.canaryProbesStored, 'Sum', 'stored'),
          mailroom(METRIC.canaryProbesMissing, 'Sum', 'missing'),
        ], 12),
        graph('Canary delivery time (s)', [mailroom(METRIC.canaryDeliverySeconds, 'Maximum', 'slowest probe')], 12),
      );
    }
  }
}
