import { join } from 'node:path';
import { parseMime } from '../../lambdas/core/mail/parse-mime';
import { fixture } from '../../test/fixtures/generate';
import { COMPARED_FIELDS, disagreements, KNOWN_DIFFERENCES, mailroomView, pythonViews, type ComparedField } from '../../test/support/python-email';

export interface PythonFidelity {
  fixture: string;
  /** Per field: agrees, Python could not decode it (U+FFFD), a known difference (why), or an unexplained one. */
  fields: Record<ComparedField, { verdict: 'agree' | 'python-fffd' | 'known' | 'differs'; note?: string }>;
}

const emailsDir = join(__dirname, '../../test/fixtures/emails');

/** Every corpus message through Mailroom's parseMime and Python's `email` package (policy=default). */
export async function compareWithPython(names: string[]): Promise<PythonFidelity[]> {
  const python = pythonViews(names.map((name) => join(emailsDir, `${name}.eml`)));
  const out: PythonFidelity[] = [];
  for (const name of names) {
    const theirs = python.get(join(emailsDir, `${name}.eml`));
    if (!theirs || 'error' in theirs) throw new Error(`Python could not read ${name}: ${theirs?.error}`);
    const ours = mailroomView((await parseMime(fixture(name))).message);
    const differing = disagreements(ours, theirs);
    const fields = Object.fromEntries(
      COMPARED_FIELDS.map((field) => {
        const known = KNOWN_DIFFERENCES[name]?.find((d) => d.field === field);
        const difference = differing.find((d) => d.field === field);
        if (JSON.stringify(theirs[field]).includes('\ufffd')) return [field, { verdict: 'python-fffd' }];
        if (!difference) return [field, { verdict: 'agree' }];
        return [field, known ? { verdict: 'known', note: known.why } : { verdict: 'differs', note: `Mailroom ${difference.mailroom} · Python ${difference.python}` }];
      }),
    ) as PythonFidelity['fields'];
    out.push({ fixture: name, fields });
  }
  return out;
}
