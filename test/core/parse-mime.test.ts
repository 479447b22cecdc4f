import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PARSE_LIMITS, parseMime, type ParseLimits, type ParsedMessage } from '../../lambdas/core/mail/parse-mime';
import {
  attachmentFile,
  deeplyNestedMessage,
  fixture,
  LARGE_ATTACHMENT_FILENAME,
  largeMessage,
  manyPartsMessage,
  messageWithHugeHeader,
} from '../fixtures/generate';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const emailsDir = join(__dirname, '../fixtures/emails');
const corpus = readdirSync(emailsDir)
  .filter((name) => name.endsWith('.eml'))
  .map((name) => name.replace(/\.eml$/, ''))
  .sort();

/** Parses and expects success; the failure reason is shown if it did not succeed. */
async function parseOk(raw: Buffer, limits?: Partial<ParseLimits>): Promise<ParsedMessage> {
  const outcome = await parseMime(raw, limits);
  expect(outcome.ok ? 'ok' : `${outcome.code}: ${outcome.reason}`).toBe('ok');
  return outcome.message;
}

/** What an attachment must look like when it is the original file, byte for byte. */
function sameFileAs(filename: string) {
  const original = attachmentFile(filename);
  return { size: original.length, sha256: sha256(original), content: original };
}

/** The base64 text of the last part of a message, decoded independently of the parser. */
function decodeLastBase64Part(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const body = text.slice(text.lastIndexOf('\r\n\r\n') + 4).replace(/\r\n--[^\r\n]*--\r\n$/, '');
  return Buffer.from(body, 'base64');
}

describe('the mail corpus', () => {
  it('documents every message in the README', () => {
    const readme = readFileSync(join(emailsDir, 'README.md'), 'utf8');
    for (const name of corpus) expect(readme).toContain(`\`${name}.eml\``);
  });

  it.each(corpus)('%s is a small CRLF message', (name) => {
    const raw = fixture(name);
    expect(raw.length).toBeLessThan(50 * 1024);
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n/);
  });
});

describe('parsing never throws and leaves the input as it was', () => {
  it.each(corpus)('%s', async (name) => {
    // Prepare
    const raw = fixture(name);
    const copy = Buffer.from(raw);

    // Act
    const outcome = await parseMime(raw);

    // Assess
    expect(typeof outcome.ok).toBe('boolean');
    expect(raw.equals(copy)).toBe(true);
  });
});

