import { createHash, randomBytes } from 'node:crypto';
import { encodeTime } from 'ulid';

/** Crockford base32, as ULIDs use: ids sort by creation time and read well in URLs. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(bytes: Buffer, length: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** A ULID whose time part is `at` and whose random part is taken from `entropy` (10 bytes used). */
function ulidFrom(at: Date, entropy: Buffer): string {
  return encodeTime(at.getTime(), 10) + base32(entropy, 16);
}

export function newId(prefix: string, at: Date): string {
  return `${prefix}_${ulidFrom(at, randomBytes(10))}`;
}

/**
 * The same inputs always give the same id, so a redelivered SES event lands on the item it already
 * wrote (and `attribute_not_exists` turns the retry into a no-op) while ids still sort by receive time.
 */
export function deterministicId(prefix: string, at: Date, ...seed: string[]): string {
  return `${prefix}_${ulidFrom(at, createHash('sha256').update(seed.join('\u0000')).digest())}`;
}

export const ID_PATTERN = /^[a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** A stable id derived only from `seed` (no time part), e.g. a thread named by its first Message-ID. */
export function hashId(prefix: string, ...seed: string[]): string {
  return `${prefix}_${base32(createHash('sha256').update(seed.join('\u0000')).digest(), 26)}`;
}
