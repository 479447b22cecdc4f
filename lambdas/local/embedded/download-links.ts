import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DownloadLink } from '../../ports';

/** Where the laptop's HTTP listener serves objects from the embedded blob store. */
export const DOWNLOAD_PATH = '/downloads/';

export interface SignedDownload {
  key: string;
  contentType: string;
  filename: string;
}

/**
 * The embedded blob store's stand-in for S3 presigned GET links: a URL on the local HTTP listener naming the key,
 * the content type and filename to answer with and an expiry, signed with HMAC-SHA256. As with S3, the link is
 * the credential and none of it can be changed. The secret lives only in memory, so links end with the process.
 */
export class DownloadLinks {
  private readonly secret = randomBytes(32);
  private origin: string | undefined;

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** The listener's origin (`http://host:port`), known once it listens. */
  serveFrom(origin: string): void {
    this.origin = origin;
  }

  url(key: string, link: DownloadLink): string {
    if (!this.origin) throw new Error('download links need the HTTP listener, which has not started');
    const expires = String(Math.floor(this.nowMs() / 1000) + link.expiresInSeconds);
    const query = new URLSearchParams({ type: link.contentType, filename: link.filename, expires });
    query.set('signature', this.sign(key, query));
    return `${this.origin}${DOWNLOAD_PATH}${encodeURIComponent(key)}?${query}`;
  }

  /** What a requested URL may download, or why it may not. */
  check(url: URL): SignedDownload | { refused: string } {
    const q = url.searchParams;
    const [type, filename, expires, signature] = ['type', 'filename', 'expires', 'signature'].map((name) => q.get(name));
    if (type === null || filename === null || expires === null || signature === null) return { refused: 'the link is incomplete' };
    let key: string;
    try {
      key = decodeURIComponent(url.pathname.slice(DOWNLOAD_PATH.length));
    } catch {
      return { refused: 'the link is malformed' };
    }
    const expected = Buffer.from(this.sign(key, new URLSearchParams({ type, filename, expires })));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { refused: 'the link signature does not match' };
    if (Number(expires) * 1000 < this.nowMs()) return { refused: 'the link has expired' };
    return { key, contentType: type, filename };
  }

  private sign(key: string, query: URLSearchParams): string {
    // JSON keeps the fields apart whatever characters they hold.
    const signed = JSON.stringify([key, query.get('type'), query.get('filename'), query.get('expires')]);
    return createHmac('sha256', this.secret).update(signed).digest('base64url');
  }
}
