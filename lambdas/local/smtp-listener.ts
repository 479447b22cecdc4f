import type { SMTPServerDataStream } from 'smtp-server';
import { parseRecipient } from '../core/mail/addresses';
import type { Logger } from '../ports';
import type { InboundSpool } from './inbound-spool';
import { PromptSmtpServer } from './prompt-smtp-server';

/** SES accepts messages up to 40 MB; the local listener enforces the same limit. */
export const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

export interface SmtpListener {
  port: number;
  close(): Promise<void>;
}

/**
 * The laptop's stand-in for SES receiving: accepts mail for the configured domains and orgs' verified domains only
 * (as SES does) and answers 250 once the message is durably spooled.
 */
export async function startSmtpListener(options: {
  host: string;
  port: number;
  domains: string[];
  /** Other domains it receives for, as SES does for every verified identity: orgs' own verified domains. */
  receivesFor?: (domain: string) => Promise<boolean>;
  spool: InboundSpool;
  log: Logger;
}): Promise<SmtpListener> {
  const server = new PromptSmtpServer({
    name: 'mailroom.local',
    banner: 'Mailroom local SMTP',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    // A reverse DNS lookup of 127.0.0.1 tells a laptop nothing and can stall on a slow resolver.
    disableReverseLookup: true,
    onRcptTo(address, _session, callback) {
      const recipient = parseRecipient(address.address);
      const refuse = () => {
        const error = new Error(`5.1.1 <${address.address}>: this server only receives mail for ${options.domains.join(', ')} and verified domains`) as Error & {
          responseCode: number;
        };
        error.responseCode = 550;
        callback(error);
      };
      if (!recipient) return refuse();
      if (options.domains.includes(recipient.domain)) return callback();
      if (!options.receivesFor) return refuse();
      options.receivesFor(recipient.domain).then(
        (receives) => (receives ? callback() : refuse()),
        (err: Error) => callback(Object.assign(new Error(`4.3.0 ${err.message}`), { responseCode: 451 })),
      );
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          const error = new Error(`5.3.4 message exceeds the ${MAX_MESSAGE_BYTES}-byte limit`) as Error & { responseCode: number };
          error.responseCode = 552;
          return callback(error);
        }
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          recipients: session.envelope.rcptTo.map((r) => r.address),
        };
        options.spool.accept(Buffer.concat(chunks), envelope).then(
          (id) => callback(null, `2.0.0 Ok: queued as ${id}`),
          (err: Error) => {
            options.log.error('could not spool inbound mail', { error: err.message });
            const error = new Error('4.3.0 temporary failure storing the message; try again') as Error & { responseCode: number };
            error.responseCode = 451;
            callback(error);
          },
        );
      });
    },
  });
  server.on('error', (err) => options.log.error('SMTP server error', { error: err.message }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.server.address() as { port: number };
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
