import { createHash } from 'node:crypto';
import { extractFromMail } from '../../lambdas/core/mail/extract';
import { cutPart } from '../../lambdas/core/mail/mime-parts';
import { parseMime, type ParsedMessage } from '../../lambdas/core/mail/parse-mime';
import { attachmentFile, fixture } from '../fixtures/generate';

/** Mail as old and broken mailers send it (test/fixtures/emails/README.md, "Real-world mailers"). */

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function parsed(name: string): Promise<ParsedMessage> {
  const outcome = await parseMime(fixture(name));
  expect(outcome.ok ? 'ok' : `${outcome.code}: ${outcome.reason}`).toBe('ok');
  return outcome.message;
}

/** Attachments as filename → the original file they must be, byte for byte. */
const files = (message: ParsedMessage) => message.attachments.map((a) => ({ filename: a.filename, sha256: a.sha256, size: a.size }));
const original = (filename: string | null, file: string) => ({ filename, sha256: sha256(attachmentFile(file)), size: attachmentFile(file).length });

const codesIn = (message: ParsedMessage) => extractFromMail({ ...message, listUnsubscribe: null }).codes;

describe('encoded words as mailers really write them', () => {
  it('reads raw 8-bit bytes inside an encoded word as bytes of its charset, not as UTF-8 read twice (Eudora)', async () => {
    const message = await parsed('eudora-8bit-in-encoded-words');

    expect(message.subject).toBe('Die Hasen und die Frösche');
    expect(message.from).toEqual({ name: 'Jürgen Fröhlich', address: 'juergen@example.de' });
    expect(message.cc).toEqual([{ name: '“Team Grün”', address: 'gruen@example.de' }]);
    expect(message.headers).toContainEqual({ name: 'Subject', value: 'Die Hasen und die Frösche' });
    expect(codesIn(message)).toEqual(['582014']);
  });

  it('decodes UTF-7 encoded words, Q and B, in the subject and a display name', async () => {
    const message = await parsed('utf7-encoded-words');

    expect(message.subject).toBe('Frösche und Hasen');
    expect(message.from).toEqual({ name: 'Zoë Müller', address: 'zoe@example.org' });
  });

  it('joins a character split across two encoded words, Q or B, before decoding it', async () => {
    const message = await parsed('encoded-words-split-mid-character');

    expect(message.subject).toBe('Café crème €5');
    expect(message.from).toEqual({ name: '日本語', address: 'nihongo@example.jp' });
  });

  it('knows the charset names mailers use: x-sjis, ks_c_5601-1987, gb2312 (read as GBK), cp1252, latin1', async () => {
    const message = await parsed('charset-aliases');

    expect(message.from).toEqual({ name: '田中一郎', address: 'tanaka@example.jp' });
    expect(message.to).toEqual([{ name: '김철수', address: 'reader@mailroom.test' }]);
    // 镕 is in GBK but not in GB2312: mail labelled gb2312 is GBK in practice.
    expect(message.cc).toEqual([{ name: '朱镕基', address: 'zhu@example.cn' }]);
    expect(message.subject).toBe('€100 – très');
    expect(message.text).toBe('안녕하세요, 회의는 내일입니다.');
    expect(message.html).toContain('<p>朱镕基 你好</p>');
  });
});

