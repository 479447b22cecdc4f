import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';

/** Builds a real MIME message with nodemailer's composer (the library Mailroom will also send with). */
export function compose(options: Mail.Options): Promise<Buffer> {
  return new MailComposer({ from: 'Ada Lovelace <ada@example.com>', date: new Date('2026-11-20T10:00:00Z'), ...options }).compile().build();
}
