import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_INBOUND_PREFIX } from '../../lambdas/config';
import { MetricsTally } from '../../lambdas/adapters/metrics-tally';
import type { CoreDeps } from '../../lambdas/core/deps';
import { coreDepsFor } from '../../lambdas/handlers/runtime';
import { ensureTable, LOCAL_REGION, startDynamoDbLocal } from '../../lambdas/local/dynamodb-local';
import { LocalJobQueue } from '../../lambdas/local/local-job-queue';
import { LocalKeyRing } from '../../lambdas/local/local-key-ring';
import { LocalMailSender } from '../../lambdas/local/local-mail-sender';
import { LocalMailDomains } from '../../lambdas/local/local-mail-domains';
import { sesEventFor } from '../../lambdas/local/ses-stand-in';
import { processSesEvent } from '../../lambdas/handlers/process-ses-event';
import { S3_LOCAL_CREDENTIALS, startS3Local } from '../../lambdas/local/s3-local';
import { runDispatchedJob } from '../../lambdas/core/jobs';
import type { Blobs, Logger, Table } from '../../lambdas/ports';
import { openEmbeddedStores } from '../../lambdas/local/embedded/embedded-stores';

export interface Backends {
  deps: CoreDeps;
  /** What the core counted, as CloudWatch would receive it. */
  metrics: MetricsTally;
  /** The webhook dispatcher's queue, running jobs as they fall due. */
  jobs: LocalJobQueue;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  logs: { level: string; message: string; fields?: Record<string, unknown> }[];
  stop(): Promise<void>;
}

/**
 * Real DynamoDB Local (in memory) and s3rver (temp dir) behind the production adapters; with
 * MAILROOM_TEST_STORE=embedded, `npm start`'s embedded table and file store instead (suites that reach the servers
 * directly then fail at once, as they have no endpoint).
 */
export async function startBackends(settings: Partial<CoreDeps['settings']> = {}, options: { smtpRelay?: string } = {}): Promise<Backends> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-test-'));
  if (process.env.MAILROOM_TEST_STORE === 'embedded') return assemble(dir, settings, options, embeddedStores(dir));
  const dynamo = await startDynamoDbLocal({ host: '127.0.0.1', shortLived: true });
  const s3 = await startS3Local({ host: '127.0.0.1', dataDir: join(dir, 's3'), bucket: 'mailroom-test' });
  await ensureTable(dynamo.client, 'mailroom-test');
  return assemble(dir, settings, options, {
    endpoints: { dynamodb: dynamo.endpoint, s3: s3.endpoint, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS },
    stop: async () => {
      await s3.stop();
      await dynamo.stop();
    },
  });
}

interface Stores {
  endpoints: { dynamodb?: string; s3?: string; region?: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
  table?: Table;
  blobs?: Blobs;
  stop(): Promise<void> | void;
}

/** No HTTP listener serves these stores' download links, so asking for one fails, saying so. */
function embeddedStores(dir: string): Stores {
  const { table, blobs } = openEmbeddedStores(dir, { inMemoryTable: true });
  return { endpoints: {}, table, blobs, stop: () => table.close() };
}

async function assemble(dir: string, settings: Partial<CoreDeps['settings']>, options: { smtpRelay?: string }, stores: Stores): Promise<Backends> {
  const logs: Backends['logs'] = [];
  const log: Logger = {
    info: (message, fields) => logs.push({ level: 'info', message, fields }),
    warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
    error: (message, fields) => logs.push({ level: 'error', message, fields }),
  };
  const metrics = new MetricsTally();
  const base = coreDepsFor(
    {
      tableName: 'mailroom-test',
      bucketName: 'mailroom-test',
      inboundPrefix: DEFAULT_INBOUND_PREFIX,
      domains: ['mailroom.test', 'agents.example'],
      autoCreateDomains: ['mailroom.test'],
      defaultRetentionDays: 30,
      maxInlineDownloadBytes: 4 * 1024 * 1024,
      auditRetentionDays: 365,
      rateLimitPerMinute: 600,
      webhooks: { allowHttp: true, allowLoopback: true, retryDelaysMs: [20, 20, 20, 20, 20, 20, 20, 20], timeoutMs: 2000 },
      ...settings,
    },
    stores.endpoints,
    { log, metrics },
    { table: stores.table, blobs: stores.blobs },
  );
  // Events are published to the queue, whose jobs run as the AWS dispatcher runs them (logging each event first).
  const jobs = new LocalJobQueue(base.table, (job) => runDispatchedJob(deps, job), log, 20);
  // Sent mail for the local domains is received as SES would hand it over: stored raw, then parsed.
  const deliverLocally = async (raw: Buffer, envelope: { from: string; recipients: string[] }) => {
    const messageId = randomBytes(16).toString('hex');
    await deps.blobs.put(`${deps.settings.inboundPrefix}${messageId}`, raw, 'message/rfc822');
    await processSesEvent(deps, sesEventFor({ messageId, receivedAt: new Date(), from: envelope.from, recipients: envelope.recipients }));
  };
  const mailSender = new LocalMailSender(base.settings.domains, deliverLocally, options.smtpRelay);
  // Orgs' domains verify at once, as with npm start (the SES adapter has its own suite, on moto).
  const deps: CoreDeps = { ...base, events: jobs, jobs, keyRing: new LocalKeyRing(join(dir, 'master.key')), mailSender, mailDomains: new LocalMailDomains('127.0.0.1') };
  jobs.start();
  return {
    deps,
    metrics,
    jobs,
    dynamodbEndpoint: stores.endpoints.dynamodb ?? '',
    s3Endpoint: stores.endpoints.s3 ?? '',
    logs,
    stop: async () => {
      await jobs.stop();
      await stores.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts the backends before a suite's tests and stops them after it; the returned function gives them. */
export function useBackends(): () => Backends {
  let backends: Backends | undefined;
  beforeAll(async () => {
    backends = await startBackends();
  });
  afterAll(() => backends?.stop());
  return () => backends!;
}
