import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { MailSender, OutboundMail } from '../ports';

/**
 * Sending on a laptop. Mail for the local domains goes through the same inbound path as mail from outside
 * (SMTP spool, parser), so it shows up in the recipient's inbox; mail for anywhere else is relayed to the
 * SMTP server `relayUrl` names (e.g. `smtp://127.0.0.1:1025`), or, without one, only kept in the sending
 * inbox with delivery `captured`: nothing leaves the laptop by surprise.
 */
export class LocalMailSender implements MailSender {
  private readonly relay;

  constructor(
    private readonly localDomains: string[],
    private readonly deliverLocally: (raw: Buffer, envelope: { from: string; recipients: string[] }) => Promise<unknown>,
    relayUrl?: string,
  ) {
    this.relay = relayUrl ? createTransport(relayUrl) : undefined;
  }

  async send({ from, recipients, raw }: OutboundMail): Promise<{ providerMessageId: string; status: 'sent' | 'captured' }> {
    const isLocal = (address: string) => this.localDomains.includes(address.slice(address.lastIndexOf('@') + 1).toLowerCase());
    const local = recipients.filter(isLocal);
    const elsewhere = recipients.filter((r) => !isLocal(r));
    if (local.length > 0) await this.deliverLocally(raw, { from, recipients: local });
    if (elsewhere.length > 0 && this.relay) await this.relay.sendMail({ envelope: { from, to: elsewhere }, raw });
    return { providerMessageId: `local-${randomUUID()}`, status: elsewhere.length > 0 && !this.relay ? 'captured' : 'sent' };
  }
}
