import { createHash } from 'node:crypto';
import PostalMime from 'postal-mime';
import { repairHeaders } from '../../lambdas/core/mail/header-repair';
import { scanMimeSkeleton } from '../../lambdas/core/mail/mime-structure';
import { parseMime, type MailAddress } from '../../lambdas/core/mail/parse-mime';
import { attachmentFile, fixture } from '../../test/fixtures/generate';

/**
 * Compares what Mailroom's parseMime (mailparser) and postal-mime make of every corpus message,
 * and checks both against what test/fixtures/emails/README.md says each message is about. The
 * README names the property each message exercises; the concrete values below are the ones the
 * corpus specification (test/core/parse-mime.test.ts) holds parseMime to, and attachments are
 * compared with the original files in test/fixtures/attachments, as the README prescribes.
 */

type TextExpectation = string | null | { contains: string[] };

interface Expectation {
  subject?: string;
  from?: MailAddress | null;
  to?: MailAddress[];
  cc?: MailAddress[];
  text?: TextExpectation;
  /** null: no HTML; an array: HTML present and containing each string; a string: exactly this HTML. */
  html?: null | string | string[];
  attachments?: { filename: string | null; content: Buffer }[];
}

/** The fields compared, as the two parsers are normalised to Mailroom's view of a message. */
export interface MessageView {
  subject: string;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  text: string | null;
  html: string | null;
  attachments: { filename: string | null; size: number; sha256: string; content: Buffer }[];
}

export const FIELDS = ['subject', 'from', 'to/cc', 'text', 'html', 'attachments'] as const;
export type Field = (typeof FIELDS)[number];

export interface FixtureFidelity {
  fixture: string;
  /** Per field: null when the two agree (after normalisation), otherwise a short description. */
  differences: Record<Field, string | null>;
  /** Differences that the normalisation removed (trailing whitespace, CRLF, group nesting). */
  normalisedAway: string[];
  /** Fields where each parser misses what the README and specification expect. */
  mailparserMisses: Field[];
  postalMimeMisses: Field[];
  /** postal-mime's misses when fed the input after parseMime's parser-independent Latin-1 header step. */
  postalMimeMissesWithHeaderStep: Field[];
  /** parseMime's own verdict (ok, or the failure code it records on the message). */
  parseMimeOutcome: string;
  mailparser: StoredView;
  postalMime: StoredView;
}

/** A view as kept in the report: attachment bytes are summarised by size and sha256. */
export type StoredView = Omit<MessageView, 'attachments'> & { attachments: Omit<MessageView['attachments'][number], 'content'>[] };

const stored = (view: MessageView): StoredView => ({ ...view, attachments: view.attachments.map(({ content: _content, ...rest }) => rest) });

const ada = { address: 'ada@example.com', name: 'Ada Lovelace' };
const signupTest = { address: 'signup-test@mailroom.test', name: '' };
const brokenMailer = { address: 'bulk@example.net', name: 'Broken Mailer' };
const file = (filename: string) => ({ filename, content: attachmentFile(filename) });

/** The base64 text of the last part of a message, decoded independently of either parser. */
function lastBase64Part(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  return Buffer.from(text.slice(text.lastIndexOf('\r\n\r\n') + 4), 'base64');
}

