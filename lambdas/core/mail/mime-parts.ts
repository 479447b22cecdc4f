import { UUENCODE_TRANSFER_ENCODINGS, uudecodePart } from './uuencode';

/**
 * Cuts one MIME part's body out of a raw message, by its IMAP-style part number ("2", "1.3", as mailparser's
 * `partId` names attachments), and undoes its transfer encoding. It lets an attachment be served from the raw
 * message alone, without a copy of its own and without the full parser in every function that serves it. The
 * parser checks at receipt that this gives back the very bytes it found (see message-writer.ts); a part it cannot
 * reproduce is stored as an object instead.
 */
export function cutPart(raw: Buffer, partId: string): Buffer | undefined {
  return cutParts(raw, [partId])[0];
}

/**
 * Several parts of one message. The walk reads header lines and delimiter lines from the bytes (latin1: one character
 * per byte) and jumps over everything else, so a large message is never turned into one string.
 */
export function cutParts(raw: Buffer, partIds: string[]): (Buffer | undefined)[] {
  return partIds.map((partId) => cutOne(raw, partId));
}

/**
 * Parts inside multiparts that mailparser shows inline in the text rather than listing: messages themselves
 * (message/rfc822, message/delivery-status, …, and every part of a multipart/digest, whose parts are messages
 * unless they say otherwise) and text parts that carry a filename.
 */
export function partsShownInline(raw: Buffer): { partId: string; contentType: string; headers: Map<string, string> }[] {
  const found: { partId: string; contentType: string; headers: Map<string, string> }[] = [];
  const walk = (entity: Entity, partId: string, defaultType: string) => {
    const { headers, bodyStart } = readHeaders(raw, entity);
    const declared = headers.get('content-type');
    const contentType = (declared?.split(';')[0].trim() || defaultType).toLowerCase();
    if (contentType.startsWith('multipart/')) {
      const boundary = boundaryOf(declared!);
      if (boundary === undefined) return;
      const childType = contentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
      partsOf(raw, bodyStart, entity.end, boundary).forEach((child, i) => walk(child, partId ? `${partId}.${i + 1}` : String(i + 1), childType));
      return;
    }
    const named = /(?:^|;)\s*(?:file)?name\*?(?:\d+\*?)?\s*=/i;
    const attached = /^\s*attachment\b/i.test(headers.get('content-disposition') ?? '');
    const namedText = contentType.startsWith('text/') && !attached && (named.test(headers.get('content-disposition') ?? '') || named.test(declared ?? ''));
    if (partId && (contentType.startsWith('message/') || namedText)) found.push({ partId, contentType, headers });
  };
  walk({ start: 0, end: raw.length }, '', 'text/plain');
  return found;
}

function cutOne(raw: Buffer, partId: string): Buffer | undefined {
  let entity: Entity | undefined = { start: 0, end: raw.length };
  for (const step of partId.split('.').map(Number)) {
    if (!entity || !Number.isInteger(step) || step < 1) return undefined;
    entity = childOf(raw, entity, step);
  }
  if (!entity) return undefined;
  const { headers, bodyStart } = readHeaders(raw, entity);
  return decodeBody(raw.subarray(bodyStart, entity.end), headers.get('content-transfer-encoding'));
}

/** A header block and its body: `start` is where its headers begin, `end` where its body ends. */
interface Entity {
  start: number;
  end: number;
}

/** Part `n` of a multipart entity; of an embedded message (message/rfc822), part `n` of its body; part 1 of a leaf is itself. */
function childOf(raw: Buffer, entity: Entity, n: number): Entity | undefined {
  const { headers, bodyStart } = readHeaders(raw, entity);
  const contentType = (headers.get('content-type') ?? 'text/plain').toLowerCase();
  if (contentType.startsWith('multipart/')) {
    const boundary = boundaryOf(headers.get('content-type')!);
    return boundary === undefined ? undefined : partsOf(raw, bodyStart, entity.end, boundary)[n - 1];
  }
  if (contentType.startsWith('message/rfc822')) return childOf(raw, { start: bodyStart, end: entity.end }, n);
  return n === 1 ? entity : undefined;
}