describe('raw 8-bit bytes in headers, guessed per header field', () => {
  it('keeps valid UTF-8 and reads the rest as Windows-1252, so smart quotes and € survive', async () => {
    const message = await parsed('raw-8bit-headers-per-field');

    expect(message.from).toEqual({ name: 'Zoë Ångström', address: 'zoe@example.se' });
    expect(message.to).toEqual([{ name: 'Jürgen Müller', address: 'reader@mailroom.test' }]);
    expect(message.subject).toBe('“Quarterly” invoice – €1,250 for Zoë');
    expect(message.headers).toContainEqual({ name: 'X-Note', value: 'naïve café' });
  });

  it('reads them in the charset the message declares when that is not a Unicode one (Shift_JIS, ISO-8859-2)', async () => {
    const japanese = await parsed('raw-8bit-headers-declared-charset');
    const czech = await parsed('raw-8bit-headers-latin2');

    expect(japanese.subject).toBe('会議の予定について');
    expect(japanese.from).toEqual({ name: '山田花子', address: 'hanako@example.jp' });
    expect(czech.subject).toBe('Příliš žluťoučký kůň');
    expect(czech.from).toEqual({ name: 'Jiří Dvořák', address: 'jiri@example.cz' });
  });

  it("reads a part's raw 8-bit filename the same way", async () => {
    const raw = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: f\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n'),
      Buffer.from('Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="Pr\xfcfung \x96 Q3.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b--\r\n', 'latin1'),
    ]);

    const outcome = await parseMime(raw);

    expect(outcome.message.attachments.map((a) => a.filename)).toEqual(['Prüfung – Q3.pdf']);
  });

  it('never changes a header of valid UTF-8, even when the message declares another charset', async () => {
    const raw = Buffer.from('From: Zoë <z@example.org>\r\nSubject: Grüße 🎉\r\nContent-Type: text/plain; charset=iso-8859-2\r\n\r\nx\r\n', 'utf8');

    const outcome = await parseMime(raw);

    expect(outcome.message.subject).toBe('Grüße 🎉');
    expect(outcome.message.from).toEqual({ name: 'Zoë', address: 'z@example.org' });
  });
});

describe('uuencoded files', () => {
  it('decodes parts in x-uuencode and uuencode transfer encodings to their real bytes, named by their begin line when the part is not', async () => {
    const message = await parsed('uuencoded-parts');

    expect(files(message)).toEqual([original('checklist.txt', 'checklist.txt'), original('chart.png', 'chart.png')]);
  });

  it('serves a uuencoded part from the raw message, as it does every other part', async () => {
    const raw = fixture('uuencoded-parts');
    const message = await parsed('uuencoded-parts');

    expect(message.attachments.map((a) => sha256(cutPart(raw, a.partId!)!))).toEqual(message.attachments.map((a) => a.sha256));
  });

  it('takes begin … end blocks out of plain text as attachments, and extracts codes from the text that is left', async () => {
    const message = await parsed('uuencoded-in-text');

    expect(files(message)).toEqual([original('logo.png', 'logo.png'), original('Q3 report.pdf', 'q3-report.pdf')]);
    expect(message.attachments.map((a) => [a.contentType, a.partId, a.inline])).toEqual([
      ['image/png', null, false],
      ['application/pdf', null, false],
    ]);
    expect(message.text).not.toMatch(/^M/m);
    expect(message.text).toContain('the logo:');
    expect(message.text).toContain('and the report:');
    // A "begin" line with nothing uuencoded after it is text.
    expect(message.text).toContain('begin 644 is how this line starts, but nothing encoded follows.');
    expect(codesIn(message)).toEqual(['240617']);
  });

  it('leaves a block cut off before its end line in the text', async () => {
    const raw = Buffer.from('From: a@example.com\r\nSubject: cut\r\n\r\nbegin 644 a.txt\r\n,:&5L;&\\@=V]R;&0*\r\n', 'latin1');

    const outcome = await parseMime(raw);

    expect(outcome.message.attachments).toEqual([]);
    expect(outcome.message.text).toContain('begin 644 a.txt');
  });
});

describe('embedded messages', () => {
  it('gives a forwarded message exactly the bytes it was sent with, raw 8-bit headers and all', async () => {
    const message = await parsed('forwarded-8bit-headers');

    expect(message.attachments.map((a) => [a.contentType, a.filename])).toEqual([['message/rfc822', 'Budget ete 2027.eml']]);
    expect(message.attachments[0].content.equals(attachmentFile('forwarded-8bit-original.eml'))).toBe(true);
    expect(files(message)).toEqual([original('Budget ete 2027.eml', 'forwarded-8bit-original.eml')]);
  });

  it('lists a message forwarded inline as an attachment of its exact bytes too, while its text stays readable in the body', async () => {
    const message = await parsed('forwarded-inline-old-style-addresses');

    expect(message.attachments.map((a) => [a.contentType, a.partId, a.inline])).toEqual([['message/rfc822', '2', true]]);
    expect(files(message)).toEqual([original(null, 'forwarded-inline-original.eml')]);
    expect(message.text).toContain('The notes are ready.');
  });

  it("keeps a bounce's delivery report and returned headers as attachments, in MIME order, and its notice as the text", async () => {
    const message = await parsed('delivery-status-bounce');

    expect(message.attachments.map((a) => [a.contentType, a.partId])).toEqual([
      ['message/delivery-status', '2'],
      ['text/rfc822-headers', '3'],
    ]);
    expect(message.attachments[0].content.toString()).toContain('Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n');
    expect(message.text).toContain('550 5.1.1 User unknown');
  });
});

