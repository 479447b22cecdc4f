import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cutPart } from '../../lambdas/core/mail/mime-parts';
import { parseMime } from '../../lambdas/core/mail/parse-mime';
import { compose } from '../support/mime';

const corpus = ['emails', 'extraction', 'extraction-independent'].flatMap((dir) =>
  readdirSync(join(__dirname, '../fixtures', dir))
    .filter((name) => name.endsWith('.eml'))
    .map((name) => [`${dir}/${name}`, readFileSync(join(__dirname, '../fixtures', dir, name))] as const),
);

describe('cutting an attachment out of the raw message by its part number', () => {
  it.each(corpus)('gives back every attachment of %s byte for byte, as the parser found it', async (name, raw) => {
    const { message } = await parseMime(raw);

    const ownParts = message.attachments.filter((a) => a.partId !== null);
    // Only the files uuencoded inside a text part are not parts of their own.
    expect(message.attachments.length - ownParts.length).toBe(name.endsWith('/uuencoded-in-text.eml') ? 2 : 0);
    for (const attachment of ownParts) expect(cutPart(raw, attachment.partId!)).toEqual(attachment.content);
  });

  it('undoes quoted-printable and leaves 7bit as it is', async () => {
    const text = 'Résumé: line one\r\n'.repeat(40) + 'a=b and a long line '.repeat(10);
    const raw = await compose({
      to: 'qp@mailroom.test',
      text: 'see attached',
      attachments: [
        { filename: 'notes.txt', content: Buffer.from(text, 'utf8'), contentTransferEncoding: 'quoted-printable' },
        { filename: 'plain.txt', content: 'plain ascii\r\n', contentTransferEncoding: '7bit' },
      ],
    });

    expect(cutPart(raw, '2')!.toString('utf8')).toBe(text);
    expect(cutPart(raw, '3')!.toString('utf8')).toBe('plain ascii\r\n');
  });

  it('answers nothing for a part that is not there, or a part number that is not one', async () => {
    const raw = await compose({ to: 'none@mailroom.test', text: 'x', attachments: [{ filename: 'a.txt', content: 'a' }] });

    expect(cutPart(raw, '9')).toBeUndefined();
    expect(cutPart(raw, '2.5')).toBeUndefined();
    expect(cutPart(raw, 'x')).toBeUndefined();
    expect(cutPart(raw, '0')).toBeUndefined();
  });
});
