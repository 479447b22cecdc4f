import { open, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes `data` to `path` and syncs it to disk before resolving (`flush`: an fsync before the file is closed). */
export async function writeDurably(path: string, data: Buffer): Promise<void> {
  await writeFile(path, data, { mode: 0o600, flush: true });
}

/** fsync of `deepest` and each parent up to `highest`, so new entries in them survive a crash; a directory already gone is skipped. */
export async function syncDirectories(deepest: string, highest: string): Promise<void> {
  for (let d = deepest; ; d = dirname(d)) {
    const handle = await open(d, 'r').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    if (!handle) return;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (d === highest || d === dirname(d)) return;
  }
}
