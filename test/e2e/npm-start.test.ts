import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('npm start', () => {
  it('prints where everything is, serves the API, and stops cleanly on Ctrl-C', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-start-'));
    const child = spawn(join(__dirname, '../../node_modules/.bin/tsx'), ['lambdas/local/main.ts'], {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, MAILROOM_DATA_DIR: dataDir, MAILROOM_SMTP_PORT: '0', MAILROOM_HTTP_PORT: '0', MAILROOM_DOMAIN: 'mailroom.test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    try {
      // Act
      for (let i = 0; i < 300 && !output.includes('Ctrl-C to stop.'); i++) await new Promise((r) => setTimeout(r, 100));
      const apiUrl = /API\s+(http:\/\/\S+)\/v1/.exec(output)?.[1];
      const health = await fetch(`${apiUrl}/v1/health`);
      child.kill('SIGINT');

      // Assess
      expect(output).toMatch(/SMTP\s+127\.0\.0\.1:\d+/);
      expect(output).toMatch(/Domain\s+mailroom\.test/);
      expect(output).toMatch(new RegExp(`Admin key\\s+mr_\\w+\\s+\\(kept in ${dataDir}/admin.key\\)`));
      expect(health.status).toBe(200);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
