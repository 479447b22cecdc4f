import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseMime } from '../../lambdas/core/mail/parse-mime';
import { fixture } from '../fixtures/generate';
import { disagreements, KNOWN_DIFFERENCES, mailroomView, pythonViews } from '../support/python-email';

/** Subjects, senders and attachment hashes agree with Python's `email` package except where KNOWN_DIFFERENCES says why. */
const emailsDir = join(__dirname, '../fixtures/emails');
const corpus = readdirSync(emailsDir)
  .filter((name) => name.endsWith('.eml'))
  .map((name) => name.replace(/\.eml$/, ''))
  .sort();

describe("Mailroom's parse beside Python's email package", () => {
  const python = pythonViews(corpus.map((name) => join(emailsDir, `${name}.eml`)));

  it.each(corpus)('%s', async (name) => {
    const theirs = python.get(join(emailsDir, `${name}.eml`));
    if (!theirs || 'error' in theirs) throw new Error(`Python could not read ${name}: ${theirs?.error}`);

    const ours = mailroomView((await parseMime(fixture(name))).message);

    expect(disagreements(ours, theirs).map((d) => d.field)).toEqual((KNOWN_DIFFERENCES[name] ?? []).map((d) => d.field));
  });

  it('lists no difference for a message that is not in the corpus', () => {
    expect(Object.keys(KNOWN_DIFFERENCES).filter((name) => !corpus.includes(name))).toEqual([]);
  });
});
