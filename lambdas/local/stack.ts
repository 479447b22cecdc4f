import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DEFAULT_AUDIT_RETENTION_DAYS,
  DEFAULT_INBOUND_PREFIX,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  DEFAULT_RETENTION_DAYS,
  DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
  WEBHOOK_TIMEOUT_MS,
} from '../config';
import { generateApiKey, isWellFormedApiKey } from '../core/api-keys';
import type { CoreDeps } from '../core/deps';
import { isRegistered, registerApiKey } from '../core/key-registry';
import { ensureDefaultOrg } from '../core/orgs';
import { runJob } from '../core/jobs';
import { webhooksFor } from '../core/webhook-delivery';
import { DEFAULT_ORG_ID, domainClaimKey } from '../core/table-keys';
import { jsonLogger } from '../adapters/json-logger';
import { MetricsTally } from '../adapters/metrics-tally';
import { readableLogger } from './readable-logger';
import { processSesEvent } from '../handlers/process-ses-event';
import { coreDepsFor } from '../handlers/runtime';
import { createApi } from '../http/api';
import type { Item, Logger } from '../ports';
import type { LocalStore } from '../config';
import { startEmbeddedTtl } from './embedded/embedded-ttl';
import { openEmbeddedStores } from './embedded/embedded-stores';
import { MAILROOM_VERSION } from '../version';
import { ensureTable, LOCAL_REGION, startDynamoDbLocal } from './dynamodb-local';
import { startHttpListener } from './http-listener';
import { InboundSpool } from './inbound-spool';
import { LocalArrivals } from './local-arrivals';
import { LocalJobQueue } from './local-job-queue';
import { LocalKeyRing } from './local-key-ring';
import { LocalMailSender } from './local-mail-sender';
import { subscribedEvents } from './subscribed-events';
import { LocalEventLog } from './local-event-log';
import { LocalMailDomains } from './local-mail-domains';
import type { DomainItem } from '../core/domains/domains';
import { startS3Local, S3_LOCAL_CREDENTIALS } from './s3-local';
import { startSmtpListener } from './smtp-listener';
import { startTtlSweeper } from './ttl-sweeper';
import { cleanUpAfterExpiry } from '../core/expiry';

export interface LocalStackOptions {
  dataDir: string;
  host: string;
  smtpPort: number;
  httpPort: number;
  domains: string[];
  /** Domains where mail to an unknown address creates the inbox (default: all local domains). */
  autoCreateDomains?: string[];
  adminKey?: string;
  retentionDays?: number;
  rateLimitPerMinute?: number;
  auditRetentionDays?: number;
  /** Webhooks to loopback addresses (default on: local receivers are the point of a laptop stack). */
  allowLoopbackWebhooks?: boolean;
  /** Override the webhook retry schedule (tests use milliseconds). */
  webhookRetryDelaysMs?: number[];
  webhookTimeoutMs?: number;
  /** Where mail for other domains is sent (an SMTP URL); without one it is only captured in the sending inbox. */
  smtpRelay?: string;
  /** The embedded stores (default: SQLite table, files) or DynamoDB Local and s3rver. */
  store?: LocalStore;
  /** Keep the table in memory (tests); the default persists under the data dir. */
  inMemoryTable?: boolean;
  /** Where logs go; by default the console, readable, or JSON lines with `jsonLogs`. */
  log?: Logger;
  jsonLogs?: boolean;
  /** Larger downloads are redirected to a presigned link, as on AWS (default: never). */
  maxInlineDownloadBytes?: number;
  /** The built dashboard served at `/` (default: web/dist). */
  dashboardDir?: string;
}

export interface LocalStack {
  apiUrl: string;
  smtp: { host: string; port: number };
  domains: string[];
  adminKey: string;
  /** Where the admin key came from: the environment or the key file. */
  adminKeySource: string;
  deps: CoreDeps;
  /** What the stack counted: the laptop's stand-in for CloudWatch metrics. */
  metrics: MetricsTally;
  /** Waits until every accepted message has been stored. */
  drain(): Promise<void>;
  /** Waits until no webhook work is due or running. */
  webhooksIdle(): Promise<void>;
  stop(): Promise<void>;
}

const TABLE = 'mailroom';
const BUCKET = 'mailroom-mail';

