import { LAMBDA_ENV, STREAMING_RUNTIME_PRELUDE } from '../test/support/lambda-env';
import { FUNCTION_MEMORY_MB } from '../lib/constructs/function-memory';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailroomHandler } from '../lib/constructs/mailroom-function';
import { bundleLikeCdk, formatBytes, measureInit, SIZE_BUDGET_BYTES, type BundleInfo, type InitSample } from './lib/cold-bundle';
import type { Budget, Section } from './lib/report';
import { markdownTable } from './lib/report';
import { median, percentile, round } from './lib/stats';

/**
 * Cold start of every Lambda function: each handler bundled the way the CDK bundles it, its size, and how
 * long requiring it takes in a fresh Node process (what Lambda's INIT phase spends on our code). Each is
 * compared with a baseline that only creates the AWS SDK clients the function needs, bundled the same way.
 */

const ROOT = join(__dirname, '..');
const INIT_BUDGET_MS = 150;
const TOP_INPUTS = 8;

interface FunctionSpec {
  handler: MailroomHandler;
  /** lib/constructs/function-memory.ts */
  memoryMb: number;
  /** What the baseline imports: the SDK clients (and helpers) the function uses, nothing of Mailroom. */
  baselineNote: string;
  baseline: string;
  /** Run before loading the bundle: what the Lambda runtime provides (response streaming). */
  prelude?: string;
}

/** The baseline of the API's functions that neither send nor hold vault keys (waits, exports). */
const READS_TABLE_AND_BUCKET = {
  baselineNote: 'client-dynamodb + util-dynamodb + client-s3 + s3-request-presigner',
  baseline: `
      import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
      import { S3Client } from '@aws-sdk/client-s3';
      import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
      const doc = [new DynamoDBClient({ cacheMiddleware: true }), marshall, unmarshall];
      const s3 = new S3Client({});
      export const handler = async () => [doc, s3, getSignedUrl];
    `,
};

const FUNCTIONS: FunctionSpec[] = [
  {
    handler: 'api',
    memoryMb: FUNCTION_MEMORY_MB.standard,
    baselineNote: 'client-dynamodb + util-dynamodb + client-s3 + s3-request-presigner + client-kms',
    baseline: `
      import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
      import { S3Client } from '@aws-sdk/client-s3';
      import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
      import { KMSClient } from '@aws-sdk/client-kms';
      const doc = [new DynamoDBClient({ cacheMiddleware: true }), marshall, unmarshall];
      const s3 = new S3Client({});
      const kms = new KMSClient({});
      export const handler = async () => [doc, s3, getSignedUrl, kms];
    `,
  },
  {
    handler: 'wait',
    memoryMb: FUNCTION_MEMORY_MB.wait,
    ...READS_TABLE_AND_BUCKET,
  },
  {
    handler: 'export',
    memoryMb: FUNCTION_MEMORY_MB.standard,
    ...READS_TABLE_AND_BUCKET,
    prelude: STREAMING_RUNTIME_PRELUDE,
  },
  {
    handler: 'send',
    memoryMb: FUNCTION_MEMORY_MB.standard,
    baselineNote: 'client-dynamodb + util-dynamodb + client-s3 + client-sesv2 + client-eventbridge',
    baseline: `
      import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
      import { S3Client } from '@aws-sdk/client-s3';
      import { SESv2Client } from '@aws-sdk/client-sesv2';
      import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
      const doc = [new DynamoDBClient({ cacheMiddleware: true }), marshall, unmarshall];
      const s3 = new S3Client({});
      const ses = new SESv2Client({});
      const events = new EventBridgeClient({});
      export const handler = async () => [doc, s3, ses, events];
    `,
  },
  {
    handler: 'expiry',
    memoryMb: FUNCTION_MEMORY_MB.standard,
    baselineNote: 'client-dynamodb + util-dynamodb + client-s3',
    baseline: `
      import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
      import { S3Client } from '@aws-sdk/client-s3';
      const doc = [new DynamoDBClient({ cacheMiddleware: true }), marshall, unmarshall];
      const s3 = new S3Client({});
      export const handler = async () => [doc, s3];
    `,
  },
  {
    handler: 'parser',
    memoryMb: FUNCTION_MEMORY_MB.parser,
    baselineNote: 'client-dynamodb + util-dynamodb + client-s3 + client-eventbridge',
    baseline: `
      import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
      import { S3Client } from '@aws-sdk/client-s3';
      import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
      const doc = [new DynamoDBClient({ cacheMiddleware: true }), marshall, unmarshall];
      const s3 = new S3Client({});
      const events = new EventBridgeClient({});
      export const handler = async () => [doc, s3, events];
    `,
  },
  {
    handler: 'dispatcher',
    memoryMb: FUNCTION_MEMORY_MB.standard,
    baselineNote: 'client-dynamodb + util-dynamodb + client-s3 + client-sqs + client-scheduler + client-eventbridge',
    baseline: `
      import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
      import { S3Client } from '@aws-sdk/client-s3';
      import { SQSClient } from '@aws-sdk/client-sqs';
      import { SchedulerClient } from '@aws-sdk/client-scheduler';
      import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
      const doc = [new DynamoDBClient({ cacheMiddleware: true }), marshall, unmarshall];
      const s3 = new S3Client({});
      const sqs = new SQSClient({});
      const scheduler = new SchedulerClient({});
      const events = new EventBridgeClient({});
      export const handler = async () => [doc, s3, sqs, scheduler, events];
    `,
  },
  {
    handler: 'canary',
    memoryMb: FUNCTION_MEMORY_MB.standard,
    baselineNote: 'client-dynamodb + util-dynamodb + client-s3 + client-sesv2',
    baseline: `
      import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
      import { S3Client } from '@aws-sdk/client-s3';
      import { SESv2Client } from '@aws-sdk/client-sesv2';
      const doc = [new DynamoDBClient({ cacheMiddleware: true }), marshall, unmarshall];
      const s3 = new S3Client({});
      const ses = new SESv2Client({});
      export const handler = async () => [doc, s3, ses];
    `,
  },
  {
    handler: 'admin-key-bootstrap',
    memoryMb: FUNCTION_MEMORY_MB.standard,
    baselineNote: 'client-dynamodb + util-dynamodb + client-secrets-manager',
    baseline: `
      import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
      import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
      import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
      const doc = [new DynamoDBClient({ cacheMiddleware: true }), marshall, unmarshall];
      const secrets = new SecretsManagerClient({});
      export const handler = async () => [doc, secrets];
    `,
  },
  {
    handler: 'receipt-rule-set-activation',
    memoryMb: FUNCTION_MEMORY_MB.standard,
    baselineNote: 'client-ses',
    baseline: `
      import { SESClient } from '@aws-sdk/client-ses';
      const ses = new SESClient({});
      export const handler = async () => [ses];
    `,
  },
];

