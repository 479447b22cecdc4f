import { parseSearch, searchMatcher, searchTimeRange } from '../../lambdas/core/messages/message-search';

const message = {
  from: { name: 'Ada Lovelace', address: 'ada@example.com' },
  to: [{ name: '', address: 'reader@mailroom.test' }],
  cc: [],
  subject: 'Re: the engine at 10:30',
  snippet: 'See https://example.com/notes for the notes',
  receivedAt: '2026-11-05T09:00:00.000Z',
  hasAttachments: false,
  labels: ['Work'],
};
const finds = (q: string) => searchMatcher(parseSearch(q))(message);

describe('the search syntax', () => {
  it('reads fields, quoted values, negation and bare words', () => {
    expect(parseSearch('from:"Ada Lovelace" -has:attachment !is:read engine')).toEqual([
      { kind: 'from', value: 'ada lovelace', negated: false },
      { kind: 'has-attachment', value: true, negated: true },
      { kind: 'unread', value: false, negated: true },
      { kind: 'word', value: 'engine', negated: false },
    ]);
  });

  it('takes an unknown field as a word with a colon in it, so times, URLs and "Re:" still match', () => {
    expect(finds('re:')).toBe(true);
    expect(finds('10:30')).toBe(true);
    expect(finds('https://example.com/notes')).toBe(true);
    expect(finds('label:work -label:home')).toBe(true);
  });

  it('keeps an unclosed quote to the end of the query', () => {
    expect(parseSearch('subject:"the engine')).toEqual([{ kind: 'subject', value: 'the engine', negated: false }]);
  });

  it('matches nothing with an empty query', () => {
    expect(parseSearch('   ')).toEqual([]);
    expect(finds('')).toBe(true);
  });

  it('narrows the time slice to read by the tightest bounds that are not negated', () => {
    expect(searchTimeRange(parseSearch('after:2026-11-01 after:2026-11-03 before:2026-12-01 -before:2026-11-04'))).toEqual({
      since: '2026-11-03T00:00:00.000Z',
      until: '2026-11-30T23:59:59.999Z',
    });
  });
});
