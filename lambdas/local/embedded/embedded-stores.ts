import { join } from 'node:path';
import { DownloadLinks } from './download-links';
import { FileBlobs } from './file-blobs';
import { SqliteTable } from './sqlite-table';

/**
 * `npm start`'s stores in `dataDir`: the table (`table.sqlite`, or in memory) and objects as files under `blobs/`,
 * whose download links work once `links.serveFrom` names the HTTP listener that serves them.
 */
export function openEmbeddedStores(dataDir: string, options: { inMemoryTable?: boolean } = {}) {
  const table = new SqliteTable(options.inMemoryTable ? ':memory:' : join(dataDir, 'table.sqlite'));
  const links = new DownloadLinks();
  return { table, blobs: new FileBlobs(join(dataDir, 'blobs'), links), links };
}
