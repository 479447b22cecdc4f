import type { Job, MailroomEvent } from '../ports';

/**
 * The job queue receives our own job messages (sent directly or by a schedule) and, from EventBridge rules,
 * event envelopes: Mailroom events to fan out, and SES's reports on sent mail.
 */
export function jobFromQueueMessage(body: string): Job {
  const parsed = JSON.parse(body) as Job | { source: string; 'detail-type': string; detail: unknown };
  if ('detail' in parsed && parsed.source === 'aws.ses') return { kind: 'ses-feedback', feedback: parsed.detail };
  if ('detail' in parsed) return { kind: 'fan-out', event: parsed.detail as MailroomEvent };
  if (parsed.kind === 'fan-out' || parsed.kind === 'deliver') return parsed;
  throw new Error(`not a Mailroom job: ${body.slice(0, 200)}`);
}