export const EXPECTATIONS: Record<string, Expectation> = {
  'plain-text': {
    subject: "Notes from Tuesday's meeting",
    from: ada,
    to: [signupTest],
    cc: [],
    text: 'Hi team,\n\nQuick notes from Tuesday:\n\n- The analytical engine demo moves to Thursday.\n- Charles will bring the punched cards.\n\nAda\n',
    html: null,
    attachments: [],
  },
  'multipart-alternative': {
    subject: 'Your November newsletter',
    from: { address: 'news@example.org', name: 'Mailroom Weekly' },
    text: 'November newsletter\n\nThree things shipped this month: inbox tags, attachment previews\nand faster search.\n\nRead more: https://news.example.org/2026/11\n',
    html: ['<h1>November newsletter</h1>', '<a href="https://news.example.org/2026/11">Read more</a>'],
    attachments: [],
  },
  'multipart-related-inline-image': {
    text: null,
    html: ['<img src="cid:logo.5512@example.com"'],
    attachments: [file('logo.png')],
  },
  'multipart-mixed-two-attachments': {
    to: [ada, signupTest],
    text: 'Attached: the Q3 report (PDF) and the revenue chart (PNG).\n\nCharles\n',
    attachments: [file('q3-report.pdf'), file('chart.png')],
  },
  'nested-multiparts': {
    text: 'Q3 summary: revenue up 12%. The full report is attached.\n',
    html: '<html><body><img src="cid:logo-nested@example.com" alt="Logo"><p>Q3 summary: revenue up <b>12%</b>. The full report is attached.</p></body></html>\n',
    attachments: [file('logo.png'), file('q3-report.pdf')],
  },
  'quoted-printable-body': {
    from: { address: 'chloe@example.fr', name: 'Chloé Martin' },
    to: [{ address: 'zoe@example.fr', name: 'Zoë Dupont' }],
    text:
      'Bonjour Zoë,\n\nThe formula is E=mc² and the discount code is SAVE=20 (not a typo).\n' +
      'Your order of crème brûlée, Käsekuchen and smørrebrød is confirmed; the total is 42,50 € including delivery to Straße des 17. Juni 135, Berlin.\n\n' +
      'À bientôt,\nChloé\n',
  },
  'base64-body': {
    to: [{ address: 'juergen@example.de', name: 'Jürgen Weiß' }],
    text: 'Hallo Jürgen,\n\ndein Paket 📦 ist unterwegs und kommt voraussichtlich am Donnerstag an.\nSendungsnummer: DE-4711-0815\n\nViele Grüße\nMailroom Versand\n',
  },
  'rfc2047-encoded-headers': {
    subject: "Réunion d'équipe – planning 2027 à Zürich",
    from: { address: 'francois.muller@example.fr', name: 'François Müller' },
    to: [
      { address: 'yamada@example.jp', name: '山田太郎' },
      { address: 'bjorn@example.se', name: 'Björn Åberg' },
    ],
  },
  'iso-8859-1-body': {
    subject: 'Bestätigung Ihrer Bestellung',
    from: { address: 'bestellung@example.de', name: 'Bäckerei Süß' },
    text: {
      contains: [
        'vielen Dank für Ihre Bestellung bei der Bäckerei Süß:',
        '2 × Brötchen, ½ Dutzend Croissants, 1 Käsekuchen',
        'Summe: £12.50',
        'Schöne Grüße aus Köln!',
      ],
    },
  },
  'shift-jis-body-and-subject': {
    subject: '会議資料の表示について',
    from: { address: 'tanaka@example.jp', name: '田中一郎' },
    to: [{ address: 'yamada@example.jp', name: '山田様' }],
    text: '山田様\n\nお世話になっております。田中です。\n来週の会議資料を表示できるようにしました。\nソフトウェアの更新後にご確認ください。予定は変わりません。\n\nよろしくお願いいたします。\n',
  },
  'windows-1252-body': {
    subject: '“Quarterly” invoice – € 1,250',
    text: 'Hi Ada,\n\nYour “Quarterly” invoice is attached – it’s €1,250.00 for Q4… payable within 30 days.\nMailroom™ thanks you — ‘see you next quarter’.\n',
  },
  'calendar-invite': {
    text: 'You have been invited to the following event.\n\nDesign review\nWhen: Tue 1 Dec 2026 15:00 - 15:30 (UTC)\nWhere: Room 4\n',
    html: null,
    attachments: [{ filename: null, content: attachmentFile('invite.ics') }],
  },
  'forwarded-message': {
    subject: 'Fwd: Difference engine budget',
    text: 'FYI, see the message below.\n',
    attachments: [{ filename: 'Difference engine budget.eml', content: attachmentFile('forwarded-original.eml') }],
  },
  'reply-with-references': {
    subject: "Re: Notes from Tuesday's meeting",
    text: { contains: ['> Quick notes from Tuesday:'] },
  },
  'cc-reply-to-group': {
    from: { address: 'grace@example.com', name: 'Grace Hopper' },
    to: [
      { address: 'alice@example.com', name: '' },
      { address: 'bob@example.com', name: 'Bob Stone' },
      { address: 'zed@example.net', name: '' },
    ],
    cc: [
      { address: 'carol@example.org', name: '' },
      { address: 'dave@example.org', name: 'Dave, Jr.' },
    ],
  },
  'verification-code': {
    subject: 'Your Acme verification code',
    from: { address: 'no-reply@accounts.example.com', name: 'Acme Accounts' },
    text: { contains: ['Your code is 482913\n', 'https://accounts.example.com/verify?token=9f8a7c2e&email=signup-test%40mailroom.test'] },
    html: ['<a href="https://accounts.example.com/verify?token=9f8a7c2e&email=signup-test%40mailroom.test">Verify my email</a>', '<strong style="font-size:24px">482913</strong>'],
  },
  'malformed-boundary-never-appears': {
    subject: 'Boundary that never appears',
    from: brokenMailer,
    to: [signupTest],
    text: null,
    html: null,
    attachments: [],
  },
  'malformed-unclosed-multipart': {
    subject: 'Multipart without a closing boundary',
    text: 'The closing delimiter of this multipart is missing.\n',
    attachments: [file('chart.png')],
  },
  'malformed-bad-base64-attachment': {
    text: 'The attachment below is not valid base64.\n',
    attachments: [file('checklist.txt')],
  },
  'malformed-missing-headers': {
    subject: '',
    from: null,
    to: [signupTest],
    text: 'A message with no From, Subject, Date or Message-ID header.\n',
  },
  'malformed-8bit-headers': {
    subject: 'Grüße aus Köln – Überweisung bestätigt',
    from: { address: 'juergen@example.de', name: 'Jürgen Weiß' },
    text: 'Die Überweisung über 250 € ist eingegangen.\n',
  },
  'malformed-8bit-latin1-headers': {
    subject: 'Grüße aus Köln',
    from: { address: 'juergen@example.de', name: 'Jürgen Weiß' },
    text: 'Schöne Grüße aus Köln.\n',
  },
  'malformed-header-without-colon': {
    subject: 'A header line without a colon',
    from: brokenMailer,
    text: 'The header block above has a line without a colon.\n',
  },
  'malformed-truncated': {
    subject: 'Truncated in transit',
    text: 'Everything up to here arrived.\n',
    attachments: [{ filename: 'chart.png', content: lastBase64Part(fixture('malformed-truncated')) }],
  },
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Trailing whitespace (spaces, tabs, the CR of CRLF) on every line and trailing blank lines are not differences. */
export const normaliseText = (text: string | null) => (text === null ? null : text.replace(/[ \t\r]+$/gm, '').replace(/\n+$/, ''));

function flatten(list: PostalMime.Address[] | PostalMime.Address | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const entry of list === undefined ? [] : ([] as PostalMime.Address[]).concat(list)) {
    if (entry.group) out.push(...entry.group.filter((m) => m.address).map((m) => ({ address: m.address, name: m.name ?? '' })));
    else if (entry.address) out.push({ address: entry.address, name: entry.name ?? '' });
  }
  return out;
}

