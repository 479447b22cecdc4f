import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { METRIC } from '../../lambdas/core/metric-names';
import { mailroomStack } from './synth';

type Resource = { Type: string; Properties: Record<string, any> };
const resourcesOf = (template: { toJSON(): any }, type: string): [string, Resource][] =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);

describe('operating Mailroom on AWS', () => {
  const plain = mailroomStack().template();
  const monitored = mailroomStack({ alarmEmail: 'ops@example.com', canary: {} }).template();

  describe('logs', () => {
    it('every function writes to a log group of its own that expires', () => {
      const groups = new Map(resourcesOf(monitored, 'AWS::Logs::LogGroup'));
      const functions = resourcesOf(monitored, 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(5);
      for (const [id, fn] of functions) {
        const ref = fn.Properties.LoggingConfig?.LogGroup?.Ref as string | undefined;
        expect({ id, retention: ref && groups.get(ref)?.Properties.RetentionInDays }).toEqual({ id, retention: expect.any(Number) });
      }
    });

    it('every function serving mail logs JSON under one service name, which its metrics carry as their dimension', () => {
      const names = resourcesOf(monitored, 'AWS::Lambda::Function')
        .filter(([, fn]) => fn.Properties.Environment?.Variables?.MAILROOM_DOMAIN !== undefined)
        .map(([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME);
      expect(names.length).toBeGreaterThanOrEqual(7);
      expect(new Set(names).size).toBe(1);
      monitored.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: names[0] }) },
        LoggingConfig: { LogFormat: 'JSON' },
      });
    });
  });

  describe('the dashboard', () => {
    it('charts inbound mail, parse latency, the API, webhooks, sending, dead letters, SES reputation and the canary', () => {
      const [[, dashboard]] = resourcesOf(monitored, 'AWS::CloudWatch::Dashboard');
      const body = JSON.stringify(dashboard.Properties.DashboardBody);
      for (const name of Object.values(METRIC)) expect(body).toContain(`\\"${name}\\"`);
      for (const name of ['5XXError', '4XXError', 'Latency', 'ApproximateNumberOfMessagesVisible', 'Reputation.BounceRate', 'Reputation.ComplaintRate']) {
        expect(body).toContain(name);
      }
    });

    it('is there without a canary too, just without its charts', () => {
      const [[, dashboard]] = resourcesOf(plain, 'AWS::CloudWatch::Dashboard');
      expect(JSON.stringify(dashboard.Properties.DashboardBody)).not.toContain(METRIC.canaryProbesSent);
    });
  });

  describe('alarms', () => {
    it('fire on any parser error and on anything left in a dead-letter queue', () => {
      plain.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('IngestParser') } }],
        Threshold: 1,
      });
      for (const queue of ['ParserDeadLetters', 'JobDeadLetters', 'ExpiryCleanupDeadLetters']) {
        plain.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(queue), 'QueueName'] } }],
          Threshold: 1,
        });
      }
    });

    it('fire on the webhook failure rate and the API 5xx rate, only once there is enough traffic to mean something', () => {
      const expressions = resourcesOf(plain, 'AWS::CloudWatch::Alarm').flatMap(([, a]) => (a.Properties.Metrics ?? []).map((m: any) => m.Expression).filter(Boolean));
      expect(expressions).toEqual(expect.arrayContaining(['IF(attempts >= 10, failures / attempts, 0)', 'IF(requests >= 20, errors / requests, 0)']));
    });

    it('fire before SES reviews the account for bounces (5 %) or complaints (0.1 %)', () => {
      plain.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SES', MetricName: 'Reputation.BounceRate', Threshold: Match.anyValue() });
      const thresholds = Object.fromEntries(
        resourcesOf(plain, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.Namespace === 'AWS/SES').map(([, a]) => [a.Properties.MetricName, a.Properties.Threshold]),
      );
      expect(thresholds['Reputation.BounceRate']).toBeLessThan(0.05);
      expect(thresholds['Reputation.ComplaintRate']).toBeLessThan(0.001);
    });

    it('notify nobody by default, and with alarmEmail each one notifies a TLS-only topic the address subscribes to, when firing and when clearing', () => {
      expect(resourcesOf(plain, 'AWS::CloudWatch::Alarm').every(([, a]) => a.Properties.AlarmActions === undefined)).toBe(true);
      monitored.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
      monitored.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      const alarms = resourcesOf(monitored, 'AWS::CloudWatch::Alarm');
      expect(alarms.length).toBe(9);
      for (const [id, alarm] of alarms) {
        expect({ id, actions: alarm.Properties.AlarmActions, ok: alarm.Properties.OKActions }).toEqual({
          id,
          actions: [{ Ref: expect.stringMatching(/AlarmTopic/) }],
          ok: [{ Ref: expect.stringMatching(/AlarmTopic/) }],
        });
      }
    });

    it('refuse an alarmEmail that is not an address', () => {
      expect(() => mailroomStack({ alarmEmail: 'ops' })).toThrow(/alarmEmail must be an email address/);
    });
  });

  describe('the canary', () => {
    it('is off unless asked for', () => {
      expect(resourcesOf(plain, 'AWS::Events::Rule').filter(([id]) => /Canary/.test(id))).toEqual([]);
    });

    it('runs a function every 5 minutes that probes mailroom-canary@ the first domain, sending only from that domain through the configuration set', () => {
      monitored.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CanaryHandler'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
      });
      monitored.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ MAILROOM_CANARY_ADDRESS: 'mailroom-canary@mail.example.com', MAILROOM_CANARY_ALARM_AFTER_SECONDS: '900' }) },
      });
      monitored.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('CanaryHandlerRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['ses:SendEmail', 'ses:SendRawEmail'],
              Resource: Match.arrayWith([{ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':identity/mail.example.com$')])] }]),
            }),
          ]),
        },
      });
    });

    it('sends through a configuration set of its own, with no event destination and SES suppression off', () => {
      monitored.hasResourceProperties('AWS::SES::ConfigurationSet', { SuppressionOptions: { SuppressedReasons: [] } });
      const sets = resourcesOf(monitored, 'AWS::SES::ConfigurationSet').map(([id]) => id);
      const destinations = resourcesOf(monitored, 'AWS::SES::ConfigurationSetEventDestination').map(([, d]) => JSON.stringify(d.Properties.ConfigurationSetName));
      const probeSet = sets.find((id) => /CanaryProbe/.test(id))!;
      expect(destinations.some((d) => d.includes(probeSet))).toBe(false);
      monitored.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ MAILROOM_SES_CONFIGURATION_SET: { Ref: probeSet } }) },
      });
    });

    it('alarms when a probe is missing after 15 minutes, or when none was sent (missing data counts as broken)', () => {
      monitored.hasResourceProperties('AWS::CloudWatch::Alarm', {
        TreatMissingData: 'breaching',
        Threshold: 1,
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'FILL(missing, 0) + IF(FILL(sent, 0) < 1, 1, 0)' }),
          Match.objectLike({ Id: 'missing', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: METRIC.canaryProbesMissing }), Period: 900 }) }),
        ]),
      });
    });

    it('takes its own address, pace and deadline, and refuses ones that cannot work', () => {
      const custom = mailroomStack({ canary: { address: 'probe@mail.example.com', every: Duration.minutes(10), alarmAfter: Duration.minutes(30) } }).template();
      custom.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
      custom.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MAILROOM_CANARY_ADDRESS: 'probe@mail.example.com' }) } });
      expect(() => mailroomStack({ canary: { address: 'probe@elsewhere.example' } })).toThrow(/canary.address must be at one of the domains/);
      expect(() => mailroomStack({ canary: { every: Duration.minutes(10), alarmAfter: Duration.minutes(15) } })).toThrow(/at least twice canary.every/);
    });
  });
});
