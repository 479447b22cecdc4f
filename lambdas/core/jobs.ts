import type { Job } from '../ports';
import { applySesFeedback, type SesFeedback } from './delivery-feedback';
import type { CoreDeps } from './deps';
import { logEvent } from './events/event-log';
import { runWebhookJob } from './webhook-delivery';

/**
 * A job as the AWS dispatcher takes it from the queue: an event from the bus goes into its org's log for live
 * streams before it is fanned out (the laptop logs events as it publishes them).
 */
export async function runDispatchedJob(deps: CoreDeps, job: Job): Promise<void> {
  if (job.kind === 'fan-out') await logEvent(deps, job.event);
  return runJob(deps, job);
}

/** What the dispatcher runs, on AWS and locally alike. */
export async function runJob(deps: CoreDeps, job: Job): Promise<void> {
  if (job.kind === 'ses-feedback') return applySesFeedback(deps, job.feedback as SesFeedback);
  return runWebhookJob(deps, job);
}
