import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `npm start [-- args]` (tsx lambdas/local/main.ts) on free ports until it says it is ready, then calls `use` and stops it with Ctrl-C. */
async function withNpmStart(args: string[], use: (run: { stdout: () => string; stderr: () => string; apiUrl: string; dataDir: string }) => Promise<void>): Promise<number | null> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-start-'));
  const child = spawn(join(__dirname, '../../node_modules/.bin/tsx'), ['lambdas/local/main.ts', ...args], {
    cwd: join(__dirname, '../..'),
    env: { ...process.env, MAILROOM_DATA_DIR: dataDir, MAILROOM_SMTP_PORT: '0', MAILROOM_HTTP_PORT: '0', MAILROOM_DOMAIN: 'mailroom.test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    for (let i = 0; i < 300 && !(stdout + stderr).includes('Ctrl-C to stop.'); i++) await new Promise((r) => setTimeout(r, 100));
    const apiUrl = /API\s+(http:\/\/\S+)\/v1/.exec(stdout + stderr)?.[1] ?? '';
    await use({ stdout: () => stdout, stderr: () => stderr, apiUrl, dataDir });
    child.kill('SIGINT');
    return await exited;
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const settle = () => new Promise((r) => setTimeout(r, 200));

describe('npm start', () => {
  it('prints where everything is, logs each request readably, serves the API, and stops cleanly on Ctrl-C', async () => {
    const code = await withNpmStart([], async ({ stdout, apiUrl, dataDir }) => {
      const health = await fetch(`${apiUrl}/v1/health`);
      await settle();

      expect(stdout()).toMatch(/SMTP\s+127\.0\.0\.1:\d+/);
      expect(stdout()).toMatch(/Domain\s+mailroom\.test/);
      expect(stdout()).toMatch(new RegExp(`Admin key\\s+mr_\\w+\\s+\\(kept in ${dataDir}/admin.key\\)`));
      expect(health.status).toBe(200);
      expect(stdout()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}\s+info\s+request\s+requestId=\S+\s+method=GET\s+route=\/v1\/health\s+orgId=null\s+status=200\s+ms=\d+$/m);
    });
    expect(code).toBe(0);
  });

  it('with --json-logs, writes only JSON lines to stdout and the banner to stderr', async () => {
    const code = await withNpmStart(['--json-logs'], async ({ stdout, stderr, apiUrl }) => {
      await fetch(`${apiUrl}/v1/health`);
      await settle();

      expect(stderr()).toContain('Mailroom is running');
      const lines = stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line));
      expect(lines).toContainEqual(expect.objectContaining({ level: 'info', message: 'request', route: '/v1/health', status: 200, time: expect.any(String) }));
    });
    expect(code).toBe(0);
  });
});