describe('parsing well-formed mail', () => {
  it('reads a plain text message: sender, recipient, subject, date, id, unfolded headers and body', async () => {
    const message = await parseOk(fixture('plain-text'));

    expect(message).toMatchObject({
      subject: "Notes from Tuesday's meeting",
      from: { address: 'ada@example.com', name: 'Ada Lovelace' },
      to: [{ address: 'signup-test@mailroom.test', name: '' }],
      cc: [],
      replyTo: [],
      date: '2026-11-17T09:14:03.000Z',
      messageId: '<20261117091403.4821.ada@example.com>',
      inReplyTo: null,
      references: [],
      html: null,
      attachments: [],
    });
    expect(message.text).toBe(
      'Hi team,\n\nQuick notes from Tuesday:\n\n- The analytical engine demo moves to Thursday.\n- Charles will bring the punched cards.\n\nAda\n',
    );
    expect(message.headers.map((h) => h.name)).toEqual([
      'Return-Path',
      'Received',
      'From',
      'To',
      'Subject',
      'Date',
      'Message-ID',
      'MIME-Version',
      'Content-Type',
      'Content-Transfer-Encoding',
    ]);
    expect(message.headers).toContainEqual({
      name: 'Received',
      value:
        'from mail.example.com (mail.example.com [203.0.113.25]) by inbound-smtp.eu-west-1.amazonaws.com with SMTP id 8v1q2ab4c0plain for <signup-test@mailroom.test>; Tue, 17 Nov 2026 09:14:05 +0000 (UTC)',
    });
  });

  it('keeps both versions of a multipart/alternative message, and does not count either as an attachment', async () => {
    const message = await parseOk(fixture('multipart-alternative'));

    expect(message.subject).toBe('Your November newsletter');
    expect(message.from).toEqual({ address: 'news@example.org', name: 'Mailroom Weekly' });
    expect(message.text).toBe(
      'November newsletter\n\nThree things shipped this month: inbox tags, attachment previews\nand faster search.\n\nRead more: https://news.example.org/2026/11\n',
    );
    expect(message.html).toContain('<h1>November newsletter</h1>');
    expect(message.html).toContain('<a href="https://news.example.org/2026/11">Read more</a>');
    expect(message.text).not.toContain('This is a multi-part message');
    expect(message.attachments).toEqual([]);
  });

  it('returns an image referenced by cid: as an inline attachment and keeps the cid: link in the HTML', async () => {
    const message = await parseOk(fixture('multipart-related-inline-image'));

    expect(message.html).toContain('<img src="cid:logo.5512@example.com"');
    expect(message.text).toBeNull();
    expect(message.attachments).toEqual([
      {
        filename: 'logo.png',
        contentType: 'image/png',
        contentId: '<logo.5512@example.com>',
        inline: true,
        partId: '2',
        ...sameFileAs('logo.png'),
      },
    ]);
  });

  it('returns the attachments of a multipart/mixed message in order, decoded to their original bytes', async () => {
    const message = await parseOk(fixture('multipart-mixed-two-attachments'));

    expect(message.to).toEqual([
      { address: 'ada@example.com', name: 'Ada Lovelace' },
      { address: 'signup-test@mailroom.test', name: '' },
    ]);
    expect(message.text).toBe('Attached: the Q3 report (PDF) and the revenue chart (PNG).\n\nCharles\n');
    expect(message.attachments).toEqual([
      { filename: 'q3-report.pdf', contentType: 'application/pdf', contentId: null, inline: false, partId: '2', ...sameFileAs('q3-report.pdf') },
      { filename: 'chart.png', contentType: 'image/png', contentId: null, inline: false, partId: '3', ...sameFileAs('chart.png') },
    ]);
  });

  it('finds text, HTML, inline image and attachment in mixed > (alternative > (text, related > (html, image)), pdf)', async () => {
    const message = await parseOk(fixture('nested-multiparts'));

    expect(message.text).toBe('Q3 summary: revenue up 12%. The full report is attached.\n');
    expect(message.html).toBe(
      '<html><body><img src="cid:logo-nested@example.com" alt="Logo"><p>Q3 summary: revenue up <b>12%</b>. The full report is attached.</p></body></html>\n',
    );
    // The image has no Content-Disposition: it is inline because it sits in multipart/related.
    expect(message.attachments).toEqual([
      { filename: 'logo.png', contentType: 'image/png', contentId: '<logo-nested@example.com>', inline: true, partId: '1.2.2', ...sameFileAs('logo.png') },
      { filename: 'q3-report.pdf', contentType: 'application/pdf', contentId: null, inline: false, partId: '2', ...sameFileAs('q3-report.pdf') },
    ]);
  });

  it('decodes a quoted-printable body: joins soft line breaks, turns =3D into = and =C3=A9 into é', async () => {
    const message = await parseOk(fixture('quoted-printable-body'));

    expect(message.from).toEqual({ address: 'chloe@example.fr', name: 'Chloé Martin' });
    expect(message.to).toEqual([{ address: 'zoe@example.fr', name: 'Zoë Dupont' }]);
    expect(message.text).toBe(
      'Bonjour Zoë,\n\n' +
        'The formula is E=mc² and the discount code is SAVE=20 (not a typo).\n' +
        'Your order of crème brûlée, Käsekuchen and smørrebrød is confirmed; the total is 42,50 € including delivery to Straße des 17. Juni 135, Berlin.\n\n' +
        'À bientôt,\nChloé\n',
    );
  });

  it('decodes a base64 body, including characters outside the Basic Multilingual Plane', async () => {
    const message = await parseOk(fixture('base64-body'));

    expect(message.to).toEqual([{ address: 'juergen@example.de', name: 'Jürgen Weiß' }]);
    expect(message.text).toBe(
      'Hallo Jürgen,\n\ndein Paket 📦 ist unterwegs und kommt voraussichtlich am Donnerstag an.\nSendungsnummer: DE-4711-0815\n\nViele Grüße\nMailroom Versand\n',
    );
  });

  it('decodes RFC 2047 subjects and display names: B and Q, UTF-8 and ISO-8859-1, adjacent and split encoded words', async () => {
    const message = await parseOk(fixture('rfc2047-encoded-headers'));

    // Whitespace between adjacent encoded words disappears; the "_" inside them is a space.
    expect(message.subject).toBe("Réunion d'équipe – planning 2027 à Zürich");
    expect(message.from).toEqual({ address: 'francois.muller@example.fr', name: 'François Müller' });
    expect(message.to).toEqual([
      // 田 is split between two B-encoded words: the bytes are joined before decoding.
      { address: 'yamada@example.jp', name: '山田太郎' },
      { address: 'bjorn@example.se', name: 'Björn Åberg' },
    ]);
  });

  it('lists every header with its value unfolded and decoded, including headers it does not interpret', async () => {
    const message = await parseOk(fixture('rfc2047-encoded-headers'));

    expect(message.headers).toEqual(
      expect.arrayContaining([
        { name: 'From', value: 'François Müller <francois.muller@example.fr>' },
        { name: 'To', value: '山田太郎 <yamada@example.jp>, Björn Åberg <bjorn@example.se>' },
        { name: 'Subject', value: "Réunion d'équipe – planning 2027 à Zürich" },
        { name: 'Thread-Topic', value: 'Planification – équipe' },
      ]),
    );
  });

  it('decodes an ISO-8859-1 body sent as raw 8-bit bytes', async () => {
    const message = await parseOk(fixture('iso-8859-1-body'));

    expect(message.subject).toBe('Bestätigung Ihrer Bestellung');
    expect(message.from).toEqual({ address: 'bestellung@example.de', name: 'Bäckerei Süß' });
    expect(message.text).toContain('vielen Dank für Ihre Bestellung bei der Bäckerei Süß:');
    expect(message.text).toContain('2 × Brötchen, ½ Dutzend Croissants, 1 Käsekuchen');
    expect(message.text).toContain('Summe: £12.50');
    expect(message.text).toContain('Schöne Grüße aus Köln!');
  });

  it('decodes a Shift_JIS body and Shift_JIS encoded words, including characters whose second byte is 0x5C', async () => {
    const message = await parseOk(fixture('shift-jis-body-and-subject'));

    expect(message.subject).toBe('会議資料の表示について');
    expect(message.from).toEqual({ address: 'tanaka@example.jp', name: '田中一郎' });
    expect(message.to).toEqual([{ address: 'yamada@example.jp', name: '山田様' }]);
    expect(message.date).toBe('2026-11-26T01:00:00.000Z');
    expect(message.text).toBe(
      '山田様\n\nお世話になっております。田中です。\n来週の会議資料を表示できるようにしました。\nソフトウェアの更新後にご確認ください。予定は変わりません。\n\nよろしくお願いいたします。\n',
    );
  });

  it('decodes windows-1252: smart quotes, dashes, ellipsis, ™ and 0x80 as the euro sign', async () => {
    const message = await parseOk(fixture('windows-1252-body'));

    expect(message.subject).toBe('“Quarterly” invoice – € 1,250');
    expect(message.text).toBe(
      'Hi Ada,\n\nYour “Quarterly” invoice is attached – it’s €1,250.00 for Q4… payable within 30 days.\nMailroom™ thanks you — ‘see you next quarter’.\n',
    );
    // Read as Latin-1, 0x80 and 0x85 would become C1 control characters.
    expect(message.text).not.toMatch(/[\u0080-\u009f]/);
  });

  it('returns the text/calendar part of an invitation as an attachment next to the text body', async () => {
    const message = await parseOk(fixture('calendar-invite'));

    expect(message.text).toBe(
      'You have been invited to the following event.\n\nDesign review\nWhen: Tue 1 Dec 2026 15:00 - 15:30 (UTC)\nWhere: Room 4\n',
    );
    expect(message.html).toBeNull();
    expect(message.attachments).toEqual([
      { filename: null, contentType: 'text/calendar', contentId: null, inline: false, partId: '2', ...sameFileAs('invite.ics') },
    ]);
    const ics = message.attachments[0].content.toString('utf8');
    expect(ics).toContain('METHOD:REQUEST');
    expect(ics).toContain('SUMMARY:Design review');
  });

  it('returns a forwarded message as a message/rfc822 attachment holding the original, which parses in turn', async () => {
    const message = await parseOk(fixture('forwarded-message'));

    expect(message.subject).toBe('Fwd: Difference engine budget');
    expect(message.text).toBe('FYI, see the message below.\n');
    expect(message.attachments).toEqual([
      {
        filename: 'Difference engine budget.eml',
        contentType: 'message/rfc822',
        contentId: null,
        inline: false,
        partId: '2',
        ...sameFileAs('forwarded-original.eml'),
      },
    ]);

    const original = await parseOk(message.attachments[0].content);
    expect(original).toMatchObject({
      subject: 'Difference engine budget',
      from: { address: 'charles@example.co.uk', name: 'Charles Babbage' },
      messageId: '<budget.1822@example.co.uk>',
    });
    expect(original.text).toContain('The budget for the difference engine is approved');
  });

  it('reads In-Reply-To and a folded References header as message ids', async () => {
    const message = await parseOk(fixture('reply-with-references'));
    const repliedTo = await parseOk(fixture('plain-text'));

    expect(message.subject).toBe("Re: Notes from Tuesday's meeting");
    expect(message.inReplyTo).toBe(repliedTo.messageId);
    expect(message.references).toEqual([
      '<kickoff.0001.grace@mail.example.com>',
      '<agenda.0002.grace@mail.example.com>',
      '<20261117091403.4821.ada@example.com>',
    ]);
    expect(message.text).toContain('> Quick notes from Tuesday:');
  });

  it('flattens group members into the recipient list and reads Cc and Reply-To, quoted names with commas included', async () => {
    const message = await parseOk(fixture('cc-reply-to-group'));

    expect(message.from).toEqual({ address: 'grace@example.com', name: 'Grace Hopper' });
    expect(message.to).toEqual([
      { address: 'alice@example.com', name: '' },
      { address: 'bob@example.com', name: 'Bob Stone' },
      { address: 'zed@example.net', name: '' },
    ]);
    expect(message.cc).toEqual([
      { address: 'carol@example.org', name: '' },
      { address: 'dave@example.org', name: 'Dave, Jr.' },
    ]);
    expect(message.replyTo).toEqual([{ address: 'project@example.com', name: 'Project Inbox' }]);
    expect(message.date).toBe('2026-11-15T23:00:00.000Z');
    // The header list keeps the group as written.
    expect(message.headers).toContainEqual({
      name: 'To',
      value: 'Project Team: alice@example.com, "Bob Stone" <bob@example.com>;, zed@example.net',
    });
  });

  it('gives a verification mail its code and its link in both text and decoded HTML', async () => {
    const message = await parseOk(fixture('verification-code'));
    const link = 'https://accounts.example.com/verify?token=9f8a7c2e&email=signup-test%40mailroom.test';

    expect(message.subject).toBe('Your Acme verification code');
    expect(message.from).toEqual({ address: 'no-reply@accounts.example.com', name: 'Acme Accounts' });
    expect(message.text).toMatch(/^Your code is 482913\n/);
    expect(message.text).toContain(link);
    // The quoted-printable =3D in the href is decoded.
    expect(message.html).toContain(`<a href="${link}">Verify my email</a>`);
    expect(message.html).toContain('<strong style="font-size:24px">482913</strong>');
  });
});

