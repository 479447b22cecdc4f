import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { contentDisposition } from '../../http/content-disposition';
import type { Blobs, DownloadLink } from '../../ports';
import { syncDirectories, writeDurably } from '../durable-files';
import { pathOf, prefixPath, segmentOf } from './blob-file-names';
import type { DownloadLinks } from './download-links';

/** A write finds its directory missing at most once more after making it: deletes leave directories being written to alone. */
const PLACE_ATTEMPTS = 3;
const DELETE_PARALLELISM = 64;
/** Objects just written are kept in memory up to this much, as the parser reads mail back right after it is stored. */
const RECENT_BYTES = 32 * 1024 * 1024;
const RECENT_LARGEST = 1024 * 1024;

export interface BlobDownload {
  status: number;
  headers: Record<string, string>;
  body: Buffer | Readable;
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * Objects as files under `root/objects` (see blob-file-names.ts), the laptop's default blob store. Each write
 * goes to `root/tmp`, is synced, and is renamed into place, with its directory synced too: an object is whole or
 * absent after a crash, and once `put` resolves it survives one (and the spool keeps mail until the table has
 * synced what refers to it). A copy is a hard link, safe because no file is ever changed in place. Download links are
 * served by the local HTTP listener (`serve`), signed and expiring as S3's presigned links are.
 * `test/adapters/blob-contract.test.ts` holds it to the same tests as the S3 adapter.
 */
export class FileBlobs implements Blobs {
  private readonly objects: string;
  private readonly tmp: string;
  /** Recently written objects by key, oldest first (a Map keeps insertion order). */
  private readonly recent = new Map<string, Buffer>();
  private recentBytes = 0;
  /** Directories a write is placing a file in (and their parents), with how many writes: not pruned meanwhile. */
  private readonly writing = new Map<string, number>();
  private pruning: Promise<void> = Promise.resolve();

