import { isUtf8 } from 'node:buffer';
import iconv = require('iconv-lite');
import type { HeaderBlock } from './mime-structure';

/**
 * Mailers put bytes in headers that RFC 2047 does not allow, and mailparser reads every raw byte as UTF-8.
 * Before parsing, each header block that needs it is rewritten into what the mailer meant, as clean UTF-8:
 * - raw 8-bit bytes inside an encoded word (Eudora's `=?iso-8859-1?Q?Fr<F6>sche?=`) are bytes of the word's
 *   charset, so they become `=F6` rather than being read as UTF-8 first;
 * - spaces inside an encoded word are kept as spaces (`_`), as Python's `email` and mail readers decode them;
 * - UTF-7 encoded words, which libmime refuses to decode, are decoded here and written as UTF-8 words;
 * - raw 8-bit bytes outside encoded words are kept when they are valid UTF-8 (RFC 6532), and otherwise read,
 *   per header field, in the charset the part declares, the message's first declared charset, or Windows-1252
 *   (a superset of Latin-1's printable range; for the five bytes it leaves undefined, Latin-1);
 * - a Content-Type that is not `type/subtype` (`Content-Type: text`) is text/plain, as RFC 2045 §5.2 says.
 * The stored raw message is never touched: this is the parser's input only.
 */
export function repairHeaders(raw: Buffer, blocks: HeaderBlock[]): Buffer {
  const messageCharset = blocks.map((b) => declaredEightBit(b.charset)).find((c) => c !== undefined);
  const pieces: Buffer[] = [];
  let copied = 0;
  for (const block of blocks) {
    const text = raw.toString('latin1', block.start, block.end);
    const badType = block.contentType !== undefined && !MEDIA_TYPE.test(block.contentType);
    if (!badType && !NEEDS_REPAIR.test(text)) continue;
    const fallback = declaredEightBit(block.charset) ?? messageCharset ?? 'windows-1252';
    const fields = fieldsOf(text).map((field) => (badType ? field.replace(CONTENT_TYPE_VALUE, '$1text/plain') : field));
    pieces.push(raw.subarray(copied, block.start), Buffer.concat(fields.map((field) => repairField(field, fallback))));
    copied = block.end;
  }
  if (copied === 0) return raw;
  pieces.push(raw.subarray(copied));
  return Buffer.concat(pieces);
}

/** An encoded word as mailers write it: raw 8-bit bytes and white space inside included. */
const ENCODED_WORD = /=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=/g;
const NEEDS_REPAIR = /[\x80-\xff]|=\?[^?\s]+\?[QqBb]\?[^?]*[\s\x80-\xff][^?]*\?=|=\?(?:unicode-1-1-)?utf-?7[?*]/i;
const MEDIA_TYPE = /^[!#$%&'*+.^`|~\w-]+\/[!#$%&'*+.^`|~\w-]+\s*(?:;|$)/;
const CONTENT_TYPE_VALUE = /^(content-type[ \t]*:[ \t]*)[^;\r\n]*/i;
const UTF7 = /^(?:unicode-1-1-)?utf-?7$/i;
const UNICODE_OR_ASCII = /^(?:utf-?8|(?:us-)?ascii|utf-?7|unicode-1-1-utf-7)$/i;
const LATIN1 = /^(?:iso[-_]?8859-1|latin-?1|l1|iso_8859-1:1987|cp819|ibm819)$/i;

/** A declared charset to read raw 8-bit header bytes in (not a Unicode one); Latin-1 is read as its superset, Windows-1252. */
function declaredEightBit(charset: string | undefined): string | undefined {
  const name = charset?.trim();
  if (!name || UNICODE_OR_ASCII.test(name) || !iconv.encodingExists(name)) return undefined;
  return LATIN1.test(name) ? 'windows-1252' : name;
}

/** Splits a header block (as latin1 text, one character per byte) into fields, each with its folded lines and line ends. */
function fieldsOf(block: string): string[] {
  const fields: string[] = [];
  for (const line of block.split(/(?<=\n)/)) {
    if (fields.length > 0 && (line[0] === ' ' || line[0] === '\t')) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  return fields;
}

function repairField(field: string, fallback: string): Buffer {
  const words = field.replace(ENCODED_WORD, repairWord);
  const bytes = Buffer.from(words, 'latin1');
  if (!/[\x80-\xff]/.test(words) || isUtf8(bytes)) return bytes;
  return Buffer.from(decodeGuessed(bytes, fallback), 'utf8');
}

function repairWord(word: string, charset: string, encoding: string, text: string): string {
  if (UTF7.test(charset.split('*')[0])) {
    const decoded = iconv.decode(wordBytes(encoding, text), 'utf7');
    return `=?UTF-8?B?${Buffer.from(decoded, 'utf8').toString('base64')}?=`;
  }
  if (!/[\s\x80-\xff]/.test(text)) return word;
  const clean =
    encoding.toUpperCase() === 'Q'
      ? text.replace(/\r?\n/g, '').replace(/[ \t]/g, '_').replace(/[\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase()}`)
      : text.replace(/[^A-Za-z0-9+/=]/g, '');
  return `=?${charset}?${encoding}?${clean}?=`;
}

/** The bytes an encoded word's text stands for (RFC 2047 §4), as latin1 text in, bytes out. */
function wordBytes(encoding: string, text: string): Buffer {
  if (encoding.toUpperCase() === 'B') return Buffer.from(text.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  const q = text.replace(/[ \t\r\n]/g, '').replace(/_/g, ' ');
  return Buffer.from(q.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

/**
 * Raw header bytes read in `charset`, or in Windows-1252 when they are not valid there; a byte Windows-1252
 * leaves undefined stays what Latin-1 makes of it.
 */
function decodeGuessed(bytes: Buffer, charset: string): string {
  if (charset !== 'windows-1252') {
    const decoded = iconv.decode(bytes, charset);
    if (!decoded.includes('\ufffd')) return decoded;
  }
  const decoded = iconv.decode(bytes, 'windows-1252');
  // A single-byte charset: the nth character is the nth byte.
  return decoded.includes('\ufffd') ? Array.from(decoded, (c, i) => (c === '\ufffd' ? String.fromCharCode(bytes[i]) : c)).join('') : decoded;
}
