import { invalid } from '../errors';

/**
 * Mailpit-style search: `from:ada subject:"weekly report" has:attachment is:unread after:2026-12-01 label:billing
 * invoice -draft`. Terms are ANDed; a term prefixed with `-` or `!` is negated; values with spaces are quoted.
 * Words without a field are looked for in the subject and the snippet. Matching ignores case.
 */
export type SearchTerm =
  | { kind: 'from' | 'to' | 'subject' | 'label' | 'word'; value: string; negated: boolean }
  | { kind: 'has-attachment' | 'unread'; value: boolean; negated: boolean }
  | { kind: 'before' | 'after'; value: string; negated: boolean };

export interface SearchableMessage {
  from: { name: string; address: string } | null;
  to: { name: string; address: string }[];
  cc: { name: string; address: string }[];
  subject: string;
  snippet: string;
  receivedAt: string;
  hasAttachments: boolean;
  unread?: boolean;
  labels?: string[];
}

export const MAX_SEARCH_LENGTH = 500;
const MAX_TERMS = 20;
const TOKEN = /([-!]?)(?:([a-z]+):)?(?:"([^"]*)"?|(\S+))/gi;

/** Parses a query; anything it cannot read is a 400 that says which term and why. */
export function parseSearch(q: string): SearchTerm[] {
  if (q.length > MAX_SEARCH_LENGTH) throw invalid(`q is longer than ${MAX_SEARCH_LENGTH} characters`);
  const terms: SearchTerm[] = [];
  for (const m of q.matchAll(TOKEN)) {
    const [whole, sign, field, quoted, bare] = m;
    const negated = sign !== '';
    const value = (quoted ?? bare ?? '').trim();
    const term = termOf(field?.toLowerCase(), value, negated, whole);
    if (term) terms.push(term);
  }
  if (terms.length > MAX_TERMS) throw invalid(`q has ${terms.length} terms; at most ${MAX_TERMS} are allowed`);
  return terms;
}

function termOf(field: string | undefined, value: string, negated: boolean, whole: string): SearchTerm | undefined {
  switch (field) {
    case undefined:
      return value ? { kind: 'word', value: value.toLowerCase(), negated } : undefined;
    case 'from':
    case 'to':
    case 'subject':
    case 'label':
      if (!value) throw invalid(`"${whole}" needs a value, e.g. ${field}:"…"`);
      return { kind: field, value: value.toLowerCase(), negated };
    case 'has':
      if (!/^attachments?$/i.test(value)) throw invalid(`"${whole}": has: takes attachment`);
      return { kind: 'has-attachment', value: true, negated };
    case 'is':
      if (!/^(?:unread|read)$/i.test(value)) throw invalid(`"${whole}": is: takes read or unread`);
      return { kind: 'unread', value: value.toLowerCase() === 'unread', negated };
    case 'before':
    case 'after':
      return { kind: field, value: instantOf(value, whole), negated };
    default:
      // An unknown field is a word with a colon in it (a URL, a time of day, "re:").
      return { kind: 'word', value: `${field}:${value}`.toLowerCase(), negated };
  }
}

/** A date (the start of that day, UTC) or an ISO time, as the ISO string messages are compared with. */
function instantOf(value: string, whole: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
  const ms = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw invalid(`"${whole}" is not a date: use YYYY-MM-DD or an ISO time`);
  return new Date(ms).toISOString();
}

/**
 * The received-time range every match lies in (`after:` is on or after, `before:` strictly before), so a search
 * reads only that slice of the inbox.
 */
export function searchTimeRange(terms: SearchTerm[]): { since?: string; until?: string } {
  const range: { since?: string; until?: string } = {};
  for (const t of terms) {
    if (t.negated) continue;
    if (t.kind === 'after' && (!range.since || t.value > range.since)) range.since = t.value;
    if (t.kind === 'before') {
      const until = new Date(Date.parse(t.value) - 1).toISOString();
      if (!range.until || until < range.until) range.until = until;
    }
  }
  return range;
}

export function searchMatcher(terms: SearchTerm[]): (m: SearchableMessage) => boolean {
  return (m) => terms.every((t) => matches(t, m) !== t.negated);
}

const shown = (a: { name: string; address: string } | null) => (a ? `${a.name} <${a.address}>`.toLowerCase() : '');

function matches(t: SearchTerm, m: SearchableMessage): boolean {
  switch (t.kind) {
    case 'from':
      return shown(m.from).includes(t.value);
    case 'to':
      return [...m.to, ...m.cc].some((a) => shown(a).includes(t.value));
    case 'subject':
      return m.subject.toLowerCase().includes(t.value);
    case 'label':
      return (m.labels ?? []).some((l) => l.toLowerCase() === t.value);
    case 'word':
      return m.subject.toLowerCase().includes(t.value) || m.snippet.toLowerCase().includes(t.value);
    case 'has-attachment':
      return m.hasAttachments;
    case 'unread':
      return (m.unread ?? true) === t.value;
    case 'after':
      return m.receivedAt >= t.value;
    case 'before':
      return m.receivedAt < t.value;
  }
}
