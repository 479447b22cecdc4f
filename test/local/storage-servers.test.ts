import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(__dirname, '../..');

/** True while something accepts HTTP requests at `endpoint`. */
async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => Promise<boolean>, attempts = 40): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe('the local storage servers', () => {
  it('stop when the process that started them is killed outright, leaving nothing running', async () => {
    // Prepare: a process running DynamoDB Local and s3rver, as `npm start` does
    // `node --import tsx` rather than the tsx wrapper, so the process killed is the one that started them.
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'support/start-servers.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const endpoints = await new Promise<{ dynamodb: string; s3: string }>((resolve) => {
      createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
    });
    expect(await answers(endpoints.dynamodb)).toBe(true);
    expect(await answers(endpoints.s3)).toBe(true);

    // Act: no chance to clean up
    child.kill('SIGKILL');

    // Assess
    expect(await eventually(async () => !(await answers(endpoints.dynamodb)) && !(await answers(endpoints.s3)))).toBe(true);
  }, 120_000);
});
