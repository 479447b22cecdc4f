import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../lambdas/local/free-port';

/** What an AWS SDK client needs to talk to moto instead of AWS. */
export interface MotoClientConfig {
  endpoint: string;
  region: 'us-east-1';
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface MotoServer {
  clientConfig: MotoClientConfig;
  /** Forgets every resource, so each test starts from an empty account. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const INSTALL_HINT = "moto_server is required for these tests (a local AWS API stand-in); install it with: pip install 'moto[server]'";

/**
 * Starts moto's standalone server (SES, Secrets Manager, ...) on a free port. Fails, rather than skipping,
 * when moto is not installed: a skipped suite would hide that the AWS-facing code went untested.
 */
export async function startMotoServer(): Promise<MotoServer> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const child = spawn('moto_server', ['-H', host, '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const endpoint = `http://${host}:${port}`;
  try {
    await waitUntilAnswering(endpoint, child, output);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    clientConfig: { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
    stop: () => stopChild(child),
  };
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, output: string[]): Promise<void> {
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once('error', (err) => (spawnError = err));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawnError) throw spawnError.code === 'ENOENT' ? new Error(`moto_server is not on PATH. ${INSTALL_HINT}`) : spawnError;
    // 127: a version-manager shim (pyenv, asdf) found no moto_server for the active Python.
    if (child.exitCode === 127) throw new Error(`moto_server could not be run. ${INSTALL_HINT}\n${output.join('').slice(-500)}`);
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${output.join('').slice(-500)}`);
    try {
      await fetch(`${endpoint}/moto-api/`);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