describe('parsing malformed mail', () => {
  it('marks a multipart whose declared boundary never appears as malformed, keeping its headers', async () => {
    const outcome = await parseMime(fixture('malformed-boundary-never-appears'));

    expect(outcome).toMatchObject({ ok: false, code: 'malformed', reason: expect.stringContaining('never appears') });
    expect(outcome.message).toMatchObject({
      subject: 'Boundary that never appears',
      from: { address: 'bulk@example.net', name: 'Broken Mailer' },
      to: [{ address: 'signup-test@mailroom.test', name: '' }],
      messageId: '<bad-boundary.1@example.net>',
      text: null,
      html: null,
      attachments: [],
    });
  });

  it('salvages every part of a multipart that is never closed, the last attachment complete', async () => {
    const message = await parseOk(fixture('malformed-unclosed-multipart'));

    expect(message.subject).toBe('Multipart without a closing boundary');
    expect(message.text).toBe('The closing delimiter of this multipart is missing.\n');
    expect(message.attachments).toEqual([
      { filename: 'chart.png', contentType: 'image/png', contentId: null, inline: false, partId: '2', ...sameFileAs('chart.png') },
    ]);
  });

  it('decodes base64 with invalid characters and missing padding by skipping what is not base64', async () => {
    // Prepare
    const raw = fixture('malformed-bad-base64-attachment');
    const encoded = raw.toString('latin1').split('\r\n\r\n').pop() ?? '';
    expect(encoded).toMatch(/[!*% ]/);
    expect(encoded).not.toMatch(/=\r\n--/);

    // Act
    const message = await parseOk(raw);

    // Assess
    expect(message.text).toBe('The attachment below is not valid base64.\n');
    expect(message.attachments).toEqual([
      { filename: 'checklist.txt', contentType: 'text/plain', contentId: null, inline: false, partId: '2', ...sameFileAs('checklist.txt') },
    ]);
  });

  it('parses a message without From, Subject, Date or Message-ID as empty values', async () => {
    const message = await parseOk(fixture('malformed-missing-headers'));

    expect(message).toMatchObject({
      subject: '',
      from: null,
      to: [{ address: 'signup-test@mailroom.test', name: '' }],
      date: null,
      messageId: null,
      text: 'A message with no From, Subject, Date or Message-ID header.\n',
    });
    expect(message.headers.map((h) => h.name)).toEqual(['To', 'MIME-Version', 'Content-Type']);
  });

  it('reads raw UTF-8 bytes in Subject and From as UTF-8', async () => {
    const message = await parseOk(fixture('malformed-8bit-headers'));

    expect(message.subject).toBe('Grüße aus Köln – Überweisung bestätigt');
    expect(message.from).toEqual({ address: 'juergen@example.de', name: 'Jürgen Weiß' });
    expect(message.headers).toContainEqual({ name: 'Subject', value: 'Grüße aus Köln – Überweisung bestätigt' });
    expect(message.headers).toContainEqual({ name: 'From', value: 'Jürgen Weiß <juergen@example.de>' });
    expect(message.text).toBe('Die Überweisung über 250 € ist eingegangen.\n');
  });

  it('falls back to Latin-1 for raw 8-bit header values that are not UTF-8', async () => {
    const message = await parseOk(fixture('malformed-8bit-latin1-headers'));

    expect(message.headers).toContainEqual({ name: 'Subject', value: 'Grüße aus Köln' });
    expect(message.headers).toContainEqual({ name: 'From', value: 'Jürgen Weiß <juergen@example.de>' });
    expect(message.text).toBe('Schöne Grüße aus Köln.\n');
  });

  it('decodes raw Latin-1 bytes in Subject and the From name the same way as the header list', async () => {
    const message = await parseOk(fixture('malformed-8bit-latin1-headers'));

    expect(message.subject).toBe('Grüße aus Köln');
    expect(message.from).toEqual({ address: 'juergen@example.de', name: 'Jürgen Weiß' });
  });

  it('keeps reading the header block after a line without a colon, and lists that line as a header with no value', async () => {
    const message = await parseOk(fixture('malformed-header-without-colon'));

    expect(message).toMatchObject({
      subject: 'A header line without a colon',
      from: { address: 'bulk@example.net', name: 'Broken Mailer' },
      date: '2026-12-02T09:30:00.000Z',
      messageId: '<no-colon.5@example.net>',
      text: 'The header block above has a line without a colon.\n',
    });
    expect(message.headers.map((h) => h.name)).toEqual([
      'Received',
      'From',
      'To',
      'Subject',
      'This line belongs to no header',
      'Date',
      'Message-ID',
      'MIME-Version',
      'Content-Type',
    ]);
    expect(message.headers).toContainEqual({ name: 'This line belongs to no header', value: '' });
  });

  it('parses a message cut off in the middle of an attachment as far as it goes', async () => {
    // Prepare
    const raw = fixture('malformed-truncated');
    const arrived = decodeLastBase64Part(raw);
    const chart = attachmentFile('chart.png');
    expect(arrived.length).toBeLessThan(chart.length);

    // Act
    const message = await parseOk(raw);

    // Assess
    expect(message.subject).toBe('Truncated in transit');
    expect(message.text).toBe('Everything up to here arrived.\n');
    expect(message.attachments).toEqual([
      { filename: 'chart.png', contentType: 'image/png', contentId: null, inline: false, partId: '2', content: arrived, size: arrived.length, sha256: sha256(arrived) },
    ]);
    expect(chart.subarray(0, arrived.length).equals(arrived)).toBe(true);
  });
});

