import type { Job } from '../ports';
import { applySesFeedback, type SesFeedback } from './delivery-feedback';
import type { CoreDeps } from './deps';
import { runWebhookJob } from './webhook-delivery';

/** What the dispatcher runs, on AWS and locally alike. */
export async function runJob(deps: CoreDeps, job: Job): Promise<void> {
  if (job.kind === 'ses-feedback') return applySesFeedback(deps, job.feedback as SesFeedback);
  return runWebhookJob(deps, job);
}