/** `npm start`: the stores (embedded, or DynamoDB Local and s3rver) + SMTP + HTTP, running the Lambda handlers' code. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const log = options.log ?? (options.jsonLogs ? jsonLogger() : readableLogger());
  const metrics = new MetricsTally();
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const stores = await openStores(options, dataDir);
    stops.push(() => stores.stop());

    const config = {
      tableName: TABLE,
      bucketName: BUCKET,
      inboundPrefix: DEFAULT_INBOUND_PREFIX,
      domains: options.domains,
      autoCreateDomains: options.autoCreateDomains ?? options.domains,
      defaultRetentionDays: options.retentionDays ?? DEFAULT_RETENTION_DAYS,
      // No API Gateway payload cap on a laptop: bytes are served directly unless a test asks for links.
      maxInlineDownloadBytes: options.maxInlineDownloadBytes ?? Number.MAX_SAFE_INTEGER,
      rateLimitPerMinute: options.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
      auditRetentionDays: options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS,
      // Events are logged in order by this one process (see LocalEventLog).
      eventSettleMs: 0,
      webhooks: {
        allowHttp: true,
        allowLoopback: options.allowLoopbackWebhooks ?? true,
        retryDelaysMs: options.webhookRetryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
        timeoutMs: options.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS,
      },
    };
    const base = coreDepsFor(config, stores.endpoints, { log, metrics }, { table: stores.table, blobs: stores.blobs });
    const jobs = new LocalJobQueue(base.table, (job) => runJob(deps, job), log);
    // Sent mail for the local domains takes the inbound path, through the spool made below.
    const mailSender = new LocalMailSender(options.domains, (raw, envelope) => spool.accept(raw, envelope), options.smtpRelay);
    const arrivals = new LocalArrivals();
    const eventLog = new LocalEventLog();
    const events = eventLog.logging(() => deps, arrivals.announcing(subscribedEvents(jobs, async (event) => (await webhooksFor(deps, event)).length > 0)));
    const mailDomains = new LocalMailDomains(options.host);
    const deps: CoreDeps = { ...base, events, jobs, arrivals, eventNotices: eventLog, keyRing: new LocalKeyRing(join(dataDir, 'master.key')), mailSender, mailDomains };
    jobs.start();
    stops.push(() => jobs.stop());

    const sweeper = stores.startTtl(log, (item) => cleanUpAfterExpiry(deps, item));
    stops.push(() => sweeper.stop());

    const { adminKey, adminKeySource } = await ensureAdminKey(deps, dataDir, options.adminKey);

    const spool = new InboundSpool(dataDir, deps.blobs, config.inboundPrefix, (event) => processSesEvent(deps, event), log, stores.synced);
    const receivesFor = async (domain: string) => (await deps.table.get<DomainItem>(domainClaimKey(domain)))?.status === 'verified';
    const smtp = await startSmtpListener({ host: options.host, port: options.smtpPort, domains: options.domains, receivesFor, spool, log });
    stops.push(() => spool.drain());
    stops.push(() => smtp.close());
    const replayed = await spool.replay();
    if (replayed) log.info('replaying mail accepted before the last stop', { count: replayed });

    const api = createApi(deps, { maxInlineDownloadBytes: config.maxInlineDownloadBytes, version: MAILROOM_VERSION });
    const http = await startHttpListener({ host: options.host, port: options.httpPort, api, dashboardDir: options.dashboardDir, ...stores.downloads });
    stops.push(() => http.close());
    const apiUrl = `http://${options.host}:${http.port}`;
    stores.links?.serveFrom(apiUrl);

    return {
      apiUrl,
      smtp: { host: options.host, port: smtp.port },
      domains: options.domains,
      adminKey,
      adminKeySource,
      deps,
      metrics,
      drain: () => spool.drain(),
      webhooksIdle: () => jobs.idle(),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * The embedded stores (the SQLite table `table.sqlite` and objects as files under `blobs/`, links served by the
 * HTTP listener), or DynamoDB Local (a JVM, files under `dynamodb/`) with s3rver (files under `s3/`, its own
 * presigned links); each table with the TTL stand-in that fits it.
 */
async function openStores(options: LocalStackOptions, dataDir: string) {
  if ((options.store ?? 'embedded') === 'embedded') {
    const { table, blobs, links } = openEmbeddedStores(dataDir, { inMemoryTable: options.inMemoryTable });
    return {
      table,
      blobs,
      endpoints: {},
      links,
      downloads: { downloads: (url: URL) => blobs.serve(url) },
      startTtl: (log: Logger, onExpired: (item: Item) => Promise<void>) => startEmbeddedTtl(table, log, onExpired),
      synced: () => table.synced(),
      stop: () => table.close(),
    };
  }
  const dynamo = await startDynamoDbLocal({ host: options.host, dataDir: options.inMemoryTable ? undefined : join(dataDir, 'dynamodb') });
  const s3 = await startS3Local({ host: options.host, dataDir: join(dataDir, 's3'), bucket: BUCKET }).catch(async (err) => {
    await dynamo.stop();
    throw err;
  });
  const stop = async () => {
    await s3.stop();
    await dynamo.stop();
  };
  await ensureTable(dynamo.client, TABLE).catch(async (err) => {
    await stop();
    throw err;
  });
  return {
    table: undefined,
    blobs: undefined,
    // DynamoDB Local accepts any credentials, so s3rver's serve both servers.
    endpoints: { dynamodb: dynamo.endpoint, s3: s3.endpoint, region: LOCAL_REGION, credentials: S3_LOCAL_CREDENTIALS },
    links: undefined,
    downloads: { downloadOrigins: [s3.endpoint] },
    startTtl: (log: Logger, onExpired: (item: Item) => Promise<void>) => startTtlSweeper(dynamo.client, TABLE, log, onExpired),
    // DynamoDB Local has answered each write once it is stored.
    synced: undefined,
    stop,
  };
}

/** MAILROOM_ADMIN_KEY if given; otherwise the key kept in `<data dir>/admin.key`, generated on first start. */
async function ensureAdminKey(deps: CoreDeps, dataDir: string, configured: string | undefined) {
  await ensureDefaultOrg(deps);
  const keyFile = join(dataDir, 'admin.key');
  let adminKey = configured;
  let adminKeySource = 'MAILROOM_ADMIN_KEY';
  if (adminKey && !isWellFormedApiKey(adminKey)) {
    throw new Error('MAILROOM_ADMIN_KEY is not a Mailroom key (mr_ + 49 base62 characters); unset it to have one generated');
  }
  if (!adminKey) {
    adminKeySource = keyFile;
    if (existsSync(keyFile)) {
      adminKey = readFileSync(keyFile, 'utf8').trim();
    } else {
      adminKey = generateApiKey();
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(keyFile, `${adminKey}\n`, { mode: 0o600 });
    }
  }
  if (!(await isRegistered(deps.table, adminKey))) {
    await registerApiKey(deps, { key: adminKey, orgId: DEFAULT_ORG_ID, name: 'admin', scopes: ['admin'] });
  }
  return { adminKey, adminKeySource };
}
