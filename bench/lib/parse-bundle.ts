import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { CDK_LIKE_OPTIONS } from './cold-bundle';

const ROOT = join(__dirname, '../..');

export interface BundleSize {
  name: string;
  /** What the bundle's entry point is. */
  entry: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes in the output by package (or "mailroom" for the repository's own files), largest first. */
  byPackage: { name: string; bytes: number }[];
  /** Packages bundled twice, once as their ESM and once as their CommonJS build, with the bytes of the second copy. */
  dualBuilds: { name: string; bytes: number }[];
}

function packageOf(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return 'mailroom';
  const [first, second] = path.slice(at + 'node_modules/'.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

function byPackage(metafile: Metafile): BundleSize['byPackage'] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(path);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function dualBuilds(metafile: Metafile): BundleSize['dualBuilds'] {
  const builds = new Map<string, { esm: number; cjs: number }>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const kind = /\/(esm|cjs)\//.exec(path)?.[1] as 'esm' | 'cjs' | undefined;
      if (!kind || !path.includes('node_modules/')) continue;
      const entry = builds.get(packageOf(path)) ?? { esm: 0, cjs: 0 };
      entry[kind] += bytesInOutput;
      builds.set(packageOf(path), entry);
    }
  }
  return [...builds.entries()].filter(([, b]) => b.esm > 0 && b.cjs > 0).map(([name, b]) => ({ name, bytes: Math.min(b.esm, b.cjs) }));
}

const OPTIONS = { ...CDK_LIKE_OPTIONS, sourcemap: false, write: false } as const;

/** Bundles a few lines of CommonJS, with the options the Lambda bundles use. */
async function bundleSource(name: string, entry: string, source: string): Promise<BundleSize> {
  const result = await build({ ...OPTIONS, stdin: { contents: source, resolveDir: ROOT, sourcefile: `${name}.js`, loader: 'js' }, outfile: 'out.js' });
  const code = result.outputFiles[0].contents;
  return summary(name, entry, code, result.metafile);
}

function summary(name: string, entry: string, code: Uint8Array, metafile: Metafile): BundleSize {
  return { name, entry, bytes: code.length, gzipBytes: gzipSync(code).length, byPackage: byPackage(metafile), dualBuilds: dualBuilds(metafile) };
}

async function bundleFile(name: string, file: string): Promise<BundleSize> {
  const result = await build({ ...OPTIONS, entryPoints: [join(ROOT, file)], outfile: 'out.js' });
  const code = result.outputFiles[0].contents;
  return summary(name, file, code, result.metafile);
}

/** Each parser alone, then Mailroom's parse module and the whole parser Lambda for scale. */
export async function bundleSizes(): Promise<BundleSize[]> {
  return [
    await bundleSource('mailparser', "require('mailparser').simpleParser", "module.exports = require('mailparser').simpleParser;"),
    await bundleSource('postal-mime', "require('postal-mime')", "module.exports = require('postal-mime');"),
    await bundleFile("Mailroom's parse module (mailparser)", 'lambdas/core/mail/parse-mime.ts'),
    await bundleFile('parser Lambda handler', 'lambdas/handlers/parser.ts'),
  ];
}
