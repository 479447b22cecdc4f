import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ParsedMessage } from '../../lambdas/core/mail/parse-mime';

/** The fields of a parsed message held against Python's `email` package (policy=default). */
export interface EmailView {
  subject: string;
  from: { name: string; address: string } | null;
  /** Sorted by hash, so the order parts come in does not count. */
  attachments: { filename: string | null; sha256: string }[];
}

export const COMPARED_FIELDS = ['subject', 'from', 'attachments'] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface Disagreement {
  field: ComparedField;
  mailroom: string;
  python: string;
}

/**
 * Subjects, senders and attachment hashes agree with Python's `email` package (policy=default) on every message of
 * the corpus, wherever Python does not itself produce U+FFFD; each place where they differ is listed here, with why.
 */
export const KNOWN_DIFFERENCES: Record<string, { field: ComparedField; why: string }[]> = {
  'transfer-encoding-odd-case': [
    { field: 'attachments', why: 'Python does not strip the tabs around "BASE64", so it leaves chart.png undecoded' },
  ],
  'uuencoded-in-text': [{ field: 'attachments', why: 'Python leaves begin … end blocks in the text; Mailroom makes them attachments' }],
  'delivery-status-bounce': [
    { field: 'from', why: 'Python takes no name from an old-style address\'s comment, "MAILER-DAEMON@… (Mail Delivery System)"; mail readers and Mailroom do' },
  ],
  'forwarded-inline-old-style-addresses': [{ field: 'from', why: 'Python takes no name from an old-style address\'s comment, "grace@example.com (Grace Hopper)"' }],
  'uuencoded-parts': [{ field: 'attachments', why: "Python names a part from its headers only; Mailroom takes a nameless part's name from its begin line" }],
};

/** Python's view of each file (test/support/python-email-view.py), or why Python could not read it. */
export function pythonViews(files: string[]): Map<string, EmailView | { error: string }> {
  let out: string;
  try {
    out = execFileSync('python3', [join(__dirname, 'python-email-view.py'), ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('python3 is needed to compare with Python\'s email package: install Python 3 (apt-get install python3)');
    throw err;
  }
  const views = new Map<string, EmailView | { error: string }>();
  for (const line of out.split('\n').filter(Boolean)) {
    const { file, ...view } = JSON.parse(line) as { file: string } & (EmailView | { error: string });
    views.set(file, 'error' in view ? view : { ...view, attachments: byHash(view.attachments) });
  }
  return views;
}

export function mailroomView(message: ParsedMessage): EmailView {
  return {
    subject: message.subject,
    from: message.from && { name: message.from.name, address: message.from.address },
    attachments: byHash(message.attachments.map((a) => ({ filename: a.filename, sha256: a.sha256 }))),
  };
}

/**
 * Where the two differ, leaving out every field in which Python itself produced U+FFFD (it could not decode it).
 * Runs of white space count as one space and ends are trimmed: Python keeps a folded line's tab and trailing
 * spaces, mailparser makes them one space.
 */
export function disagreements(mailroom: EmailView, python: EmailView): Disagreement[] {
  const spaced = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() : v));
  return COMPARED_FIELDS.flatMap((field) => {
    const [ours, theirs] = [spaced(mailroom[field]), spaced(python[field])];
    if (theirs.includes('\ufffd')) return [];
    return ours === theirs ? [] : [{ field, mailroom: ours, python: theirs }];
  });
}

const byHash = <T extends { sha256: string; filename: string | null }>(list: T[]): T[] =>
  [...list].sort((a, b) => a.sha256.localeCompare(b.sha256) || String(a.filename).localeCompare(String(b.filename)));
