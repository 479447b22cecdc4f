/**
 * uuencoded files, as old mailers (Eudora, Outlook Express, Usenet gateways) still send them: either a MIME
 * part with `Content-Transfer-Encoding: x-uuencode`, or `begin 644 name` … `end` blocks inside plain text.
 * Neither is decoded by mailparser.
 */

/** The transfer encodings that mean uuencode. */
export const UUENCODE_TRANSFER_ENCODINGS = new Set(['x-uuencode', 'uuencode', 'x-uue', 'uue']);

export interface UuencodedFile {
  filename: string;
  content: Buffer;
}

export interface UuencodedBlock extends UuencodedFile {
  /** Where the block is in the text searched: from its `begin` line to the end of its `end` line. */
  start: number;
  end: number;
}

const BEGIN = /^begin [0-7]{3,4} (\S[^\r\n]*?)[ \t]*\r?$/gm;

/** The one file a uuencoded part holds; a missing `end` line (a cut-off message) keeps what came before it. */
export function uudecodePart(body: string): UuencodedFile | undefined {
  BEGIN.lastIndex = 0;
  const begin = BEGIN.exec(body);
  if (!begin) return undefined;
  const decoded = decodeLines(body, begin.index + begin[0].length, false);
  return decoded && { filename: begin[1], content: decoded.content };
}

/** The complete `begin` … `end` blocks in a text; a block with any line that is not uuencode is left as text. */
export function findUuencodedBlocks(text: string): UuencodedBlock[] {
  const blocks: UuencodedBlock[] = [];
  BEGIN.lastIndex = 0;
  for (let begin = BEGIN.exec(text); begin; begin = BEGIN.exec(text)) {
    const decoded = decodeLines(text, begin.index + begin[0].length, true);
    if (!decoded) continue;
    blocks.push({ filename: begin[1], content: decoded.content, start: begin.index, end: decoded.end });
    BEGIN.lastIndex = decoded.end;
  }
  return blocks;
}

/** Decodes the lines after a `begin` line up to `end`: each line's first character is its byte count, then 4 characters per 3 bytes. */
function decodeLines(text: string, from: number, needEnd: boolean): { content: Buffer; end: number } | undefined {
  const chunks: Buffer[] = [];
  let at = text.indexOf('\n', from) + 1;
  if (at === 0) return undefined;
  while (at < text.length) {
    const newline = text.indexOf('\n', at);
    const lineEnd = newline < 0 ? text.length : newline + 1;
    const line = text.slice(at, lineEnd).replace(/\r?\n$/, '');
    at = lineEnd;
    if (/^end\s*$/.test(line)) return { content: Buffer.concat(chunks), end: lineEnd };
    const bytes = decodeLine(line);
    if (!bytes) return undefined;
    chunks.push(bytes);
  }
  return needEnd ? undefined : { content: Buffer.concat(chunks), end: text.length };
}

function decodeLine(line: string): Buffer | undefined {
  // An empty line stands for a line of no bytes, as "`" and " " do.
  if (line === '') return Buffer.alloc(0);
  const count = (line.charCodeAt(0) - 32) & 63;
  // Encoders that trim trailing spaces leave lines short; a space is a zero.
  const chars = line.slice(1).padEnd(Math.ceil(count / 3) * 4, ' ');
  if (!/^[ -`]*$/.test(chars) || line.charCodeAt(0) < 32 || line.charCodeAt(0) > 96) return undefined;
  const out = Buffer.alloc(Math.ceil(count / 3) * 3);
  for (let i = 0, o = 0; o < out.length; i += 4) {
    const [a, b, c, d] = [0, 1, 2, 3].map((k) => (chars.charCodeAt(i + k) - 32) & 63);
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
    out[o++] = ((c & 3) << 6) | d;
  }
  return out.subarray(0, count);
}
