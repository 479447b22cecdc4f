import type { SESEvent } from 'aws-lambda';
import type { CoreDeps } from '../core/deps';
import { ingestMail, type IngestResult } from '../core/ingest';
import { inboundMailFromSes } from './ses-event';

/** The parser's work for one SES event; the Lambda handler and the local SMTP server both run it. */
export async function processSesEvent(deps: CoreDeps, event: SESEvent): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  for (const record of event.Records) {
    const mail = inboundMailFromSes(record, deps.settings.inboundPrefix);
    const result = await ingestMail(deps, mail);
    deps.log.info('mail ingested', {
      sesMessageId: mail.sesMessageId,
      stored: result.stored.length,
      orgIds: [...new Set(result.stored.map((s) => s.orgId))],
      inboxIds: result.stored.map((s) => s.inboxId),
      duplicates: result.stored.filter((s) => s.duplicate).length,
      dropped: result.dropped.length,
      parseError: result.parseError,
    });
    results.push(result);
  }
  return results;
}
