import { createHash } from 'node:crypto';
import type { AddressObject, ParsedMail } from 'mailparser';
// Required, not imported: mailparser's ESM build and its CommonJS-only dependency mailsplit would otherwise
// bundle libmime twice (once per module format).
import libmime = require('libmime');
import mailparser = require('mailparser');
import { repairHeaders } from './header-repair';
import { cutParts, partsShownInline } from './mime-parts';
import { scanMimeSkeleton } from './mime-structure';
import { findUuencodedBlocks, UUENCODE_TRANSFER_ENCODINGS, uudecodePart } from './uuencode';

/**
 * The one place that knows which MIME parser Mailroom uses. Everything else sees `ParsedMessage`,
 * so switching parsers touches this file only.
 */

export interface ParseLimits {
  /** Largest message parsed at all (SES accepts up to 40 MB). */
  maxBytes: number;
  /** MIME parts of any kind; bounds work on pathological messages. */
  maxParts: number;
  /** multipart containers; each nested level needs one, so this bounds nesting depth. */
  maxMultipartContainers: number;
  /** Bytes of header lines in one part. */
  maxHeaderBytes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxBytes: 40 * 1024 * 1024,
  maxParts: 1000,
  maxMultipartContainers: 100,
  maxHeaderBytes: 1024 * 1024,
};

export interface MailAddress {
  address: string;
  name: string;
}

export interface HeaderField {
  name: string;
  value: string;
}

export interface ParsedAttachment {
  filename: string | null;
  contentType: string;
  contentId: string | null;
  inline: boolean;
  content: Buffer;
  /** Where the part is in the MIME tree, IMAP style ("2", "1.3"); null for an attachment that is not a part of its own. */
  partId: string | null;
  size: number;
  sha256: string;
}

export interface ParsedMessage {
  subject: string;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  date: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  headers: HeaderField[];
  text: string | null;
  html: string | null;
  attachments: ParsedAttachment[];
}

export type ParseFailureCode = 'too_large' | 'too_deep' | 'too_many_parts' | 'header_too_large' | 'malformed';

export type ParseOutcome =
  | { ok: true; message: ParsedMessage }
  /** The body could not be parsed; `headers` holds whatever the top-level header block yielded. */
  | { ok: false; code: ParseFailureCode; reason: string; message: ParsedMessage };

/** Largest top-level header block read when salvaging headers from a message that failed to parse. */
const SALVAGE_HEADER_BYTES = 64 * 1024;

export async function parseMime(raw: Buffer, limits: Partial<ParseLimits> = {}): Promise<ParseOutcome> {
  const l = { ...DEFAULT_PARSE_LIMITS, ...limits };
  if (raw.length > l.maxBytes) {
    return failure(raw, 'too_large', `message is ${raw.length} bytes; the limit is ${l.maxBytes}`);
  }
  const skeleton = scanMimeSkeleton(raw, l.maxMultipartContainers + 1);
  if (skeleton.containers > l.maxMultipartContainers) {
    return failure(raw, 'too_deep', `message nests more than ${l.maxMultipartContainers} multipart containers`);
  }
  try {
    const parsed = await mailparser.simpleParser(repairHeaders(raw, skeleton.headerBlocks), {
      keepCidLinks: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      maxHeadSize: l.maxHeaderBytes,
      maxChildNodes: l.maxParts,
    } as Parameters<typeof mailparser.simpleParser>[1]);
    const message = completeAttachments(toParsedMessage(parsed), parsed, raw, skeleton.partsMaybeInline > 0);
    if (skeleton.missingBoundaries.length > 0) {
      const names = skeleton.missingBoundaries.map((b) => `"${b}"`).join(', ');
      return { ok: false, code: 'malformed', reason: `multipart boundary ${names} never appears, so its parts are lost`, message };
    }
    return { ok: true, message };
  } catch (err) {
    return failure(raw, classify(err), `could not parse MIME: ${(err as Error).message}`);
  }
}