export function postalMimeView(email: PostalMime.Email): MessageView {
  return {
    subject: email.subject ?? '',
    from: flatten(email.from)[0] ?? null,
    to: flatten(email.to),
    cc: flatten(email.cc),
    text: email.text ?? null,
    html: email.html ?? null,
    attachments: email.attachments.map((a) => {
      const content = typeof a.content === 'string' ? Buffer.from(a.content, a.encoding === 'base64' ? 'base64' : 'utf8') : Buffer.from(a.content as ArrayBuffer);
      return { filename: a.filename, size: content.length, sha256: sha256(content), content };
    }),
  };
}

async function mailparserView(raw: Buffer): Promise<{ view: MessageView; outcome: string }> {
  const outcome = await parseMime(raw);
  const m = outcome.message;
  return {
    outcome: outcome.ok ? 'ok' : outcome.code,
    view: {
      subject: m.subject,
      from: m.from,
      to: m.to,
      cc: m.cc,
      text: m.text,
      html: m.html,
      attachments: m.attachments.map((a) => ({ filename: a.filename, size: a.size, sha256: a.sha256, content: a.content })),
    },
  };
}


/** Short, table-safe rendering of a value. */
function show(value: string | null, max = 28): string {
  if (value === null) return 'none';
  const flat = value.replace(/\r/g, '␍').replace(/\n/g, '⏎').replace(/\|/g, '\\|');
  return `"${flat.length > max ? `${flat.slice(0, max)}…` : flat}"`;
}