describe('parts mailparser would show only inline', () => {
  it('lists each message of a digest as a message/rfc822 attachment of its exact bytes: digest parts are messages unless they say otherwise', async () => {
    const message = await parsed('mailing-list-digest');

    expect(message.attachments.map((a) => [a.contentType, a.partId, a.inline])).toEqual([
      ['message/rfc822', '2.1', true],
      ['message/rfc822', '2.2', true],
    ]);
    expect(files(message)).toEqual([original(null, 'digest-message-1.eml'), original(null, 'digest-message-2.eml')]);
  });

  it('lists text files attached inline with a name, decoded, while their text stays in the body', async () => {
    const message = await parsed('inline-text-files');

    expect(files(message)).toEqual([original('meeting-notes.txt', 'meeting-notes.txt'), original('checklist.txt', 'checklist.txt')]);
    expect(message.attachments.map((a) => a.inline)).toEqual([true, true]);
    expect(message.text).toContain('- order more brass');
  });

  it('reads a Content-Type with no subtype ("text") as text/plain, so the part is text, not a file', async () => {
    const message = await parsed('inline-text-files');

    expect(message.text!.trimEnd().endsWith('Grace')).toBe(true);
    expect(message.attachments.map((a) => a.filename)).not.toContain(null);
  });
});

describe('addresses as old mailers write them', () => {
  it('takes the name from an old-style address comment, "address (Name)"', async () => {
    const forwarded = await parsed('forwarded-inline-old-style-addresses');
    const bounce = await parsed('delivery-status-bounce');

    expect(forwarded.from).toEqual({ name: 'Grace Hopper', address: 'grace@example.com' });
    expect(forwarded.to).toEqual([{ name: 'The Reader', address: 'reader@mailroom.test' }]);
    expect(bounce.from).toEqual({ name: 'Mail Delivery System', address: 'MAILER-DAEMON@mx.example.net' });
  });
});

describe('parts that are named or typed the way mailers do it', () => {
  it('reads RFC 2231 filenames: percent-encoded, continued, encoded and continued, with a language; and RFC 2047 in quotes', async () => {
    const message = await parsed('rfc2231-filenames');

    expect(files(message)).toEqual([
      original('Prüfbericht – Q3.pdf', 'q3-report.pdf'),
      original('checklist-with-a-name-long-enough-that-mailers-split-it.txt', 'checklist.txt'),
      original('図表.png', 'chart.png'),
      original('Grüße.png', 'logo.png'),
      original('Übersicht.ics', 'invite.ics'),
    ]);
  });

  it('takes a part with no Content-Type as US-ASCII text, and the first of two Content-Types', async () => {
    const message = await parsed('content-type-missing-or-duplicate');

    expect(message.text).toBe('This first part has no header at all, so it is text/plain in US-ASCII.');
    expect(files(message)).toEqual([original('Q3 report.pdf', 'q3-report.pdf'), original('checklist.txt', 'checklist.txt')]);
    expect(message.attachments[0].contentType).toBe('application/pdf');
  });

  it('reads Content-Transfer-Encoding in any case, with spaces and tabs around it', async () => {
    const message = await parsed('transfer-encoding-odd-case');

    expect(message.text).toBe('Grüße, der Code ist 771203.');
    expect(files(message)).toEqual([original('chart.png', 'chart.png'), original('checklist.txt', 'checklist.txt')]);
    expect(codesIn(message)).toEqual(['771203']);
  });

  it('makes the text of HTML-only mail from its HTML, which codes and links are read from', async () => {
    const message = await parsed('html-only');
    const extracted = extractFromMail({ ...message, listUnsubscribe: null });

    expect(message.text).toContain('Your verification code is 604218.');
    expect(message.text).toContain('Café & crème – Acme');
    expect(message.text).not.toContain('color:#333');
    expect(extracted.codes).toEqual(['604218']);
    expect(extracted.links).toContainEqual(expect.objectContaining({ url: 'https://accounts.example.com/verify?token=q8Zt2&lang=en' }));
  });
});
