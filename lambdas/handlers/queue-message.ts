import type { Job, MailroomEvent } from '../ports';

/**
 * The job queue receives our own job messages (sent directly or by a schedule) and, from the EventBridge
 * rule, event envelopes whose `detail` is a Mailroom event to fan out.
 */
export function jobFromQueueMessage(body: string): Job {
  const parsed = JSON.parse(body) as Job | { 'detail-type': string; detail: MailroomEvent };
  if ('detail' in parsed) return { kind: 'fan-out', event: parsed.detail };
  if (parsed.kind === 'fan-out' || parsed.kind === 'deliver') return parsed;
  throw new Error(`not a Mailroom job: ${body.slice(0, 200)}`);
}