  constructor(
    root: string,
    private readonly links: DownloadLinks,
  ) {
    this.objects = join(root, 'objects');
    this.tmp = join(root, 'tmp');
    // A write cut short by a crash leaves only its temporary file, which no key names.
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 });
    mkdirSync(this.objects, { recursive: true, mode: 0o700 });
  }

  async put(key: string, body: Buffer): Promise<void> {
    const target = this.fileOf(key);
    const tmp = join(this.tmp, randomUUID());
    await writeDurably(tmp, body);
    await this.place(tmp, target, key, body);
  }

  /** Takes a file already synced to disk (the inbound spool's) as the object `key`, by a hard link: no second write. */
  async adopt(key: string, file: string, body: Buffer): Promise<void> {
    const tmp = join(this.tmp, randomUUID());
    await link(file, tmp);
    await this.place(tmp, this.fileOf(key), key, body);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const recent = this.recent.get(key);
    // A copy, so a caller that changes what it was given cannot change the object.
    if (recent) return Buffer.from(recent);
    try {
      return await readFile(this.fileOf(key).path);
    } catch (err) {
      if (code(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const tmp = join(this.tmp, randomUUID());
    try {
      await link(this.fileOf(fromKey).path, tmp);
    } catch (err) {
      if (code(err) === 'ENOENT') throw Object.assign(new Error(`no object has the key ${fromKey}`), { name: 'NoSuchKey' });
      throw err;
    }
    this.forget(toKey);
    await this.place(tmp, this.fileOf(toKey));
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (const key of this.recent.keys()) if (key.startsWith(prefix)) this.forget(key);
    const { dirs, partial } = prefixPath(prefix);
    const dir = join(this.objects, ...dirs);
    const names = await readdir(dir).catch((err) => (code(err) === 'ENOENT' ? [] : Promise.reject(err)));
    await Promise.all(names.filter((name) => segmentOf(name)?.startsWith(partial)).map((name) => rm(join(dir, name), { recursive: true, force: true })));
    await this.prune(dir);
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (const key of keys) this.forget(key);
    for (let i = 0; i < keys.length; i += DELETE_PARALLELISM) {
      const files = keys.slice(i, i + DELETE_PARALLELISM).map((key) => this.fileOf(key));
      await Promise.all(files.map((f) => unlink(f.path).catch((err) => (code(err) === 'ENOENT' ? undefined : Promise.reject(err)))));
      for (const dir of new Set(files.map((f) => f.dir))) await this.prune(dir);
    }
  }

  async downloadUrl(key: string, link: DownloadLink): Promise<string> {
    this.fileOf(key);
    return this.links.url(key, link);
  }

  /** The answer to a GET of a download link: the object, or why not (403 as S3 gives for a bad or expired link). */
  async serve(url: URL): Promise<BlobDownload> {
    const allowed = this.links.check(url);
    // As the bucket's CORS rule on AWS: the link is the credential, so any page may read what it grants.
    const base = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
    const refuse = (status: number, errorCode: string, message: string): BlobDownload => ({
      status,
      headers: { ...base, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ error: { code: errorCode, message } })),
    });
    if ('refused' in allowed) return refuse(403, 'forbidden', allowed.refused);
    let file;
    try {
      file = await open(this.fileOf(allowed.key).path, 'r');
    } catch (err) {
      if (code(err) === 'ENOENT') return refuse(404, 'not_found', 'the object no longer exists');
      throw err;
    }
    const { size } = await file.stat();
    return {
      status: 200,
      headers: {
        ...base,
        'content-type': allowed.contentType,
        'content-length': String(size),
        'content-disposition': contentDisposition('attachment', allowed.filename),
        'x-content-type-options': 'nosniff',
      },
      body: file.createReadStream(),
    };
  }

  private remember(key: string, body: Buffer): void {
    this.forget(key);
    if (body.length > RECENT_LARGEST) return;
    this.recent.set(key, Buffer.from(body));
    this.recentBytes += body.length;
    for (const [oldest, bytes] of this.recent) {
      if (this.recentBytes <= RECENT_BYTES) break;
      this.recent.delete(oldest);
      this.recentBytes -= bytes.length;
    }
  }

  private forget(key: string): void {
    const bytes = this.recent.get(key);
    if (!bytes) return;
    this.recent.delete(key);
    this.recentBytes -= bytes.length;
  }

  private fileOf(key: string): { dir: string; path: string } {
    const { dirs, file } = pathOf(key);
    const dir = join(this.objects, ...dirs);
    return { dir, path: join(dir, file) };
  }

  /**
   * Renames a synced temporary file to `target`, then syncs each directory whose entries changed. The bytes are
   * remembered first, so a delete that comes in between forgets them rather than being outlived by them.
   */
  private async place(tmp: string, target: { dir: string; path: string }, key?: string, body?: Buffer): Promise<void> {
    if (key !== undefined && body) this.remember(key, body);
    const dirs = this.dirsUpTo(target.dir);
    for (const d of dirs) this.writing.set(d, (this.writing.get(d) ?? 0) + 1);
    try {
      let created: string | undefined;
      // The rename is tried first: the directory is usually there already, and making sure of it costs a call.
      for (let attempt = 1; ; attempt++) {
        try {
          await rename(tmp, target.path);
          break;
        } catch (err) {
          // ENOENT: the directory is not there (new, or pruned just before this write began): make it, then again.
          if (code(err) !== 'ENOENT' || attempt === PLACE_ATTEMPTS) {
            if (key !== undefined) this.forget(key);
            await rm(tmp, { force: true });
            throw err;
          }
          created = (await mkdir(target.dir, { recursive: true, mode: 0o700 })) ?? created;
        }
      }
      await syncDirectories(target.dir, created ? dirname(created) : target.dir);
    } finally {
      for (const d of dirs) {
        const left = this.writing.get(d)! - 1;
        if (left) this.writing.set(d, left);
        else this.writing.delete(d);
      }
    }
  }

  /** `dir` and its parents below the objects' root. */
  private dirsUpTo(dir: string): string[] {
    const dirs: string[] = [];
    for (let d = dir; d.startsWith(this.objects) && d !== this.objects; d = dirname(d)) dirs.push(d);
    return dirs;
  }

  /**
   * Removes `dir` and its parents while they are empty and no write is placing a file there, as S3 has no
   * directories. One prune runs at a time, so a write that begins while one runs can lose its directory only once.
   */
  private prune(dir: string): Promise<void> {
    this.pruning = this.pruning.then(() => this.pruneNow(dir));
    return this.pruning;
  }

  private async pruneNow(dir: string): Promise<void> {
    for (const d of this.dirsUpTo(dir)) {
      if (this.writing.has(d)) return;
      try {
        await rmdir(d);
      } catch (err) {
        if (code(err) !== 'ENOENT') return;
      }
    }
  }
}
