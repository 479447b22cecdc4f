import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

/** Headless Chromium on a machine with no network beyond loopback. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Where the Chromium inside the `@sparticuz/chromium` npm package is, unpacked to the temp directory on first use,
 * so browser tests need nothing beyond `npm ci`. The package is an ES module, which Jest's CommonJS runtime cannot
 * load, so a short Node process asks it.
 */
function chromiumPath(): string {
  const ask = "import('@sparticuz/chromium').then(async (m) => process.stdout.write(await m.default.executablePath()))";
  return execFileSync(process.execPath, ['-e', ask], { cwd: __dirname, encoding: 'utf8' });
}

/** Launched with the browser's defaults: the package's own flags are meant for Lambda (one process, web security off). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ARGS });
}