function classify(err: unknown): ParseFailureCode {
  const text = `${(err as { code?: string }).code ?? ''} ${(err as Error).message ?? ''}`;
  if (/child ?nodes|EMAXCHILDNODES/i.test(text)) return 'too_many_parts';
  if (/head(er)? ?size|EMAXHEADSIZE|header.*(too large|exceed)/i.test(text)) return 'header_too_large';
  return 'malformed';
}

async function failure(raw: Buffer, code: ParseFailureCode, reason: string): Promise<ParseOutcome> {
  return { ok: false, code, reason, message: await salvageHeaders(raw) };
}

/** Reads just the top-level header block so a broken message still shows its sender and subject. */
async function salvageHeaders(raw: Buffer): Promise<ParsedMessage> {
  const head = raw.subarray(0, SALVAGE_HEADER_BYTES);
  // Without a blank line within reach, keep the complete lines read so far.
  const end = endOfHeaderBlock(head);
  const block = head.subarray(0, end >= 0 ? end : head.lastIndexOf('\n') + 1);
  try {
    const headersOnly = Buffer.concat([block, Buffer.from('\r\n\r\n')]);
    const parsed = await mailparser.simpleParser(repairHeaders(headersOnly, scanMimeSkeleton(headersOnly).headerBlocks), { skipTextToHtml: true });
    return { ...toParsedMessage(parsed), text: null, html: null, attachments: [] };
  } catch {
    return emptyMessage();
  }
}

function endOfHeaderBlock(bytes: Buffer): number {
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  if (crlf < 0) return lf;
  return lf < 0 ? crlf : Math.min(crlf, lf);
}

function emptyMessage(): ParsedMessage {
  return {
    subject: '',
    from: null,
    to: [],
    cc: [],
    replyTo: [],
    date: null,
    messageId: null,
    inReplyTo: null,
    references: [],
    headers: [],
    text: null,
    html: null,
    attachments: [],
  };
}

function toParsedMessage(parsed: ParsedMail): ParsedMessage {
  return {
    subject: parsed.subject ?? '',
    from: addresses(parsed.from)[0] ?? null,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    replyTo: addresses(parsed.replyTo),
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
    messageId: parsed.messageId ?? null,
    inReplyTo: parsed.inReplyTo ?? null,
    references: parsed.references === undefined ? [] : ([] as string[]).concat(parsed.references),
    headers: parsed.headerLines.map(({ line }) => headerField(line)),
    text: parsed.text ?? null,
    html: typeof parsed.html === 'string' ? parsed.html : null,
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? null,
      contentType: a.contentType,
      contentId: a.contentId ?? null,
      inline: a.contentDisposition === 'inline' || (a.related ?? false),
      content: a.content,
      partId: (a as { partId?: string | null }).partId ?? null,
      ...sized(a.content),
    })),
  };
}

