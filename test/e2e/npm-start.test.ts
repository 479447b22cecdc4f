import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

/** Runs `npm start [-- args]` (node --import tsx lambdas/local/main.ts) on free ports until it says it is ready, then calls `use` and stops it with Ctrl-C. */
interface Run {
  stdout: () => string;
  stderr: () => string;
  apiUrl: string;
  smtpPort: number;
  dataDir: string;
  /** Ends the process at once, as a crash or `kill -9` does. */
  kill: () => Promise<void>;
}

/** A fresh data dir unless one is given (kept then, for the next run). */
async function withNpmStart(args: string[], use: (run: Run) => Promise<void>, keptDataDir?: string, env: Record<string, string> = {}): Promise<number | null> {
  const dataDir = keptDataDir ?? mkdtempSync(join(tmpdir(), 'mailroom-start-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts', ...args], {
    cwd: join(__dirname, '../..'),
    env: { ...process.env, MAILROOM_DATA_DIR: dataDir, MAILROOM_SMTP_PORT: '0', MAILROOM_HTTP_PORT: '0', MAILROOM_DOMAIN: 'mailroom.test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, so a kill reaches whatever the stack started (DynamoDB Local's JVM, s3rver) too.
    detached: true,
  });
  const killAll = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    let gone = false;
    void exited.then(() => (gone = true));
    for (let i = 0; i < 300 && !gone && !(stdout + stderr).includes('Ctrl-C to stop.'); i++) await new Promise((r) => setTimeout(r, 100));
    if (!(stdout + stderr).includes('Ctrl-C to stop.')) throw new Error(`npm start did not get ready:\n${stdout}\n${stderr}`);
    const apiUrl = /API\s+(http:\/\/\S+)\/v1/.exec(stdout + stderr)?.[1] ?? '';
    const smtpPort = Number(/SMTP\s+127\.0\.0\.1:(\d+)/.exec(stdout + stderr)?.[1]);
    const kill = async () => {
      killAll();
      await exited;
    };
    await use({ stdout: () => stdout, stderr: () => stderr, apiUrl, smtpPort, dataDir, kill });
    child.kill('SIGINT');
    return await exited;
  } finally {
    killAll();
    if (!keptDataDir) rmSync(dataDir, { recursive: true, force: true });
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

  it('keeps its table in DynamoDB Local with MAILROOM_STORE=dynamodb-local', async () => {
    const code = await withNpmStart(
      [],
      async ({ stdout, apiUrl }) => {
        const headers = { Authorization: `Bearer ${/Admin key\s+(mr_\w+)/.exec(stdout())?.[1]}`, 'Content-Type': 'application/json' };
        const created = await fetch(`${apiUrl}/v1/inboxes`, { method: 'POST', headers, body: JSON.stringify({ localPart: 'fidelity' }) });

        expect(stdout()).toContain('DynamoDB Local');
        expect(created.status).toBe(201);
      },
      undefined,
      { MAILROOM_STORE: 'dynamodb-local' },
    );
    expect(code).toBe(0);
  }, 60_000);

  it('says which stores there are when MAILROOM_STORE names another', async () => {
    await expect(withNpmStart([], async () => undefined, undefined, { MAILROOM_STORE: 'postgres' })).rejects.toThrow(
      'MAILROOM_STORE must be embedded or dynamodb-local, got "postgres"',
    );
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

  it('loses nothing it answered 250 for when killed mid-stream, and stores all of it after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-crash-'));
    const accepted: string[] = [];
    try {
      // Prepare, Act: 8 clients send until the process is killed, soon after the 40th 250.
      await withNpmStart([], async ({ smtpPort, kill }) => {
        const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 8 });
        let killing: Promise<void> | undefined;
        await Promise.all(
          Array.from({ length: 300 }, async (_, i) => {
            const subject = `crash test ${i}`;
            try {
              await smtp.sendMail({ from: 'a@example.com', to: 'crash@mailroom.test', subject, text: `message ${i}` });
              accepted.push(subject);
              if (accepted.length === 40) killing = kill();
            } catch {
              // Refused or cut off by the kill: never acknowledged, so the client still has it.
            }
          }),
        );
        await killing;
        smtp.close();
      }, dataDir);

      // Assess: after a restart on the same data dir, every acknowledged message is readable.
      await withNpmStart([], async ({ apiUrl }) => {
        const headers = { Authorization: `Bearer ${readFileSync(join(dataDir, 'admin.key'), 'utf8').trim()}` };
        const inboxes = await (await fetch(`${apiUrl}/v1/inboxes`, { headers })).json();
        const inbox = inboxes.data.find((i: { address: string }) => i.address === 'crash@mailroom.test');
        let stored = new Map<string, string>();
        for (let i = 0; i < 100 && !accepted.every((s) => stored.has(s)); i++) {
          await new Promise((r) => setTimeout(r, 200));
          stored = new Map<string, string>();
          for (let cursor: string | null = ''; cursor !== null; ) {
            const page: { data: { id: string; subject: string }[]; nextCursor: string | null } = await (await fetch(`${apiUrl}/v1/inboxes/${inbox.id}/messages?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers })).json();
            page.data.forEach((m) => stored.set(m.subject, m.id));
            cursor = page.nextCursor;
          }
        }
        expect(accepted.length).toBeGreaterThanOrEqual(40);
        expect(accepted.filter((s) => !stored.has(s))).toEqual([]);
        // The raw mail is whole in the blob store too.
        const raws = await Promise.all(accepted.map(async (s) => (await fetch(`${apiUrl}/v1/inboxes/${inbox.id}/messages/${stored.get(s)}/raw`, { headers })).text()));
        expect(accepted.filter((s, i) => !raws[i].includes(`Subject: ${s}`))).toEqual([]);
      }, dataDir);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
