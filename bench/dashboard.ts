import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import nodemailer from 'nodemailer';
import { startLocalStack } from '../lambdas/local/stack';
import { launchChromium } from '../test/support/chromium';
import { markdownTable, type BenchContext, type SectionResult } from './lib/report';

const ROOT = join(__dirname, '..');
const BUDGET_MS = 1000;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];
const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * How fast the dashboard is on `npm start`: headless Chromium opens it signed in (the key already in the tab),
 * in a fresh profile each time (nothing cached), and the clock stops when the inbox list shows; then when an
 * inbox of 50 messages is listed after a click.
 */
export async function run({ progress, quick }: BenchContext): Promise<SectionResult> {
  const runs = quick ? 5 : 20;
  progress.start('building the dashboard', 1);
  const build = spawnSync('npx', ['vite', 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the dashboard did not build: ${build.stderr}`);
  progress.done();
  const assets = readdirSync(join(ROOT, 'web/dist/assets')).map((name) => {
    const bytes = readFileSync(join(ROOT, 'web/dist/assets', name));
    return { name, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });

  const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-bench-web-'));
  const stack = await startLocalStack({ dataDir, host: '127.0.0.1', smtpPort: 0, httpPort: 0, domains: ['mailroom.test'], log: quiet, inMemoryTable: true });
  const browser = await launchChromium();
  try {
    progress.start('filling an inbox with 50 messages', 50);
    const smtp = nodemailer.createTransport({ host: stack.smtp.host, port: stack.smtp.port, secure: false, ignoreTLS: true, pool: true });
    for (let i = 0; i < 50; i++) {
      await smtp.sendMail({ from: 'ada@example.com', to: 'bench@mailroom.test', subject: `Message ${i}`, text: `Hello ${i}`, html: `<p>Hello <b>${i}</b></p>` });
      progress.tick();
    }
    smtp.close();
    await stack.drain();
    progress.done();

    const toInboxes: number[] = [];
    const toMessages: number[] = [];
    progress.start(`opening the dashboard ${runs} times in a fresh profile`, runs);
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript((key) => sessionStorage.setItem('mailroom.apiKey', key), stack.adminKey);
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${stack.apiUrl}/`);
      await page.getByRole('button', { name: /^bench@mailroom.test/ }).waitFor();
      toInboxes.push(performance.now() - started);
      const clicked = performance.now();
      await page.getByRole('button', { name: /^bench@mailroom.test/ }).click();
      await page.getByRole('button', { name: /Message 0\b/ }).waitFor();
      toMessages.push(performance.now() - clicked);
      await context.close();
      progress.tick();
    }
    progress.done();

    const p50 = median(toInboxes);
    const budgets = [
      {
        name: 'opening it signed in, until the inbox list shows',
        target: `median ≤ ${BUDGET_MS} ms`,
        measured: `${round(p50)} ms (p90 ${round(p90(toInboxes))} ms)`,
        met: p50 <= BUDGET_MS,
        why: p50 <= BUDGET_MS ? undefined : `${round(p50 - BUDGET_MS)} ms over`,
      },
    ];
    const markdown = [
      `Headless Chromium (from the @sparticuz/chromium npm package) against \`npm start\` on this machine, ${runs} times, each in a fresh profile so nothing`,
      'is cached; the API key is already in the tab, as after signing in. Times are from navigation to the element showing.',
      '',
      markdownTable(
        ['step', 'median ms', 'p90 ms'],
        [
          ['open the page until the inbox list shows (page, scripts, whoami, inbox list)', round(p50), round(p90(toInboxes))],
          ['click an inbox until its 50 messages are listed', round(median(toMessages)), round(p90(toMessages))],
        ],
      ),
      '',
      markdownTable(['built asset', 'bytes', 'gzipped'], assets.map((a) => [a.name.replace(/-[\w-]{8}\./, '.'), a.bytes, a.gzip])),
    ].join('\n');
    return { id: 'dashboard', title: 'Dashboard', markdown, data: { runs, toInboxes, toMessages, assets }, budgets };
  } finally {
    await browser.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
