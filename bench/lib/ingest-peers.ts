import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { generateApiKey } from '../../lambdas/core/api-keys';
import { freePort } from '../../lambdas/local/free-port';
import { processTreeCpuMsByPart } from './process-cpu';
import { markdownTable } from './report';
import { round } from './stats';

/** An SMTP server under test, and (unless it only accepts) a way to see which messages it shows. */
export interface Peer {
  name: string;
  description: string;
  smtp: { host: string; port: number };
  /** The server's root process, whose tree's CPU time is measured. */
  pid: number;
  /** Where the server has several processes: what its root process does, and which part each other one is. */
  parts?: { root: string; of: (command: string) => string | undefined };
  /** A fresh mailbox for one measurement: the address to send to and, if mail can be read back, a watcher. */
  openMailbox(cell: string): Promise<Mailbox>;
  stop(): Promise<void>;
}

export interface Mailbox {
  to: string;
  watcher?: Watcher;
  /** Where the peer can be asked to answer once a message with this subject is there (a long poll). */
  waitFor?: (subject: string) => Promise<void>;
}

/**
 * Reports the subjects that became visible since the previous call. Listings are newest first, but
 * messages stored slightly out of order can appear below ones already seen, so a poll reads pages
 * until one holds nothing new; `everything` reads the whole listing (the final count).
 */
export interface Watcher {
  newlyVisible(everything?: boolean): Promise<string[]>;
}

interface ListedMessage {
  id: string;
  subject: string;
}

/** Walks a newest-first listing page by page, as described on `Watcher`. */
function pagedWatcher(
  fetchPage: (page: number, cursor?: string) => Promise<{ items: ListedMessage[]; next?: string; total?: number }>,
): Watcher {
  const seen = new Set<string>();
  return {
    async newlyVisible(everything = false) {
      const fresh: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; ; page++) {
        const { items, next, total } = await fetchPage(page, cursor);
        let newHere = 0;
        for (const m of items) {
          if (seen.has(m.id)) continue;
          seen.add(m.id);
          fresh.push(m.subject);
          newHere++;
        }
        // A peer that reports its total is read until every message is found (its order may not be arrival order).
        const missing = total !== undefined && seen.size < total;
        if (!next || (newHere === 0 && !everything && !missing)) return fresh;
        cursor = next;
      }
    },
  };
}

const HOST = '127.0.0.1';
/** Pause between listing polls: frequent enough to time arrivals, rare enough not to load the peer. */
export const LISTING_POLL_MS = 10;
/** The longest a wait may last (the API's limit). */
const VISIBILITY_TIMEOUT_S = 25;
/** Listing page size for polling: small, so watching costs each peer little. */
const PAGE = 20;
const ROOT = join(__dirname, '..', '..');

async function waitFor(what: string, check: () => Promise<boolean>, child: ChildProcess, stderr: () => string, timeoutMs = 60_000, pollMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${stderr()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`${what} did not start within ${timeoutMs / 1000} s: ${stderr()}`);
}

function spawnServer(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { child, stderr: () => stderr, stop };
}

const MAILROOM_PEERS = {
  embedded: {
    name: 'Mailroom',
    description: '`npm start`: durable spool, mailparser, the embedded stores (SQLite table, files), read back through the REST API',
  },
  'dynamodb-local': {
    name: 'Mailroom on DynamoDB Local',
    description: '`MAILROOM_STORE=dynamodb-local npm start`: durable spool, mailparser, DynamoDB Local and s3rver, read back through the REST API',
  },
} as const;

/**
 * Mailroom as `npm start` runs it, in its own process: SMTP → spool → parser → its stores → REST API; with the
 * embedded stores (the default) or DynamoDB Local and s3rver.
 */
