import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { withFreshMessageId } from './fresh-message-id';

/** The messages the SMTP benchmarks send: one template per size, each copy made unique by a token in its subject. */

const TOKEN = 'BENCHTOKEN-0000000000000000';
/** The subject a message carries with `token` in it: how a listing shows which message it is. */
export const subjectWith = (token: string) => `Load ${token}`;
/** Unique per message: the run's label and the message's number, padded to the token's width. */
export const tokenFor = (label: string, i: number) => `BENCHTOKEN-${label.padEnd(6, '-').slice(0, 6)}${String(i).padStart(10, '0')}`;

/** A message of about `bytes`, whose subject carries a fixed-width token replaced per message. */
export async function template(bytes: number): Promise<Buffer> {
  const base = { from: 'Bench <bench@example.com>', to: 'placeholder@example.com', subject: subjectWith(TOKEN) };
  if (bytes <= 64 * 1024) {
    const paragraph = 'Your verification code is 482913. This paragraph pads the message to its size. ';
    const text = paragraph.repeat(Math.ceil((bytes * 0.45) / paragraph.length));
    return new MailComposer({ ...base, text, html: `<p>${text}</p>` }).compile().build();
  }
  const attachment = randomBytes(Math.floor((bytes * 3) / 4) - 2048);
  return new MailComposer({ ...base, text: 'Attached.', attachments: [{ filename: 'data.bin', content: attachment }] }).compile().build();
}

/** The template with this message's token, its own Message-ID and its own Date header (the time it is sent). */
export function withToken(raw: Buffer, token: string): Buffer {
  const copy = withFreshMessageId(raw);
  copy.write(token, raw.indexOf(TOKEN), 'latin1');
  const header = raw.subarray(0, 6).toString() === 'Date: ' ? 0 : raw.indexOf('\r\nDate: ') + 2;
  const date = header + 'Date: '.length;
  const end = raw.indexOf('\r\n', date);
  return Buffer.concat([copy.subarray(0, date), Buffer.from(new Date().toUTCString()), copy.subarray(end)]);
}

