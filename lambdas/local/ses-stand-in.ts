import type { SESEvent } from 'aws-lambda';
import type { Verdicts } from '../core/messages/messages';

/**
 * The SES receipt event the local SMTP server hands to the parser, shaped as SES sends it to Lambda.
 * Nothing scans mail on a laptop, so every verdict defaults to DISABLED rather than a made-up PASS.
 */
export function sesEventFor(mail: {
  messageId: string;
  receivedAt: Date;
  from: string;
  recipients: string[];
  verdicts?: Partial<Verdicts>;
}): SESEvent {
  const verdict = (name: keyof Verdicts) => ({ status: mail.verdicts?.[name] ?? 'DISABLED' });
  const timestamp = mail.receivedAt.toISOString();
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source: mail.from,
            messageId: mail.messageId,
            destination: mail.recipients,
            headersTruncated: false,
            headers: [],
            commonHeaders: { returnPath: mail.from, date: timestamp, messageId: mail.messageId },
          },
          receipt: {
            timestamp,
            processingTimeMillis: 0,
            recipients: mail.recipients,
            spamVerdict: verdict('spam'),
            virusVerdict: verdict('virus'),
            spfVerdict: verdict('spf'),
            dkimVerdict: verdict('dkim'),
            dmarcVerdict: verdict('dmarc'),
            action: { type: 'Lambda', functionArn: 'arn:aws:lambda:local:000000000000:function:mailroom-parser', invocationType: 'Event' },
          },
        },
      },
    ],
  } as SESEvent;
}
