import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbTable, tableClient } from '../adapters/aws/dynamodb-table';
import { S3Blobs } from '../adapters/aws/s3-blobs';
import { httpWebhookSender } from '../adapters/http-webhook-sender';
import { AWS_EVENT_SETTLE_MS, type RuntimeConfig } from '../config';
import type { CoreDeps } from '../core/deps';
import type { Blobs, EventBus, JobQueue, KeyRing, Logger, MailDomains, MailSender, Metrics, Table } from '../ports';

/** AWS clients for the given endpoints (none on Lambda; the local servers' on a laptop). */
export interface AwsEndpoints {
  dynamodb?: string;
  s3?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** For a function with no business publishing events, queueing jobs or opening the vault: a call is a bug, so it fails loudly. */
export function notWiredHere(functionName: string): EventBus & JobQueue & KeyRing & MailSender & MailDomains {
  const refuse = (what: string) => () => Promise.reject(new Error(`the ${functionName} function does not ${what}`));
  const vault = refuse('use the vault');
  const domains = refuse('register domains');
  return {
    inboundMxHost: '',
    register: domains,
    state: domains,
    remove: domains,
    publish: refuse('publish events'),
    enqueue: refuse('queue jobs'),
    createOrgKey: vault,
    generateDataKey: vault,
    decryptDataKey: vault,
    retireOrgKey: vault,
    send: refuse('send mail'),
  };
}

/**
 * The core's dependencies for one function. Each handler passes the event bus, job queue and key ring it uses,
 * so its bundle carries only the AWS clients it needs.
 */
export function coreDepsFor(
  config: RuntimeConfig,
  endpoints: AwsEndpoints = {},
  telemetry: { log: Logger; metrics: Metrics },
  wiring: { table?: Table; blobs?: Blobs; events?: EventBus; jobs?: JobQueue; keyRing?: KeyRing; mailSender?: MailSender; mailDomains?: MailDomains; functionName?: string } = {},
): CoreDeps {
  const unwired = notWiredHere(wiring.functionName ?? 'this');
  const common = { region: endpoints.region, credentials: endpoints.credentials };
  // Nothing changes the S3 client's middleware after it is built, so each command's stack is resolved once, not per
  // call (about 0.5 ms of CPU less per request), as for the table's client.
  const s3 = () => new S3Client({ ...common, endpoint: endpoints.s3, forcePathStyle: endpoints.s3 !== undefined, cacheMiddleware: true });
  return {
    table: wiring.table ?? new DynamoDbTable(tableClient({ ...common, endpoint: endpoints.dynamodb }), config.tableName),
    blobs: wiring.blobs ?? new S3Blobs(s3(), config.bucketName),
    clock: { now: () => new Date() },
    log: telemetry.log,
    metrics: telemetry.metrics,
    settings: {
      domains: config.domains,
      autoCreateDomains: config.autoCreateDomains,
      defaultRetentionDays: config.defaultRetentionDays,
      inboundPrefix: config.inboundPrefix,
      auditRetentionDays: config.auditRetentionDays,
      rateLimitPerMinute: config.rateLimitPerMinute,
      webhooks: config.webhooks,
      eventSettleMs: config.eventSettleMs ?? AWS_EVENT_SETTLE_MS,
      orgDomains: config.orgDomains ?? true,
    },
    events: wiring.events ?? unwired,
    jobs: wiring.jobs ?? unwired,
    webhookSender: httpWebhookSender({ allowLoopback: config.webhooks.allowLoopback }),
    keyRing: wiring.keyRing ?? unwired,
    mailSender: wiring.mailSender ?? unwired,
    mailDomains: wiring.mailDomains ?? unwired,
  };
}
