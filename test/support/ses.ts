import { randomBytes } from 'node:crypto';
import type { SESEvent } from 'aws-lambda';
import type { CoreDeps } from '../../lambdas/core/deps';
import type { Verdicts, VerdictStatus } from '../../lambdas/core/messages/messages';
import { sesEventFor } from '../../lambdas/local/ses-stand-in';
import { processSesEvent } from '../../lambdas/handlers/process-ses-event';

type VerdictName = keyof Verdicts;

/** A receipt event as SES sends it to a Lambda action, with every verdict PASS unless given. */
export function sesEvent(options: {
  messageId: string;
  recipients: string[];
  timestamp?: string;
  verdicts?: Partial<Record<VerdictName, VerdictStatus>>;
}): SESEvent {
  return sesEventFor({
    messageId: options.messageId,
    receivedAt: new Date(options.timestamp ?? Date.now()),
    from: 'sender@example.com',
    recipients: options.recipients,
    verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS', ...options.verdicts },
  });
}

export const newSesMessageId = () => randomBytes(16).toString('hex');

/** Does what the receipt rule does: S3 action stores the raw bytes, then the parser runs on the event. */
export async function deliver(
  deps: CoreDeps,
  raw: Buffer,
  recipients: string[],
  options: { messageId?: string; verdicts?: Partial<Record<VerdictName, VerdictStatus>>; timestamp?: string } = {},
) {
  const messageId = options.messageId ?? newSesMessageId();
  await deps.blobs.put(`${deps.settings.inboundPrefix}${messageId}`, raw, 'message/rfc822');
  const event = sesEvent({ messageId, recipients, verdicts: options.verdicts, timestamp: options.timestamp });
  const [result] = await processSesEvent(deps, event);
  return { messageId, event, result };
}
