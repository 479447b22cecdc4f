/**
 * A quick pass over a message's MIME skeleton, before the real parser runs: it reads only header
 * blocks (the top-level one, each part's, each embedded message's) and the boundary lines between
 * them, so a `Content-Type: multipart/...` line quoted in a body is never mistaken for structure.
 *
 * It exists because mailparser has no nesting limit and reports a multipart whose boundary never
 * appears as an ordinary message with an empty body.
 */
export interface MimeSkeleton {
  /** multipart containers declared in header blocks; each nesting level needs one. */
  containers: number;
  /** Declared multipart boundaries with no delimiter line anywhere after their declaration. */
  missingBoundaries: string[];
  /** Every header block found, as byte offsets: from its first line to the blank line that ends it. */
  headerBlocks: HeaderBlock[];
  /** Parts mailparser may show inline in the text instead of listing: declared message/*, digests, text with a name. */
  partsMaybeInline: number;
}

export interface HeaderBlock {
  start: number;
  end: number;
  /** The `charset` its Content-Type declares, if any. */
  charset?: string;
  /** Its Content-Type, unfolded (the first, if there are several). */
  contentType?: string;
}

const BOUNDARY_PARAM = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))/i;
const CHARSET_PARAM = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]+))/i;

/** Scans `raw`; stops counting early once `stopAtContainers` is reached (the result is then partial). */
export function scanMimeSkeleton(raw: Buffer, stopAtContainers = Infinity): MimeSkeleton {
  // Lines are read from the bytes one at a time (latin1: one character per byte): a multi-megabyte message is never
  // turned into one string, which costs more than the scan.
  const declared = new Map<string, boolean>(); // boundary → delimiter seen
  let containers = 0;
  let partsMaybeInline = 0;
  let inHeader = true;
  let contentType = ''; // of the header block being read
  let field = '';
  const headerBlocks: HeaderBlock[] = [];
  let blockStart = 0;

  let disposition = ''; // of the header block being read
  const endField = () => {
    if (/^content-type\s*:/i.test(field) && !contentType) contentType = field.slice(field.indexOf(':') + 1).trim();
    else if (/^content-disposition\s*:/i.test(field)) disposition = field.slice(field.indexOf(':') + 1).trim();
    field = '';
  };
  const endBlock = (end: number) => {
    endField();
    const charset = CHARSET_PARAM.exec(contentType);
    headerBlocks.push({ start: blockStart, end, ...(charset ? { charset: charset[1] ?? charset[2] } : {}), ...(contentType ? { contentType } : {}) });
    const type = contentType.toLowerCase();
    if (type.startsWith('multipart/')) {
      containers++;
      const match = BOUNDARY_PARAM.exec(contentType);
      const boundary = match?.[1] ?? match?.[2];
      if (boundary && !declared.has(boundary)) declared.set(boundary, false);
    }
    const namedText = (type.startsWith('text/') || !type) && !/^attachment\b/i.test(disposition) && /(?:^|[;\s])(?:file)?name\*?(?:\d+\*?)?\s*=/i.test(`${contentType};${disposition}`);
    if (type.startsWith('message/') || type.startsWith('multipart/digest') || namedText) partsMaybeInline++;
    // An embedded message's body starts with its own header block.
    inHeader = type.startsWith('message/rfc822') || type.startsWith('message/global');
    contentType = '';
    disposition = '';
  };

  for (let start = 0; start < raw.length && containers < stopAtContainers; ) {
    if (!inHeader) {
      // In a body only delimiter lines count: jump to the next line that starts with "--" (a body never starts the message).
      const next = raw.indexOf('\n--', start - 1);
      if (next < 0) break;
      start = next + 1;
    }
    const lineStart = start;
    const newline = raw.indexOf(0x0a, start);
    const end = newline < 0 ? raw.length : newline;
    const line = raw.toString('latin1', start, end > start && raw[end - 1] === 0x0d ? end - 1 : end);
    start = end + 1;

    if (inHeader) {
      if (line === '') {
        endBlock(lineStart);
        blockStart = start;
      } else if (line[0] === ' ' || line[0] === '\t') field += line;
      else {
        endField();
        field = line;
      }
    } else if (line.startsWith('--')) {
      const delimiter = line.slice(2).trimEnd();
      if (declared.has(delimiter)) {
        declared.set(delimiter, true);
        inHeader = true;
        blockStart = start;
      } else if (delimiter.endsWith('--') && declared.has(delimiter.slice(0, -2))) {
        declared.set(delimiter.slice(0, -2), true);
      }
    }
  }
  if (inHeader) endBlock(raw.length);

  return { containers, missingBoundaries: [...declared].filter(([, seen]) => !seen).map(([boundary]) => boundary), headerBlocks, partsMaybeInline };
}