/** What the deployed functions get; `sourceMaps` adds what an owner sets to have stack traces mapped to the TypeScript. */
function childEnv(sourceMaps: boolean): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...LAMBDA_ENV,
    ...(sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
  };
}

interface Variant {
  fn: string;
  kind: 'handler' | 'handler-with-source-maps' | 'baseline';
  file: string;
  env: Record<string, string>;
  prelude?: string;
  samples: InitSample[];
}

interface Timing {
  initP50: number;
  initP90: number;
  initMin: number;
  processP50: number;
  processP90: number;
  samples: InitSample[];
}

function timing(samples: InitSample[]): Timing {
  const init = samples.map((s) => s.initMs).sort((a, b) => a - b);
  const proc = samples.map((s) => s.processMs).sort((a, b) => a - b);
  return {
    initP50: round(median(init), 1),
    initP90: round(percentile(init, 90), 1),
    initMin: round(init[0], 1),
    processP50: round(median(proc), 1),
    processP90: round(percentile(proc, 90), 1),
    samples: samples.map((s) => ({ initMs: round(s.initMs, 2), processMs: round(s.processMs, 2) })),
  };
}

export const run: Section = async ({ progress, quick }) => {
  const runs = quick ? 5 : 20;
  const outRoot = mkdtempSync(join(tmpdir(), 'mailroom-cold-start-'));
  try {
    progress.start('bundling handlers and baselines like the CDK', FUNCTIONS.length * 2);
    const bundles = new Map<string, { handler: BundleInfo; baseline: BundleInfo }>();
    for (const fn of FUNCTIONS) {
      const handler = await bundleLikeCdk({ entry: join(ROOT, 'lambdas/handlers', `${fn.handler}.ts`) }, join(outRoot, fn.handler), ROOT);
      progress.tick();
      const baseline = await bundleLikeCdk(
        { contents: fn.baseline, resolveDir: ROOT, name: `${fn.handler}-baseline.ts` },
        join(outRoot, `${fn.handler}-baseline`),
        ROOT,
      );
      progress.tick();
      bundles.set(fn.handler, { handler, baseline });
    }
    progress.done();

    const variants: Variant[] = FUNCTIONS.flatMap((fn) => {
      const b = bundles.get(fn.handler)!;
      return [
        { fn: fn.handler, kind: 'handler' as const, file: b.handler.file, env: childEnv(false), prelude: fn.prelude, samples: [] },
        { fn: fn.handler, kind: 'handler-with-source-maps' as const, file: b.handler.file, env: childEnv(true), prelude: fn.prelude, samples: [] },
        { fn: fn.handler, kind: 'baseline' as const, file: b.baseline.file, env: childEnv(false), samples: [] },
      ];
    });

    // One untimed load each warms the file cache; then round-robin so drift on the machine hits every variant alike.
    const loadBefore = loadavg()[0];
    progress.start(`loading each bundle in ${runs} fresh node processes`, variants.length * (runs + 1));
    for (const v of variants) {
      await measureInit(v.file, v.env, v.prelude);
      progress.tick();
    }
    for (let i = 0; i < runs; i++) {
      for (const v of variants) {
        v.samples.push(await measureInit(v.file, v.env, v.prelude));
        progress.tick();
      }
    }
    progress.done();
    const loadAfter = loadavg()[0];

    const results = FUNCTIONS.map((fn) => {
      const b = bundles.get(fn.handler)!;
      const of = (kind: Variant['kind']) => timing(variants.find((v) => v.fn === fn.handler && v.kind === kind)!.samples);
      return { fn, bundle: b.handler, baseline: b.baseline, handlerTiming: of('handler'), withSourceMaps: of('handler-with-source-maps'), baselineTiming: of('baseline') };
    });

    const budgets: Budget[] = [];
    const breakdowns: string[] = [];
    for (const r of results) {
      const name = r.fn.handler;
      const sizeMet = r.bundle.jsBytes <= SIZE_BUDGET_BYTES;
      const initMet = r.handlerTiming.initP50 <= INIT_BUDGET_MS;
      const top = r.bundle.composition.slice(0, 3).map((c) => `${c.input} ${formatBytes(c.bytes)}`).join(', ');
      budgets.push({
        name: `${name} bundle size`,
        target: '≤ 1 MB index.js',
        measured: `${formatBytes(r.bundle.jsBytes)} (${formatBytes(r.bundle.jsGzipBytes)} gzipped)`,
        met: sizeMet,
        why: sizeMet
          ? undefined
          : `${formatBytes(r.bundle.jsBytes - SIZE_BUDGET_BYTES)} over (${round(r.bundle.jsBytes / SIZE_BUDGET_BYTES, 2)}×); ` +
            `the SDK-only baseline is ${formatBytes(r.baseline.jsBytes)}; largest: ${top}`,
      });
      const overBaseline = r.handlerTiming.initP50 - r.baselineTiming.initP50;
      budgets.push({
        name: `${name} init`,
        target: `median ≤ ${INIT_BUDGET_MS} ms`,
        measured: `${r.handlerTiming.initP50} ms (p90 ${r.handlerTiming.initP90} ms)`,
        met: initMet,
        why: initMet
          ? undefined
          : `${round(r.handlerTiming.initP50 - INIT_BUDGET_MS, 1)} ms over; the SDK-only baseline takes ${r.baselineTiming.initP50} ms` +
            `${r.baselineTiming.initP50 > INIT_BUDGET_MS ? ' (itself over budget on this machine)' : ''}, ` +
            `Mailroom's code adds ${round(overBaseline, 1)} ms; with --enable-source-maps: ${r.withSourceMaps.initP50} ms; ` +
            `load average ${round(loadBefore, 1)} on ${cpus().length} CPUs`,
      });
      if (!sizeMet || !initMet) {
        breakdowns.push(
          `**${name}** (${formatBytes(r.bundle.jsBytes)}): top ${TOP_INPUTS} inputs by bytes in index.js`,
          '',
          markdownTable(
            ['package / folder', 'bytes', 'share'],
            r.bundle.composition
              .slice(0, TOP_INPUTS)
              .map((c) => [c.input, formatBytes(c.bytes), `${round((100 * c.bytes) / r.bundle.jsBytes, 1)} %`]),
          ),
          '',
        );
      }
    }

    const markdown = [
      'Each Lambda entry in `lambdas/handlers/` is bundled with esbuild using the options `MailroomFunction` gives the CDK ' +
        '(CommonJS, minified with function names kept, UTF-8 output, ES module builds preferred, external source map, AWS SDK bundled, platform node) except the target: `node22` instead of ' +
        `\`node24\`, because Node 24 is not on this machine (the target only changes syntax lowering). Each bundle is then ` +
        `required in ${runs} fresh \`node\` processes (${process.version}, not Lambda's Node 24 on Graviton; ` +
        'Lambda also gives a 512 MB function a fraction of a vCPU, so absolute times there will differ) with the environment ' +
        'the function gets as deployed, which does not load the source map at start (the last column shows what loading it, ' +
        'with `NODE_OPTIONS=--enable-source-maps`, would cost). **init** is `require()` of the bundle ' +
        'timed with hrtime inside the child (module initialisation only: what our code adds to the INIT phase); **process** is ' +
        'spawn-to-exit measured by the parent, including Node start-up. Runs are interleaved across bundles after one ' +
        `untimed warm-up load each. The 1-minute load average on this ${cpus().length}-CPU machine was ${round(loadBefore, 1)} ` +
        `before and ${round(loadAfter, 1)} after the loads; the minimum is the figure least disturbed by other work.`,
      '',
      '### Bundle size',
      '',
      markdownTable(
        ['function', 'memory', 'index.js', 'index.js.map', 'index.js gzip', 'zip proxy (js + map, gzip)', 'SDK-only baseline', 'baseline gzip', 'budget ≤ 1 MB'],
        results.map((r) => [
          r.fn.handler,
          `${r.fn.memoryMb} MB`,
          formatBytes(r.bundle.jsBytes),
          formatBytes(r.bundle.mapBytes),
          formatBytes(r.bundle.jsGzipBytes),
          formatBytes(r.bundle.zipProxyBytes),
          formatBytes(r.baseline.jsBytes),
          formatBytes(r.baseline.jsGzipBytes),
          r.bundle.jsBytes <= SIZE_BUDGET_BYTES ? '✅' : `❌ +${formatBytes(r.bundle.jsBytes - SIZE_BUDGET_BYTES)}`,
        ]),
      ),
      '',
      '### Module initialisation',
      '',
      markdownTable(
        [
          'function',
          'init p50',
          'init p90',
          'init min',
          'init p50 with source maps loaded',
          'process p50',
          'baseline init p50',
          'baseline init p90',
          'baseline process p50',
          'over baseline (p50)',
          'budget ≤ 150 ms',
        ],
        results.map((r) => [
          r.fn.handler,
          `${r.handlerTiming.initP50} ms`,
          `${r.handlerTiming.initP90} ms`,
          `${r.handlerTiming.initMin} ms`,
          `${r.withSourceMaps.initP50} ms`,
          `${r.handlerTiming.processP50} ms`,
          `${r.baselineTiming.initP50} ms`,
          `${r.baselineTiming.initP90} ms`,
          `${r.baselineTiming.processP50} ms`,
          `${round(r.handlerTiming.initP50 - r.baselineTiming.initP50, 1)} ms`,
          r.handlerTiming.initP50 <= INIT_BUDGET_MS ? '✅' : `❌ +${round(r.handlerTiming.initP50 - INIT_BUDGET_MS, 1)} ms`,
        ]),
      ),
      '',
      `Baselines: ${FUNCTIONS.map((f) => `${f.handler}: ${f.baselineNote}`).join('; ')}; each creates its clients at module scope ` +
        'as the handlers do, and is bundled and loaded the same way.',
      '',
      ...(breakdowns.length ? ['### What the bundles over budget are made of', '', ...breakdowns] : []),
    ].join('\n');

    return {
      id: 'cold-start',
      title: 'Cold start',
      markdown,
      budgets,
      data: {
        runs,
        loadAverage: { before: round(loadBefore, 2), after: round(loadAfter, 2), cpus: cpus().length },
        node: process.version,
        esbuildTarget: 'node22',
        deployedTarget: 'node24',
        sizeBudgetBytes: SIZE_BUDGET_BYTES,
        initBudgetMs: INIT_BUDGET_MS,
        functions: results.map((r) => ({
          handler: r.fn.handler,
          memoryMb: r.fn.memoryMb,
          bundle: { ...r.bundle, file: undefined, composition: r.bundle.composition.slice(0, 20) },
          init: r.handlerTiming,
          initWithSourceMaps: r.withSourceMaps,
          baseline: {
            imports: r.fn.baselineNote,
            bundle: { ...r.baseline, file: undefined, composition: r.baseline.composition.slice(0, 20) },
            init: r.baselineTiming,
          },
        })),
      },
    };
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
};
