import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardFile } from '../../lambdas/local/dashboard-files';

describe('the dashboard files npm start serves', () => {
  let root: string;
  let dist: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mailroom-dist-'));
    dist = join(root, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Mailroom</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'outside the build');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves the page, never cached, under a strict Content-Security-Policy', async () => {
    const page = await dashboardFile(dist, '/');
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff' });
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';.*connect-src 'self';.*frame-ancestors 'none'/);
  });

  it('serves built assets for a year, as their names change with their content', async () => {
    const asset = await dashboardFile(dist, '/assets/index-abc123.js');
    expect(asset).toMatchObject({ status: 200, headers: expect.objectContaining({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable' }) });
    expect(asset.body.toString()).toBe('console.log(1)');
  });

  it.each(['/../secret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/missing.js', '/package.json', '/assets/%E0%A4%A.js'])('answers 404 for %s', async (path) => {
    const file = await dashboardFile(dist, path);
    expect(file.status).toBe(404);
    expect(file.body.toString()).not.toContain('outside the build');
  });

  it('says how to build the page when it is not built', async () => {
    const file = await dashboardFile(join(root, 'nothing-here'), '/');
    expect(file.status).toBe(404);
    expect(file.body.toString()).toContain('npm run web:build');
  });
});
