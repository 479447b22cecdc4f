import { randomBytes } from 'node:crypto';

/**
 * A copy of `raw` with a new Message-ID of the same length: each delivery is then a new message, as mail is,
 * rather than the same message sent again into its own thread.
 */
export function withFreshMessageId(raw: Buffer): Buffer {
  const headerEnd = raw.indexOf('\r\n\r\n');
  const headers = raw.subarray(0, headerEnd < 0 ? raw.length : headerEnd).toString('latin1');
  const found = /^Message-ID:[ \t]*<([^>@\r\n]+)@/im.exec(headers);
  const copy = Buffer.from(raw);
  if (!found) return copy;
  const localPart = found[1];
  copy.write(randomBytes(localPart.length).toString('hex').slice(0, localPart.length), found.index + found[0].length - localPart.length - 1, 'latin1');
  return copy;
}