/** By part number ("2" < "2.1" < "10"); files that are not parts of their own come last, as they were. */
function inMimeOrder(a: ParsedAttachment, b: ParsedAttachment): number {
  if (a.partId === null || b.partId === null) return (a.partId === null ? 1 : 0) - (b.partId === null ? 1 : 0);
  const [x, y] = [a.partId.split('.').map(Number), b.partId.split('.').map(Number)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The parts mailparser showed inline in the text rather than listing them, as attachments too. */
function inlineParts(raw: Buffer, listed: ParsedAttachment[]): ParsedAttachment[] {
  const parts = partsShownInline(raw).filter((p) => !listed.some((a) => a.partId === p.partId));
  const bodies = cutParts(raw, parts.map((p) => p.partId));
  return parts.flatMap(({ partId, contentType, headers }, i) => {
    const content = bodies[i];
    if (!content) return [];
    const type = libmime.parseHeaderValue(headers.get('content-type') ?? contentType);
    const disposition = libmime.parseHeaderValue(headers.get('content-disposition') ?? '');
    const name = disposition.params.filename ?? type.params.name;
    return [
      {
        filename: name === undefined ? null : decodeHeaderText(name),
        contentType,
        contentId: headers.get('content-id') ?? null,
        inline: disposition.value.toLowerCase() !== 'attachment',
        content,
        partId,
        ...sized(content),
      },
    ];
  });
}

/** A header value cut from the raw message (one character per byte): raw UTF-8 and encoded words decoded. */
function decodeHeaderText(binary: string): string {
  try {
    return libmime.decodeWords(decodeEightBit(binary));
  } catch {
    return decodeEightBit(binary);
  }
}

const sized = (content: Buffer) => ({ size: content.length, sha256: createHash('sha256').update(content).digest('hex') });

/**
 * What mailparser leaves undone: uuencoded parts are decoded, `begin … end` blocks in the text become attachments
 * of their own (the text keeps the rest), an embedded message (or delivery report) is an attachment of its exact
 * bytes as sent, which the header repair in front of mailparser may have changed, and the parts mailparser shows
 * inline in the text (embedded messages, digests, text files with a name) are listed as attachments too.
 */
function completeAttachments(message: ParsedMessage, parsed: ParsedMail, raw: Buffer, mayShowPartsInline: boolean): ParsedMessage {
  const embedded = message.attachments.map((a) => (/^message\//i.test(a.contentType) ? a.partId : null));
  const exact = embedded.some((id) => id !== null) ? cutParts(raw, embedded.map((id) => id ?? '')) : [];
  const attachments: ParsedAttachment[] = message.attachments.map((a, i) => {
    const asSent = exact[i];
    if (embedded[i] && asSent) return { ...a, content: asSent, ...sized(asSent) };
    const encoding = String(parsed.attachments[i].headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
    const file = UUENCODE_TRANSFER_ENCODINGS.has(encoding) ? uudecodePart(a.content.toString('latin1')) : undefined;
    return file ? { ...a, filename: a.filename ?? file.filename, content: file.content, ...sized(file.content) } : a;
  });
  if (mayShowPartsInline) attachments.push(...inlineParts(raw, attachments));
  attachments.sort(inMimeOrder);
  const blocks = message.text === null ? [] : findUuencodedBlocks(message.text);
  if (blocks.length === 0) return { ...message, attachments };
  let text = '';
  let at = 0;
  for (const block of blocks) {
    text += message.text!.slice(at, block.start);
    at = block.end;
  }
  text += message.text!.slice(at);
  const inText = blocks.map((b) => ({
    filename: b.filename,
    contentType: libmime.detectMimeType(b.filename),
    contentId: null,
    inline: false,
    content: b.content,
    partId: null,
    ...sized(b.content),
  }));
  return { ...message, text, attachments: [...attachments, ...inText] };
}

/** Header lines arrive as binary strings; raw 8-bit headers are usually UTF-8, otherwise Latin-1. */
function decodeEightBit(line: string): string {
  if (!/[\x80-\xff]/.test(line)) return line;
  const utf8 = Buffer.from(line, 'latin1').toString('utf8');
  return utf8.includes('\ufffd') ? line : utf8;
}

function headerField(binaryLine: string): HeaderField {
  const line = decodeEightBit(binaryLine);
  const colon = line.indexOf(':');
  const name = colon >= 0 ? line.slice(0, colon).trim() : line.trim();
  const rawValue = colon >= 0 ? line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim() : '';
  let value = rawValue;
  try {
    value = libmime.decodeWords(rawValue);
  } catch {
    // An undecodable encoded word is shown as sent rather than failing the message.
  }
  return { name, value };
}

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (!field) return [];
  const out: MailAddress[] = [];
  for (const obj of ([] as AddressObject[]).concat(field)) {
    for (const entry of obj.value) {
      if (entry.group) {
        for (const member of entry.group) if (member.address) out.push({ address: member.address, name: member.name ?? '' });
      } else if (entry.address) {
        out.push({ address: entry.address, name: entry.name ?? '' });
      }
    }
  }
  return out;
}
