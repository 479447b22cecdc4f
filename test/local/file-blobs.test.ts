import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadLinks } from '../../lambdas/local/embedded/download-links';
import { FileBlobs } from '../../lambdas/local/embedded/file-blobs';
import { startHttpListener, type HttpListener } from '../../lambdas/local/http-listener';

/** Every file and directory under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

const link = { filename: 'report.pdf', contentType: 'application/pdf', expiresInSeconds: 60 };

describe('the embedded file store', () => {
  let root: string;
  let now = Date.now();
  let links: DownloadLinks;
  let blobs: FileBlobs;
  let http: HttpListener;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'mailroom-file-blobs-'));
    links = new DownloadLinks(() => now);
    blobs = new FileBlobs(root, links);
    http = await startHttpListener({ host: '127.0.0.1', port: 0, api: async () => ({ statusCode: 404, headers: {}, body: '' }), downloads: (url) => blobs.serve(url) });
    links.serveFrom(`http://127.0.0.1:${http.port}`);
  });
  afterEach(async () => {
    await http.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps every key inside its directory, whatever dots and slashes it holds', async () => {
    // Prepare
    const keys = ['../outside', './here', 'a//b', '/leading', 'x/..', 'x/../..', '..'];

    // Act
    for (const key of keys) await blobs.put(key, Buffer.from(key));

    // Assess
    for (const key of keys) expect((await blobs.get(key))?.toString()).toBe(key);
    expect(readdirSync(root).sort()).toEqual(['objects', 'tmp']);
    expect(existsSync(join(root, '..', 'outside')) || existsSync(join(root, 'outside'))).toBe(false);
  });

  it('refuses a key longer than S3 allows (1,024 bytes) or a segment too long to name a file, saying which', async () => {
    // Act, Assess
    await expect(blobs.put('k'.repeat(1025), Buffer.from('x'))).rejects.toThrow('object key is longer than 1024 bytes');
    await expect(blobs.put(`a/${'é'.repeat(100)}`, Buffer.from('x'))).rejects.toThrow(/segment "é+…" is too long to name a file/);
    await expect(blobs.put('', Buffer.from('x'))).rejects.toThrow('object key is empty');
    expect(tree(join(root, 'objects'))).toEqual([]);
  });

  it('leaves no directories behind once the objects in them are deleted', async () => {
    // Prepare
    await blobs.put('o/1/i/a/m/x/raw.eml', Buffer.from('raw'));
    await blobs.put('o/1/i/a/m/x/a/1', Buffer.from('attachment'));
    await blobs.put('inbound/abc', Buffer.from('raw'));

    // Act
    await blobs.deletePrefix('o/1/i/a/m/x/');
    await blobs.deleteKeys(['inbound/abc']);

    // Assess
    expect(tree(join(root, 'objects'))).toEqual([]);
  });

  it('lands every write while deletes empty and remove the directory they share', async () => {
    // Prepare
    const written = Array.from({ length: 200 }, (_, i) => `shared/dir/w${i}`);
    const deleted = Array.from({ length: 200 }, (_, i) => `shared/dir/d${i}`);
    for (const key of deleted) await blobs.put(key, Buffer.from(key));

    // Act
    await Promise.all(written.map(async (key, i) => {
      await blobs.deleteKeys([deleted[i]]);
      await blobs.put(key, Buffer.from(key));
    }));

    // Assess
    for (const key of written) expect((await blobs.get(key))?.toString()).toBe(key);
    for (const key of deleted) expect(await blobs.get(key)).toBeUndefined();
  });

  it('takes a file already on disk as an object by linking it, which outlives the file', async () => {
    // Prepare: a spooled message, as the inbound spool keeps it
    const spooled = join(root, 'spooled.eml');
    writeFileSync(spooled, 'From: a@example.com\r\n\r\nhi\r\n');

    // Act
    await blobs.adopt('inbound/abc', spooled, readFileSync(spooled));
    rmSync(spooled);

    // Assess: read back from memory and, by a store opened afresh, from disk
    expect((await blobs.get('inbound/abc'))?.toString()).toBe('From: a@example.com\r\n\r\nhi\r\n');
    expect((await new FileBlobs(root, links).get('inbound/abc'))?.toString()).toBe('From: a@example.com\r\n\r\nhi\r\n');
  });

  it('forgets a write cut short by a crash, and keeps what was written before it', async () => {
    // Prepare
    await blobs.put('kept', Buffer.from('whole'));
    writeFileSync(join(root, 'tmp', 'half-written'), 'cut sh');

    // Act: the next start
    const reopened = new FileBlobs(root, links);

    // Assess
    expect((await reopened.get('kept'))?.toString()).toBe('whole');
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('refuses a download link with any part changed, or with none, as S3 refuses a presigned link', async () => {
    // Prepare
    await blobs.put('o/1/raw.eml', Buffer.from('mine'));
    await blobs.put('o/2/raw.eml', Buffer.from('theirs'));
    const url = new URL(await blobs.downloadUrl('o/1/raw.eml', link));
    const changed = (change: (u: URL) => void) => {
      const copy = new URL(url);
      change(copy);
      return copy.toString();
    };

    // Act
    const answers = await Promise.all(
      [
        changed((u) => (u.pathname = u.pathname.replace('o%2F1', 'o%2F2'))),
        changed((u) => u.searchParams.set('filename', 'other.html')),
        changed((u) => u.searchParams.set('type', 'text/html')),
        changed((u) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600))),
        changed((u) => u.searchParams.delete('signature')),
        changed((u) => (u.pathname = '/downloads/%E0%A4%A')),
      ].map((u) => fetch(u)),
    );

    // Assess
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(await answers[1].json()).toEqual({ error: { code: 'forbidden', message: 'the link signature does not match' } });
    expect((await fetch(url)).status).toBe(200);
  });

  it('answers a HEAD of a download link with its headers only, and ends links at their expiry to the second', async () => {
    // Prepare
    await blobs.put('o/1/raw.eml', Buffer.from('twelve bytes'));
    const url = await blobs.downloadUrl('o/1/raw.eml', { ...link, expiresInSeconds: 300 });

    // Act
    const head = await fetch(url, { method: 'HEAD' });
    now += 299_000;
    const justBefore = await fetch(url);
    now += 2_000;
    const after = await fetch(url);

    // Assess
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('12');
    expect(await head.text()).toBe('');
    expect(justBefore.status).toBe(200);
    expect(after.status).toBe(403);
    expect(await after.json()).toEqual({ error: { code: 'forbidden', message: 'the link has expired' } });
  });
});
