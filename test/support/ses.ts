import { randomBytes } from 'node:crypto';
import type { SESEvent } from 'aws-lambda';
import type { CoreDeps } from '../../lambdas/core/deps';
import type { VerdictStatus } from '../../lambdas/core/messages';
import { processSesEvent } from '../../lambdas/handlers/process-ses-event';

type VerdictName = 'spam' | 'virus' | 'spf' | 'dkim' | 'dmarc';

/** A receipt event exactly as SES sends it to a Lambda action (see the SES developer guide's example). */
export function sesEvent(options: {
  messageId: string;
  recipients: string[];
  timestamp?: string;
  verdicts?: Partial<Record<VerdictName, VerdictStatus>>;
}): SESEvent {
  const timestamp = options.timestamp ?? new Date().toISOString();
  const v = (name: VerdictName) => ({ status: options.verdicts?.[name] ?? 'PASS' });
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source: 'sender@example.com',
            messageId: options.messageId,
            destination: options.recipients,
            headersTruncated: false,
            headers: [],
            commonHeaders: { returnPath: 'sender@example.com', date: timestamp, messageId: options.messageId },
          },
          receipt: {
            timestamp,
            processingTimeMillis: 420,
            recipients: options.recipients,
            spamVerdict: v('spam'),
            virusVerdict: v('virus'),
            spfVerdict: v('spf'),
            dkimVerdict: v('dkim'),
            dmarcVerdict: v('dmarc'),
            action: { type: 'Lambda', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:parser', invocationType: 'Event' },
          },
        },
      },
    ],
  } as SESEvent;
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
