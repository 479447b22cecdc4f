import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { DASHBOARD_SECURITY_HEADERS, dashboardContentSecurityPolicy } from '../http/dashboard-headers';

/** Where `npm run web:build` (run by `npm start`) puts the dashboard. */
export const DEFAULT_DASHBOARD_DIR = join(__dirname, '..', '..', 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface StaticFile {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The dashboard's file for a GET of `path` (anything outside the API), or a 404 that says why. `downloadOrigins`
 * are where the API's download links point (the S3-compatible server).
 */
export async function dashboardFile(dir: string, path: string, downloadOrigins: string[] = []): Promise<StaticFile> {
  const headers = { 'content-security-policy': dashboardContentSecurityPolicy(downloadOrigins), ...DASHBOARD_SECURITY_HEADERS };
  if (!existsSync(join(dir, 'index.html'))) {
    return { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('The dashboard is not built: run npm run web:build (npm start does).\n') };
  }
  try {
    // decodeURIComponent throws on a malformed escape: that too is a file we do not have.
    const relative = path === '/' ? 'index.html' : normalize(decodeURIComponent(path)).replace(/^[/\\]+/, '');
    const file = join(dir, relative);
    if (!file.startsWith(dir + sep) || !TYPES[extname(file)]) return notFound(headers);
    const body = await readFile(file);
    // Built assets carry a content hash in their names; the page itself must always be fresh.
    const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return { status: 200, headers: { ...headers, 'content-type': TYPES[extname(file)], 'cache-control': cache }, body };
  } catch {
    return notFound(headers);
  }
}

function notFound(headers: Record<string, string>): StaticFile {
  return { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('Not found\n') };
}