export async function startMailroom(store: keyof typeof MAILROOM_PEERS = 'embedded'): Promise<Peer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
  const [smtpPort, httpPort] = [await freePort(), await freePort()];
  const adminKey = generateApiKey();
  const env = {
    ...process.env,
    MAILROOM_DATA_DIR: dataDir,
    MAILROOM_SMTP_PORT: String(smtpPort),
    MAILROOM_HTTP_PORT: String(httpPort),
    MAILROOM_ADMIN_KEY: adminKey,
    MAILROOM_DOMAIN: 'mailroom.test',
    MAILROOM_STORE: store,
    // The listing polls would exceed the default per-key limit; they still pay for counting against it.
    MAILROOM_RATE_LIMIT_PER_MINUTE: String(Number.MAX_SAFE_INTEGER),
  };
  const server = spawnServer(process.execPath, ['--import', 'tsx', 'lambdas/local/main.ts'], env);
  const api = `http://${HOST}:${httpPort}/v1`;
  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  await waitFor('Mailroom', async () => (await fetch(`${api}/health`)).ok, server.child, server.stderr);

  return {
    ...MAILROOM_PEERS[store],
    smtp: { host: HOST, port: smtpPort },
    pid: server.child.pid!,
    parts: {
      root: 'Node (SMTP, spool, handlers, API)',
      // DynamoDB Local runs as a JVM under a small Node wrapper; both count as DynamoDB Local.
      of: (command) => (/java|dynamodb-local/.test(command) ? 'DynamoDB Local' : command.includes('s3rver') ? 's3rver' : undefined),
    },
    async openMailbox(cell) {
      const response = await fetch(`${api}/inboxes`, { method: 'POST', headers, body: JSON.stringify({ localPart: cell }) });
      if (!response.ok) throw new Error(`could not create inbox ${cell}: ${response.status} ${await response.text()}`);
      const inbox = (await response.json()) as { id: string; address: string };
      return {
        to: inbox.address,
        watcher: pagedWatcher(async (_page, cursor) => {
          const url = `${api}/inboxes/${inbox.id}/messages?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          const page = (await (await fetch(url, { headers })).json()) as { data: ListedMessage[]; nextCursor: string | null };
          return { items: page.data, next: page.nextCursor ?? undefined };
        }),
        async waitFor(subject) {
          const body = JSON.stringify({ subjectContains: subject, timeoutSeconds: VISIBILITY_TIMEOUT_S });
          const response = await fetch(`${api}/inboxes/${inbox.id}/wait`, { method: 'POST', headers, body });
          const result = (await response.json()) as { timedOut: boolean };
          if (!response.ok || result.timedOut) throw new Error(`${subject} did not arrive: ${response.status} ${JSON.stringify(result)}`);
        },
      };
    },
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** maildev (npm), a popular local mail catcher built on the same smtp-server, read back through its REST API. */
export async function startMaildev(): Promise<Peer> {
  const [smtpPort, webPort] = [await freePort(), await freePort()];
  const server = spawnServer(process.execPath, [
    join(ROOT, 'node_modules', 'maildev', 'dist', 'bin', 'maildev.js'),
    '--smtp', String(smtpPort), '--ip', HOST, '--web', String(webPort), '--web-ip', HOST, '--silent',
  ]);
  const api = `http://${HOST}:${webPort}/api`;
  await waitFor('maildev', async () => (await fetch(`${api}/healthz`)).ok, server.child, server.stderr);
  return {
    name: 'maildev',
    description: 'maildev 3 (smtp-server + mailparser, files on disk), read back through its REST API',
    smtp: { host: HOST, port: smtpPort },
    pid: server.child.pid!,
    async openMailbox(cell) {
      // maildev has one mailbox: empty it so each measurement sees only its own mail.
      await fetch(`${api}/email/all`, { method: 'DELETE' });
      return {
        to: `${cell}@maildev.test`,
        watcher: pagedWatcher(async (page) => {
          const url = `${api}/email/summary?limit=${PAGE}&sort=desc&skip=${page * PAGE}`;
          // maildev orders by the Date header, which has whole seconds: within a second the order is arbitrary.
          const { items, total } = (await (await fetch(url)).json()) as { items: ListedMessage[]; total: number };
          return { items, total, next: items.length === PAGE ? String(page + 1) : undefined };
        }),
      };
    },
    stop: server.stop,
  };
}

/** Postfix's smtp-sink: accepts and discards, the upper bound for any SMTP server on this machine. */
export async function startSmtpSink(): Promise<Peer | { unavailable: string }> {
  if (spawnSync('which', ['smtp-sink']).status !== 0) {
    return { unavailable: 'smtp-sink not installed (Debian: apt-get install postfix)' };
  }
  const port = await freePort();
  // smtp-sink refuses to run as root unless told which user to become.
  const args = [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), `${HOST}:${port}`, '256'];
  const server = spawnServer('smtp-sink', args);
  await waitFor(
    'smtp-sink',
    () =>
      new Promise((resolve) => {
        const socket = connect(port, HOST);
        socket.once('data', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
    server.child,
    server.stderr,
  );
  return {
    name: 'smtp-sink',
    description: "Postfix's smtp-sink: accepts and discards (no storage, no reading back)",
    smtp: { host: HOST, port },
    pid: server.child.pid!,
    async openMailbox(cell) {
      return { to: `${cell}@sink.test` };
    },
    stop: server.stop,
  };
}

/**
 * Starts counting the CPU a peer's processes use; `perMessage` then gives the CPU per message since, by part
 * (for Mailroom: its Node process, DynamoDB Local and s3rver), and in all.
 */
export function cpuMeter(peer: Peer): { perMessage(messages: number): { total: number; byPart: Record<string, number> } } {
  const read = () => processTreeCpuMsByPart(peer.pid, peer.parts?.of ?? (() => undefined), peer.parts?.root ?? peer.name);
  const before = read();
  return {
    perMessage(messages) {
      const after = read();
      const used = Object.entries(after).map(([part, ms]) => [part, (ms - (before[part] ?? 0)) / Math.max(1, messages)] as const);
      return { total: round(used.reduce((sum, [, ms]) => sum + ms, 0), 2), byPart: Object.fromEntries(used.map(([part, ms]) => [part, round(ms, 2)])) };
    },
  };
}

/** A table of CPU per message by part: each row's leading cells, then one column per part and the total. */
export function cpuByPartTable(leading: string[], rows: { cells: (string | number)[]; cpu: { total: number; byPart: Record<string, number> } }[]): string {
  const parts = [...new Set(rows.flatMap((r) => Object.keys(r.cpu.byPart)))];
  return markdownTable([...leading, ...parts, 'total'], rows.map((r) => [...r.cells, ...parts.map((p) => r.cpu.byPart[p] ?? 0), r.cpu.total]));
}

/**
 * Milliseconds from running `npm start` (its dashboard step included) on a fresh data dir until the health route
 * answers, for each of `runs` starts. Each start is then killed with its process group.
 */
export async function npmStartReadyMs(runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-ready-'));
    const [smtpPort, httpPort] = [await freePort(), await freePort()];
    const env = { ...process.env, MAILROOM_DATA_DIR: dataDir, MAILROOM_SMTP_PORT: String(smtpPort), MAILROOM_HTTP_PORT: String(httpPort), MAILROOM_DOMAIN: 'mailroom.test' };
    const started = performance.now();
    const child = spawn('npm', ['start'], { cwd: ROOT, env, stdio: 'ignore', detached: true });
    try {
      await waitFor('npm start', async () => (await fetch(`http://${HOST}:${httpPort}/v1/health`)).ok, child, () => '', 60_000, 10);
      times.push(round(performance.now() - started));
    } finally {
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return times;
}
