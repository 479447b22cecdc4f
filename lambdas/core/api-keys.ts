import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API keys: `mr_` + 43 base62 characters of randomness (256 bits) + 6 base62 characters of CRC-32 checksum,
 * so a mistyped or truncated key is refused before any lookup. Only the SHA-256 hash is ever stored.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PREFIX = 'mr_';
const RANDOM_CHARS = 43;
const CHECKSUM_CHARS = 6;
const KEY_PATTERN = new RegExp(`^${PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`);

function toBase62(bytes: Buffer, width: number): string {
  let n = BigInt(`0x${bytes.toString('hex') || '0'}`);
  let out = '';
  while (out.length < width) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

function checksum(body: string): string {
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(body));
  return toBase62(sum, CHECKSUM_CHARS);
}

export function generateApiKey(): string {
  const body = PREFIX + toBase62(randomBytes(32), RANDOM_CHARS);
  return body + checksum(body);
}

/** True when the key has the right shape and its checksum matches (no storage lookup needed). */
export function isWellFormedApiKey(key: string): boolean {
  if (!KEY_PATTERN.test(key)) return false;
  const body = key.slice(0, -CHECKSUM_CHARS);
  const expected = Buffer.from(checksum(body));
  return timingSafeEqual(expected, Buffer.from(key.slice(-CHECKSUM_CHARS)));
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What may be shown about a key after creation: never enough to use it. */
export function displayHint(key: string): { prefix: string; last4: string } {
  return { prefix: key.slice(0, PREFIX.length + 4), last4: key.slice(-4) };
}
