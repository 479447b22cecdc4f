import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, pseudoRandomBytes } from '../../test/fixtures/generate';
import { compose } from '../../test/support/mime';

/** A set of raw messages measured together; CPU is reported per message. */
export interface Workload {
  id: 'corpus' | 'text-2k' | 'html-50k' | 'attachments-2m';
  label: string;
  messages: Buffer[];
  /** File names (corpus) or a description of each message. */
  names: string[];
}

export const CORPUS_DIR = join(__dirname, '../../test/fixtures/emails');

export function corpusNames(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => name.replace(/\.eml$/, ''))
    .sort();
}

const WORDS = (
  'the analytical engine weaves algebraic patterns just as the jacquard loom weaves flowers and leaves ' +
  'each card carries one operation and the mill performs it on numbers held in the store ' +
  'results return to the store until the whole calculation is complete and printed'
).split(' ');

/** Deterministic prose of about `chars` characters, in lines of at most 72. */
function prose(chars: number, seed: number): string {
  const lines: string[] = [];
  let line = '';
  let total = 0;
  for (let i = seed; total < chars; i++) {
    const word = WORDS[(i * 7 + (i >> 3)) % WORDS.length];
    if (line.length + word.length + 1 > 72) {
      lines.push(line);
      total += line.length + 1;
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return `${lines.join('\n')}\n`;
}


const RECIPIENT = 'bench-parse@mailroom.test';

/** The three synthetic sizes, built with nodemailer's MailComposer. */
export async function composedMessages(): Promise<{ text2k: Buffer; html50k: Buffer; attachments2m: Buffer }> {
  const text2k = await compose({
    to: RECIPIENT,
    subject: 'Weekly notes',
    messageId: '<bench-text-2k@example.com>',
    text: prose(1650, 1),
  });

  const body = prose(20_500, 2);
  const html =
    '<!DOCTYPE html><html><head><style>p{font-family:sans-serif;margin:0 0 12px}td{padding:4px 8px}</style></head><body>' +
    `<h1>Monthly report — München & Zürich</h1>` +
    body
      .split('\n')
      .map((line, i) => (i % 6 === 0 ? `<p><a href="https://example.com/r/${i}?utm_source=mail&amp;id=${i}">${line}</a></p>` : `<p>${line}</p>`))
      .join('\n') +
    '<table>' +
    Array.from({ length: 40 }, (_, i) => `<tr><td>Item ${i + 1}</td><td>${(i * 37.5).toFixed(2)} €</td></tr>`).join('') +
    '</table></body></html>';
  const html50k = await compose({
    to: RECIPIENT,
    subject: 'Monthly report — November',
    messageId: '<bench-html-50k@example.com>',
    text: `Monthly report — München & Zürich\n\n${prose(19_000, 4)}`,
    html,
  });

  const attachments2m = await compose({
    to: RECIPIENT,
    subject: 'Scans and the signed contract',
    messageId: '<bench-attachments-2m@example.com>',
    text: prose(1200, 3),
    html: `<p>${prose(1200, 3).replace(/\n/g, '<br>')}</p>`,
    attachments: [
      { filename: 'contract-signed.pdf', content: pseudoRandomBytes(1_000_000, 11), contentType: 'application/pdf' },
      { filename: 'scan-page-1.jpg', content: pseudoRandomBytes(500_000, 23), contentType: 'image/jpeg' },
    ],
  });
  return { text2k, html50k, attachments2m };
}

/** The fixture corpus and the three composed sizes. */
export async function loadWorkloads(): Promise<Workload[]> {
  const names = corpusNames();
  const { text2k, html50k, attachments2m } = await composedMessages();
  const kb = (b: Buffer) => `${(b.length / 1000).toFixed(1)} kB`;
  return [
    { id: 'corpus', label: `fixture corpus (${names.length} messages)`, messages: names.map(fixture), names },
    { id: 'text-2k', label: `text (${kb(text2k)})`, messages: [text2k], names: ['text-2k'] },
    { id: 'html-50k', label: `html + text (${kb(html50k)})`, messages: [html50k], names: ['html-50k'] },
    {
      id: 'attachments-2m',
      label: `2 attachments (${(attachments2m.length / 1e6).toFixed(2)} MB)`,
      messages: [attachments2m],
      names: ['attachments-2m'],
    },
  ];
}

export { RECIPIENT };