describe('parsing within limits', () => {
  it('accepts a message of exactly maxBytes and refuses one byte more, keeping its headers', async () => {
    // Prepare
    const raw = fixture('plain-text');

    // Act
    const atLimit = await parseMime(raw, { maxBytes: raw.length });
    const overLimit = await parseMime(raw, { maxBytes: raw.length - 1 });

    // Assess
    expect(atLimit.ok).toBe(true);
    expect(overLimit).toMatchObject({
      ok: false,
      code: 'too_large',
      reason: `message is ${raw.length} bytes; the limit is ${raw.length - 1}`,
      message: { subject: "Notes from Tuesday's meeting", from: { address: 'ada@example.com', name: 'Ada Lovelace' }, text: null, attachments: [] },
    });
  });

  it('refuses a header block over 1 MiB as header_too_large, salvaging subject and sender', async () => {
    // Prepare
    const raw = messageWithHugeHeader();
    expect(raw.indexOf('\r\n\r\n')).toBeGreaterThan(DEFAULT_PARSE_LIMITS.maxHeaderBytes);

    // Act
    const outcome = await parseMime(raw);

    // Assess
    expect(outcome).toMatchObject({
      ok: false,
      code: 'header_too_large',
      reason: expect.stringMatching(/header size/i),
      message: {
        subject: 'A thread with a very long memory',
        from: { address: 'threads@example.net', name: 'Thread Bot' },
        messageId: '<huge-header@example.net>',
        text: null,
        attachments: [],
      },
    });
  });

  it('parses multipart nesting up to 100 containers deep', async () => {
    const message = await parseOk(deeplyNestedMessage(100));

    expect(message.text).toBe('The innermost part.');
  });

  it('refuses 1000-deep multipart nesting as too_deep before parsing it', async () => {
    // Prepare
    const raw = deeplyNestedMessage(1000);

    // Act
    const outcome = await parseMime(raw);

    // Assess
    expect(outcome).toMatchObject({
      ok: false,
      code: 'too_deep',
      reason: 'message nests more than 100 multipart containers',
      message: { subject: 'Nested 1000 levels deep', from: { address: 'load@example.net' }, attachments: [] },
    });
  });

  it('counts only Content-Type headers as structure, not MIME source quoted in a body', async () => {
    // Prepare: a support reply quoting 150 multipart header lines in its text
    const quoted = Array.from({ length: 150 }, (_, i) => `Content-Type: multipart/mixed; boundary="quoted-${i}"`);
    const raw = Buffer.from(
      ['From: help@example.com', 'To: signup-test@mailroom.test', 'Subject: Your raw headers', 'Content-Type: text/plain', '', ...quoted, ''].join('\r\n'),
    );

    // Act
    const message = await parseOk(raw);

    // Assess
    expect(message.text).toContain('boundary="quoted-149"');
  });

  it('sees a folded multipart Content-Type header when measuring depth', async () => {
    const folded = Buffer.from(deeplyNestedMessage(150).toString('latin1').replace(/Content-Type: multipart/g, 'Content-Type:\r\n\tmultipart'), 'latin1');

    await expect(parseMime(folded)).resolves.toMatchObject({ ok: false, code: 'too_deep' });
  });

  it('parses 999 sibling parts, the most that fit in 1000 MIME parts with their container', async () => {
    const message = await parseOk(manyPartsMessage(999));

    expect(message.text).toMatch(/^Part 1 of 999\.\nPart 2 of 999\./);
    expect(message.text).toMatch(/Part 999 of 999\.$/);
  });

  it('refuses 2000 sibling parts as too_many_parts, salvaging the headers', async () => {
    // Prepare
    const raw = manyPartsMessage(2000);

    // Act
    const outcome = await parseMime(raw);

    // Assess
    expect(outcome).toMatchObject({
      ok: false,
      code: 'too_many_parts',
      reason: expect.stringMatching(/child nodes/i),
      message: { subject: '2000 parts', from: { address: 'load@example.net', name: 'Load Generator' }, attachments: [] },
    });
  });

  describe('a message over the 40 MiB SES maximum', () => {
    let raw: Buffer;
    beforeAll(() => {
      raw = largeMessage();
    });

    it('is refused as too_large with the default limits, without being parsed', async () => {
      expect(raw.length).toBeGreaterThan(40 * 1024 * 1024);
      const outcome = await parseMime(raw);

      expect(outcome.ok).toBe(false);
      expect(outcome).toMatchObject({
        code: 'too_large',
        reason: `message is ${raw.length} bytes; the limit is ${DEFAULT_PARSE_LIMITS.maxBytes}`,
        message: { subject: 'November telemetry', from: { address: 'load@example.net' }, text: null, attachments: [] },
      });
    });

    it('parses with a higher maxBytes, the attachment decoded byte for byte and the input untouched', async () => {
      // Prepare
      const start = raw.indexOf(`filename="${LARGE_ATTACHMENT_FILENAME}"\r\n\r\n`) + `filename="${LARGE_ATTACHMENT_FILENAME}"\r\n\r\n`.length;
      const end = raw.lastIndexOf('\r\n--large-1--');
      const expected = Buffer.from(raw.subarray(start, end).toString('latin1'), 'base64');
      const inputHash = sha256(raw);

      // Act
      const message = await parseOk(raw, { maxBytes: 64 * 1024 * 1024 });

      // Assess
      expect(message.text).toMatch(/^The attached telemetry covers the whole of November\./);
      expect(message.attachments).toHaveLength(1);
      const [attachment] = message.attachments;
      expect(attachment.filename).toBe(LARGE_ATTACHMENT_FILENAME);
      expect(attachment.contentType).toBe('application/octet-stream');
      expect(attachment.size).toBe(expected.length);
      expect(attachment.sha256).toBe(sha256(expected));
      expect(sha256(raw)).toBe(inputHash);
    });
  });
});
