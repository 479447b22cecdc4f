import type { SESEvent, SESEventRecord } from 'aws-lambda';
import type { InboundMail } from '../core/ingest';
import type { VerdictStatus } from '../core/messages/messages';

/** Maps one SES receipt record to the core's view of received mail; the S3 action stored it at prefix + messageId. */
export function inboundMailFromSes(record: SESEventRecord, inboundPrefix: string): InboundMail {
  const { mail, receipt } = record.ses;
  const status = (v: { status: string } | undefined): VerdictStatus => (v?.status as VerdictStatus) ?? 'PROCESSING_FAILED';
  return {
    sesMessageId: mail.messageId,
    receivedAt: new Date(receipt.timestamp ?? mail.timestamp),
    recipients: receipt.recipients,
    verdicts: {
      spam: status(receipt.spamVerdict),
      virus: status(receipt.virusVerdict),
      spf: status(receipt.spfVerdict),
      dkim: status(receipt.dkimVerdict),
      dmarc: status(receipt.dmarcVerdict),
    },
    rawKey: `${inboundPrefix}${mail.messageId}`,
  };
}

export type { SESEvent };
