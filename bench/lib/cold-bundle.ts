import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_CHARSET, BUNDLE_MAIN_FIELDS, NEVER_LOADED_ON_LAMBDA } from '../../lib/constructs/mailroom-function';

/** The most a Lambda bundle's index.js may weigh: what loading it costs grows with it. */
export const SIZE_BUDGET_BYTES = 1024 * 1024;

/** What one bundle weighs, and what it is made of. */
export interface BundleInfo {
  /** index.js as Lambda runs it. */
  file: string;
  jsBytes: number;
  mapBytes: number;
  /** gzip -9 of index.js: a proxy for its share of the deployment zip. */
  jsGzipBytes: number;
  /** gzip -9 of index.js + index.js.map: a proxy for the whole deployment zip (the CDK asset holds both). */
  zipProxyBytes: number;
  /** Bytes in index.js per package (or per folder of Mailroom's own code), largest first. */
  composition: { input: string; bytes: number }[];
}

/**
 * The esbuild options MailroomFunction's bundling maps to (CommonJS, minified with names kept, UTF-8 output, linked external source map,
 * ES module builds preferred, the SDK bundled, only what Node never loads left out), except the target: the CDK asks for node24, which only changes
 * syntax lowering, and the host here runs an older Node.
 */
export const CDK_LIKE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: true,
  keepNames: true,
  sourcemap: true,
  external: NEVER_LOADED_ON_LAMBDA,
  mainFields: BUNDLE_MAIN_FIELDS,
  charset: BUNDLE_CHARSET,
  metafile: true,
  logLevel: 'silent',
} as const;

export type BundleSource = { entry: string } | { contents: string; resolveDir: string; name: string };

/** Bundles `source` into `<outDir>/index.js` (+ index.js.map) the way the CDK does. */
export async function bundleLikeCdk(source: BundleSource, outDir: string, root: string): Promise<BundleInfo> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'index.js');
  const result = await build({
    ...CDK_LIKE_OPTIONS,
    absWorkingDir: root,
    outfile,
    ...('entry' in source
      ? { entryPoints: [source.entry] }
      : { stdin: { contents: source.contents, resolveDir: source.resolveDir, sourcefile: source.name, loader: 'ts' as const } }),
  });
  const js = readFileSync(outfile);
  const map = readFileSync(`${outfile}.map`);
  const jsGzipBytes = gzipSync(js, { level: 9 }).length;
  return {
    file: outfile,
    jsBytes: js.length,
    mapBytes: map.length,
    jsGzipBytes,
    zipProxyBytes: jsGzipBytes + gzipSync(map, { level: 9 }).length,
    composition: composition(result.metafile, relative(root, outfile)),
  };
}

/** The package an esbuild input path belongs to (the innermost node_modules), or the folder of our own code. */
export function packageOf(input: string): string {
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match) return match[1];
  if (input.startsWith('<stdin>')) return '(entry)';
  const parts = input.split('/');
  return `mailroom ${parts.slice(0, Math.min(2, parts.length - 1)).join('/')}/`;
}

function composition(metafile: Metafile, outfile: string): BundleInfo['composition'] {
  const output = metafile.outputs[outfile] ?? Object.values(metafile.outputs).find((o) => o.entryPoint);
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()].map(([input, bytes]) => ({ input, bytes })).sort((a, b) => b.bytes - a.bytes);
}

export interface InitSample {
  /** require() of the bundle, timed inside the child with hrtime: module initialisation only. */
  initMs: number;
  /** Spawn to exit, timed by the parent: includes Node's own start-up and shutdown. */
  processMs: number;
}

/**
 * Requires `file` in a fresh `node` with exactly `env` (after running `prelude`, e.g. what the Lambda runtime defines), and reports how long the require took. The child
 * prints one JSON line; a bundle that throws on load, or does not export a handler function, fails the run.
 */
export function measureInit(file: string, env: Record<string, string>, prelude = ''): Promise<InitSample> {
  const script = [
    prelude,
    'const t0 = process.hrtime.bigint();',
    `const m = require(${JSON.stringify(file)});`,
    'const t1 = process.hrtime.bigint();',
    "if (typeof m.handler !== 'function') throw new Error('the bundle exports no handler function');",
    'process.stdout.write(JSON.stringify({ initMs: Number(t1 - t0) / 1e6 }));',
  ].join('\n');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      const processMs = performance.now() - started;
      if (err) return reject(new Error(`loading ${file} failed: ${err.message}\n${stderr}`));
      try {
        resolve({ initMs: (JSON.parse(stdout) as { initMs: number }).initMs, processMs });
      } catch {
        reject(new Error(`loading ${file} printed no timing: ${stdout}\n${stderr}`));
      }
    });
  });
}

export const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`;