/** The parts between the delimiter lines of `boundary`; a part ends at the line break before the next delimiter. */
function partsOf(raw: Buffer, from: number, to: number, boundary: string): Entity[] {
  const delimiter = `--${boundary}`;
  const parts: Entity[] = [];
  let partStart = -1;
  // Jumps from one occurrence of the delimiter to the next: a large attachment's lines are never walked one by one.
  for (let at = raw.indexOf(delimiter, from, 'latin1'); at >= 0 && at < to; at = raw.indexOf(delimiter, at + 1, 'latin1')) {
    if (at > from && raw[at - 1] !== 0x0a) continue;
    const lineEnd = Math.min(nextLineEnd(raw, at), to);
    const rest = raw.toString('latin1', at + delimiter.length, lineEnd).replace(/\r?\n$/, '');
    const closing = rest.startsWith('--');
    if (!closing && rest.trim() !== '') continue;
    if (partStart >= 0) parts.push({ start: partStart, end: lineBreakBefore(raw, at, partStart) });
    if (closing) return parts;
    partStart = lineEnd;
  }
  // No closing delimiter: the last part runs to the end, as mail readers take it.
  if (partStart >= 0) parts.push({ start: partStart, end: to });
  return parts;
}

const nextLineEnd = (raw: Buffer, at: number): number => {
  const lf = raw.indexOf(0x0a, at);
  return lf < 0 ? raw.length : lf + 1;
};

/** Where the line break that ends a part begins (it belongs to the delimiter after it). */
function lineBreakBefore(raw: Buffer, delimiterAt: number, partStart: number): number {
  let end = delimiterAt;
  if (end > partStart && raw[end - 1] === 0x0a) end--;
  if (end > partStart && raw[end - 1] === 0x0d) end--;
  return end;
}

/** Header fields by lowercased name (the first of each, unfolded), and where the body begins. */
function readHeaders(raw: Buffer, entity: Entity): { headers: Map<string, string>; bodyStart: number } {
  const headers = new Map<string, string>();
  let at = entity.start;
  let field = '';
  const endField = () => {
    const colon = field.indexOf(':');
    if (colon > 0) {
      const name = field.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, field.slice(colon + 1).trim());
    }
    field = '';
  };
  while (at < entity.end) {
    const lineEnd = Math.min(nextLineEnd(raw, at), entity.end);
    const line = raw.toString('latin1', at, lineEnd).replace(/\r?\n$/, '');
    at = lineEnd;
    if (line === '') break;
    if (/^[ \t]/.test(line)) field += ` ${line.trim()}`;
    else {
      endField();
      field = line;
    }
  }
  endField();
  return { headers, bodyStart: at };
}

function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

function decodeBody(body: Buffer, encoding: string | undefined): Buffer | undefined {
  const name = (encoding ?? '7bit').trim().toLowerCase();
  if (UUENCODE_TRANSFER_ENCODINGS.has(name)) return uudecodePart(body.toString('latin1'))?.content;
  switch (name) {
    case 'base64':
      // Node's decoder skips line breaks and characters that are not base64, as mailparser's does.
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    case '7bit':
    case '8bit':
    case 'binary':
      return body;
    default:
      return undefined;
  }
}

/** RFC 2045 §6.7: `=XX` is a byte, `=` at a line's end a soft break; trailing white space on a line is not content. */
function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/[ \t]+(?=\r?\n|$)/g, '');
  const out = Buffer.alloc(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d) {
      const soft = /^\r?\n/.exec(text.slice(i + 1, i + 3));
      if (soft) {
        i += soft[0].length;
        continue;
      }
      const hex = text.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[n++] = parseInt(hex, 16);
        i += 2;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}
