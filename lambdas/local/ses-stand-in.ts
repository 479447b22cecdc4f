import type { SESEvent } from 'aws-lambda';

/**
 * The SES receipt event the local SMTP server hands to the parser, shaped as SES sends it to Lambda.
 * Nothing scans mail on a laptop, so every verdict is DISABLED rather than a made-up PASS.
 */
export function sesEventFor(mail: { messageId: string; receivedAt: Date; from: string; recipients: string[] }): SESEvent {
  const disabled = { status: 'DISABLED' };
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
            spamVerdict: disabled,
            virusVerdict: disabled,
            spfVerdict: disabled,
            dkimVerdict: disabled,
            dmarcVerdict: disabled,
            action: { type: 'Lambda', functionArn: 'arn:aws:lambda:local:000000000000:function:mailroom-parser', invocationType: 'Event' },
          },
        },
      },
    ],
  } as SESEvent;
}