const showAddress = (a: MailAddress | null) => (a ? (a.name ? `${a.name} <${a.address}>` : a.address) : 'none');

/** Where two strings first differ, with a little context from each side. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 6);
  return `at char ${i}: mailparser ${show(a.slice(from, i + 16), 22)} · postal-mime ${show(b.slice(from, i + 16), 22)}`;
}

function compareAddresses(a: MailAddress[], b: MailAddress[]): string | null {
  if (a.length !== b.length) return `mailparser ${a.length} · postal-mime ${b.length} addresses`;
  for (let i = 0; i < a.length; i++) {
    if (a[i].address !== b[i].address || a[i].name !== b[i].name) return `mailparser ${show(showAddress(a[i]))} · postal-mime ${show(showAddress(b[i]))}`;
  }
  return null;
}

function compareAttachments(a: MessageView['attachments'], b: MessageView['attachments']): string | null {
  if (a.length !== b.length) return `mailparser ${a.length} · postal-mime ${b.length} attachments`;
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const name = a[i].filename ?? b[i].filename ?? `#${i + 1}`;
    if (a[i].filename !== b[i].filename) out.push(`#${i + 1} name ${show(a[i].filename)} · ${show(b[i].filename)}`);
    else if (a[i].sha256 !== b[i].sha256) {
      const lines = (x: Buffer) => x.toString('latin1').replace(/\r\n/g, '\n').replace(/\n+$/, '');
      const why = lines(a[i].content) === lines(b[i].content) ? 'same lines, CRLF turned into LF' : 'sha256 differs';
      out.push(`${name}: mailparser ${a[i].size} B · postal-mime ${b[i].size} B (${why})`);
    }
  }
  return out.length ? out.join('; ') : null;
}

function differences(mp: MessageView, pm: MessageView): { diff: Record<Field, string | null>; normalisedAway: string[] } {
  const normalisedAway: string[] = [];
  const textA = normaliseText(mp.text);
  const textB = normaliseText(pm.text);
  if (mp.text !== pm.text && textA === textB) {
    const why = (pm.text ?? '').includes('\r\n') && !(mp.text ?? '').includes('\r\n') ? 'postal-mime keeps CRLF line ends in the text' : 'trailing whitespace of the text';
    normalisedAway.push(why);
  }
  const html =
    (mp.html === null) !== (pm.html === null)
      ? `mailparser ${mp.html === null ? 'none' : 'present'} · postal-mime ${pm.html === null ? 'none' : 'present'}`
      : normaliseText(mp.html) !== normaliseText(pm.html)
        ? firstDifference(mp.html ?? '', pm.html ?? '')
        : null;
  if (mp.html !== pm.html && html === null) normalisedAway.push('trailing whitespace of the HTML');
  return {
    diff: {
      subject: mp.subject === pm.subject ? null : `mailparser ${show(mp.subject, 40)} · postal-mime ${show(pm.subject, 40)}`,
      from:
        (mp.from?.address ?? null) === (pm.from?.address ?? null) && (mp.from?.name ?? null) === (pm.from?.name ?? null)
          ? null
          : `mailparser ${show(showAddress(mp.from))} · postal-mime ${show(showAddress(pm.from))}`,
      'to/cc': [compareAddresses(mp.to, pm.to), compareAddresses(mp.cc, pm.cc)].filter(Boolean).join('; ') || null,
      text: textA === textB ? null : textA === null || textB === null ? `mailparser ${show(mp.text)} · postal-mime ${show(pm.text)}` : firstDifference(textA, textB),
      html,
      attachments: compareAttachments(mp.attachments, pm.attachments),
    },
    normalisedAway,
  };
}

const sameAddress = (a: MailAddress | null, b: MailAddress | null) => (a === null || b === null ? a === b : a.address === b.address && a.name === b.name);
const sameAddresses = (a: MailAddress[], b: MailAddress[]) => a.length === b.length && a.every((x, i) => sameAddress(x, b[i]));

/** The fields where `view` misses the expectation. */
export function misses(view: MessageView, expected: Expectation): Field[] {
  const out = new Set<Field>();
  if (expected.subject !== undefined && view.subject !== expected.subject) out.add('subject');
  if (expected.from !== undefined && !sameAddress(view.from, expected.from)) out.add('from');
  if (expected.to !== undefined && !sameAddresses(view.to, expected.to)) out.add('to/cc');
  if (expected.cc !== undefined && !sameAddresses(view.cc, expected.cc)) out.add('to/cc');
  if (expected.text !== undefined) {
    const t = expected.text;
    const ok =
      t === null || typeof t === 'string'
        ? normaliseText(view.text) === normaliseText(t)
        : view.text !== null && t.contains.every((s) => (view.text ?? '').includes(s));
    if (!ok) out.add('text');
  }
  if (expected.html !== undefined) {
    const h = expected.html;
    const ok =
      h === null
        ? view.html === null
        : typeof h === 'string'
          ? normaliseText(view.html) === normaliseText(h)
          : view.html !== null && h.every((s) => (view.html ?? '').includes(s));
    if (!ok) out.add('html');
  }
  if (expected.attachments !== undefined) {
    const want = expected.attachments;
    const ok =
      view.attachments.length === want.length &&
      want.every((w, i) => view.attachments[i].filename === w.filename && view.attachments[i].size === w.content.length && view.attachments[i].sha256 === sha256(w.content));
    if (!ok) out.add('attachments');
  }
  return [...out];
}

export async function compareParsers(names: string[], onEach: () => void = () => {}): Promise<FixtureFidelity[]> {
  const out: FixtureFidelity[] = [];
  for (const name of names) {
    const raw = fixture(name);
    const expected = EXPECTATIONS[name] ?? {};
    const { view: mp, outcome } = await mailparserView(raw);
    const email = await PostalMime.parse(raw);
    const pm = postalMimeView(email);
    const pmWithStep = postalMimeView(await PostalMime.parse(repairHeaders(raw, scanMimeSkeleton(raw).headerBlocks)));
    const { diff, normalisedAway } = differences(mp, pm);
    if ([...(email.to ?? []), ...(email.cc ?? [])].some((a) => a.group)) {
      normalisedAway.push('postal-mime returns the To group as a nested list (flattened here, as Mailroom does)');
    }
    out.push({
      fixture: name,
      differences: diff,
      normalisedAway,
      mailparserMisses: misses(mp, expected),
      postalMimeMisses: misses(pm, expected),
      postalMimeMissesWithHeaderStep: misses(pmWithStep, expected),
      parseMimeOutcome: outcome,
      mailparser: stored(mp),
      postalMime: stored(pm),
    });
    onEach();
  }
  return out;
}
