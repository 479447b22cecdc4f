import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config';
import { METRIC, METRIC_NAMESPACE } from '../../lambdas/core/metric-names';
import { MailroomFunction } from './mailroom-function';
import type { MessageStore } from './message-store';
import * as ses from 'aws-cdk-lib/aws-ses';
import { allowSending } from './sending';

export interface CanaryOptions {
  /** Where probes are sent: an address at one of the deployment's domains, kept for the canary. @default mailroom-canary@<first domain> */
  readonly address?: string;
  /** How often a probe is sent. @default Duration.minutes(5) */
  readonly every?: Duration;
  /** A probe not stored after this long fires the alarm; at least twice `every`, at most a day. @default Duration.minutes(15) */
  readonly alarmAfter?: Duration;
}

export interface CanaryProps extends CanaryOptions {
  readonly store: MessageStore;
  readonly domains: string[];
  readonly environment: Record<string, string>;
  /** The `service` dimension of the canary's metrics. */
  readonly serviceName: string;
}

/**
 * The silent-inbound canary: on a schedule, a function sends a probe through SES to an address of the
 * deployment, then looks for the earlier probes in its inbox. The alarm fires when a probe has not been stored
 * within `alarmAfter`, or when no probe was sent at all (the canary itself is broken). Mail that stops arriving
 * without an error anywhere is what it exists to catch.
 */
export class Canary extends Construct {
  public readonly address: string;
  public readonly handler: MailroomFunction;
  /**
   * Probes go through a configuration set of their own: SES's events about them stay out of the sent-mail
   * pipeline, and SES's account suppression list is off for them, so a probe that bounced while inbound mail was
   * broken cannot keep the canary address suppressed after it is fixed.
   */
  public readonly configurationSet: ses.ConfigurationSet;
  public readonly schedule: events.Rule;
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    const every = props.every ?? Duration.minutes(5);
    const alarmAfter = props.alarmAfter ?? Duration.minutes(15);
    if (every.toSeconds() < 60 || every.toSeconds() % 60 !== 0) throw new Error(`canary.every must be a whole number of minutes, got ${every.toHumanString()}`);
    if (alarmAfter.toSeconds() % 60 !== 0 || alarmAfter.toSeconds() < 2 * every.toSeconds() || alarmAfter.toSeconds() > 86_400) {
      throw new Error(`canary.alarmAfter must be whole minutes, at least twice canary.every (${every.toHumanString()}) and at most a day, got ${alarmAfter.toHumanString()}`);
    }
    this.address = (props.address ?? `mailroom-canary@${props.domains[0]}`).toLowerCase();
    const domain = this.address.slice(this.address.lastIndexOf('@') + 1);
    if (!props.domains.includes(domain)) throw new Error(`canary.address must be at one of the domains (${props.domains.join(', ')}), got ${this.address}`);

    this.configurationSet = new ses.ConfigurationSet(this, 'ProbeConfigurationSet', { disableSuppressionList: true });
    this.handler = new MailroomFunction(this, 'Handler', {
      handler: 'canary',
      description: 'Mailroom: sends a canary probe through SES and checks earlier ones were stored',
      environment: {
        ...props.environment,
        [ENV.sesConfigurationSet]: this.configurationSet.configurationSetName,
        [ENV.canaryAddress]: this.address,
        [ENV.canaryAlarmAfterSeconds]: String(alarmAfter.toSeconds()),
      },
    });
    props.store.table.grantReadWriteData(this.handler);
    allowSending(this.handler, [domain], this.configurationSet);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Mailroom canary: one round per period',
      schedule: events.Schedule.rate(every),
      // A failed round is not retried: the next one comes soon, and the alarm sees the gap.
      targets: [new targets.LambdaFunction(this.handler, { retryAttempts: 0 })],
    });

    const metric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName, dimensionsMap: { service: props.serviceName }, statistic: 'Sum', period: alarmAfter });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription:
        `A canary probe sent to ${this.address} was not stored within ${alarmAfter.toHumanString()}, or no probe was sent: inbound mail may have stopped. ` +
        'Check the receipt rule set is active, the MX records, the parser dead-letter queue and the canary function logs.',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(missing, 0) + IF(FILL(sent, 0) < 1, 1, 0)',
        usingMetrics: { missing: metric(METRIC.canaryProbesMissing), sent: metric(METRIC.canaryProbesSent) },
        period: alarmAfter,
        label: 'canary probes missing (or none sent)',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }
}
