/**
 * Object keys as file paths, one directory per `/`-separated segment. Each segment keeps only `a-z 0-9 _ -` and
 * writes every other UTF-8 byte as `%XX`, so a key can never climb out of the store (no `.` or `..`), two keys
 * that differ only in case stay apart on macOS's and Windows' case-insensitive disks, and no name is forbidden
 * anywhere. Objects end in `.o` and empty segments are `.e`: an encoded name never has a dot, so `a` (an object)
 * and `a/b` (under a directory) never collide, as they do not in S3.
 */

const OBJECT_SUFFIX = '.o';
const EMPTY_SEGMENT = '.e';
/** File systems name at most 255 bytes; a segment whose encoding is longer cannot be stored. */
const MAX_NAME_BYTES = 255;
/** S3's limit on a key. */
export const MAX_KEY_BYTES = 1024;

const KEPT = /^[a-z0-9_-]$/;

function encodeSegment(segment: string): string {
  let out = '';
  for (const byte of Buffer.from(segment, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += KEPT.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export class BlobKeyError extends Error {
  override name = 'BlobKeyError';
}

/** The directory names and the object's file name for `key`. */
export function pathOf(key: string): { dirs: string[]; file: string } {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new BlobKeyError(`object key is longer than ${MAX_KEY_BYTES} bytes`);
  if (key === '') throw new BlobKeyError('object key is empty');
  const segments = key.split('/');
  const names = segments.map((segment, i) => {
    const name = i === segments.length - 1 ? encodeSegment(segment) + OBJECT_SUFFIX : segment === '' ? EMPTY_SEGMENT : encodeSegment(segment);
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new BlobKeyError(`object key segment "${segment.slice(0, 40)}…" is too long to name a file`);
    return name;
  });
  return { dirs: names.slice(0, -1), file: names[names.length - 1] };
}

/** The directories a prefix names in full, and the start of a segment it names in part (`''` when it ends at a `/`). */
export function prefixPath(prefix: string): { dirs: string[]; partial: string } {
  const segments = prefix.split('/');
  const partial = segments.pop()!;
  return { dirs: segments.map((s) => (s === '' ? EMPTY_SEGMENT : encodeSegment(s))), partial };
}

/** The key segment a directory entry stands for (an object or a directory), or undefined for anything else. */
export function segmentOf(name: string): string | undefined {
  if (name === EMPTY_SEGMENT) return '';
  if (name.endsWith(OBJECT_SUFFIX)) return decodeURIComponent(name.slice(0, -OBJECT_SUFFIX.length));
  return name.includes('.') ? undefined : decodeURIComponent(name);
}
