/**
 * What Mailroom counts and times, by CloudWatch metric name. The CDK's dashboard and alarms read the same
 * names, so a rename here cannot leave an alarm watching nothing.
 */
export const METRIC = {
  /** A copy of inbound mail stored in an inbox (one per inbox the mail was for). */
  messagesReceived: 'MessagesReceived',
  /** Stored inbound copies SES flagged as carrying a virus (kept, hidden from lists). */
  messagesQuarantined: 'MessagesQuarantined',
  /** Stored inbound copies an org's or inbox's rules kept out of the inbox. */
  messagesBlocked: 'MessagesBlocked',
  /** Recipients of inbound mail with no inbox to take it. */
  messagesDropped: 'MessagesDropped',
  /** Inbound mail stored with a parse error (raw kept, fields empty). */
  parseFailures: 'ParseFailures',
  /** Milliseconds from fetching one received mail's bytes to having stored every copy. */
  parseLatency: 'ParseLatency',
  webhookAttempts: 'WebhookAttempts',
  webhookSuccesses: 'WebhookSuccesses',
  webhookFailures: 'WebhookFailures',
  webhookEndpointsDisabled: 'WebhookEndpointsDisabled',
  /** Messages handed to SES (or the local sender). */
  messagesSent: 'MessagesSent',
  /** Sends refused by an inbox's guardrails or the suppression list. */
  sendsRefused: 'SendsRefused',
  deliveries: 'Deliveries',
  bounces: 'Bounces',
  complaints: 'Complaints',
  canaryProbesSent: 'CanaryProbesSent',
  canaryProbesStored: 'CanaryProbesStored',
  canaryProbesMissing: 'CanaryProbesMissing',
  /** Seconds from sending a canary probe to its being stored. */
  canaryDeliverySeconds: 'CanaryDeliverySeconds',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** CloudWatch namespace of every Mailroom metric; each deployment is told apart by its `service` dimension. */
export const METRIC_NAMESPACE = 'Mailroom';
