import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { MailSender, OutboundMail } from '../../ports';

/**
 * SES (API v2) sends the MIME exactly as built, to the envelope recipients (Bcc included), through the
 * deployment's configuration set, whose event destination reports deliveries, bounces and complaints.
 */
export class SesMailSender implements MailSender {
  constructor(
    private readonly client: SESv2Client,
    private readonly configurationSetName: string,
  ) {}

  async send({ from, recipients, raw }: OutboundMail): Promise<{ providerMessageId: string; status: 'sent' }> {
    const out = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: recipients },
        Content: { Raw: { Data: raw } },
        ConfigurationSetName: this.configurationSetName,
      }),
    );
    return { providerMessageId: out.MessageId!, status: 'sent' };
  }
}
