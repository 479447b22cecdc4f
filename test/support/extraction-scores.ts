import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFromMail } from '../../lambdas/core/mail/extract';
import { parseMime } from '../../lambdas/core/mail/parse-mime';

interface Labels {
  [name: string]: { description: string; codes: string[]; links: { url: string; kind: string }[] };
}

export interface Score {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

export interface CorpusScores {
  messages: number;
  codes: Score;
  /** A link counts as found only with the right kind. */
  links: Score;
  misses: string[];
}

export const CORPORA = {
  /** The corpus the heuristics were developed against. */
  tuning: join(__dirname, '../fixtures/extraction'),
  /** Written and labelled without sight of the extractor; measured once as held out, then its misses were fixed. */
  independent: join(__dirname, '../fixtures/extraction-independent'),
};

/** Parses every message of a labelled corpus as ingestion does and scores what extraction finds against the labels. */
export async function scoreCorpus(dir: string): Promise<CorpusScores> {
  if (!existsSync(join(dir, 'labels.json'))) throw new Error(`no labelled corpus in ${dir}`);
  const labels = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as Labels;
  const codes = { tp: 0, fp: 0, fn: 0 };
  const links = { tp: 0, fp: 0, fn: 0 };
  const misses: string[] = [];
  const count = (tally: typeof codes, what: string, name: string, found: string[], wanted: string[]) => {
    for (const f of found) if (wanted.includes(f)) tally.tp++; else { tally.fp++; misses.push(`${name}: extra ${what} ${f}`); }
    for (const w of wanted) if (!found.includes(w)) { tally.fn++; misses.push(`${name}: missed ${what} ${w}`); }
  };
  for (const [name, want] of Object.entries(labels)) {
    const { message } = await parseMime(readFileSync(join(dir, `${name}.eml`)));
    const listUnsubscribe = message.headers.find((h) => h.name.toLowerCase() === 'list-unsubscribe')?.value ?? null;
    const got = extractFromMail({ subject: message.subject, text: message.text, html: message.html, listUnsubscribe });
    count(codes, 'code', name, got.codes, want.codes);
    count(links, 'link', name, got.links.map((l) => `${l.kind} ${l.url}`), want.links.map((l) => `${l.kind} ${l.url}`));
  }
  const score = ({ tp, fp, fn }: typeof codes): Score => ({
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: tp / (tp + fp || 1),
    recall: tp / (tp + fn || 1),
  });
  return { messages: Object.keys(labels).length, codes: score(codes), links: score(links), misses };
}
