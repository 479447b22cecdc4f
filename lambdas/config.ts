import type { WebhookSettings } from './core/deps';
import type { CanarySettings } from './core/canary';

/** The only reader of process.env. Lambda handlers and the local stack both build their config here. */
export interface RuntimeConfig {
  tableName: string;
  bucketName: string;
  /** Where SES (or the local SMTP server) writes raw mail before it is parsed. */
  inboundPrefix: string;
  domains: string[];
  /** Domains where mail to an unknown address creates the inbox instead of being dropped. */
  autoCreateDomains: string[];
  defaultRetentionDays: number;
  /** Above this many bytes, raw/attachment downloads redirect to a short-lived URL (API Gateway caps payloads). */
  maxInlineDownloadBytes: number;
  auditRetentionDays: number;
  rateLimitPerMinute: number;
  webhooks: WebhookSettings;
  /** See CoreSettings.eventSettleMs; AWS_EVENT_SETTLE_MS when omitted. */
  eventSettleMs?: number;
  /** See CoreSettings.orgDomains; true when omitted. */
  orgDomains?: boolean;
}

/**
 * On AWS events are logged by whichever dispatcher runs, on its own clock; a write begun a second ago has long
 * finished (DynamoDB answers in milliseconds), so streams wait that long before they pass an event's place.
 */
export const AWS_EVENT_SETTLE_MS = 1000;

export const ENV = {
  tableName: 'MAILROOM_TABLE_NAME',
  bucketName: 'MAILROOM_BUCKET_NAME',
  inboundPrefix: 'MAILROOM_INBOUND_PREFIX',
  domains: 'MAILROOM_DOMAIN',
  autoCreateDomains: 'MAILROOM_AUTO_CREATE_DOMAINS',
  defaultRetentionDays: 'MAILROOM_RETENTION_DAYS',
  maxInlineDownloadBytes: 'MAILROOM_MAX_INLINE_DOWNLOAD_BYTES',
  auditRetentionDays: 'MAILROOM_AUDIT_RETENTION_DAYS',
  rateLimitPerMinute: 'MAILROOM_RATE_LIMIT_PER_MINUTE',
  orgDomains: 'MAILROOM_ORG_DOMAINS',
  eventBusName: 'MAILROOM_EVENT_BUS_NAME',
  jobQueueUrl: 'MAILROOM_JOB_QUEUE_URL',
  jobQueueArn: 'MAILROOM_JOB_QUEUE_ARN',
  scheduleGroup: 'MAILROOM_SCHEDULE_GROUP',
  schedulerRoleArn: 'MAILROOM_SCHEDULER_ROLE_ARN',
  vaultKeyMode: 'MAILROOM_VAULT_KEY_MODE',
  vaultKeyId: 'MAILROOM_VAULT_KEY_ID',
  vaultKeyTag: 'MAILROOM_VAULT_KEY_TAG',
  apiRoleArn: 'MAILROOM_API_ROLE_ARN',
  sesConfigurationSet: 'MAILROOM_SES_CONFIGURATION_SET',
  canaryAddress: 'MAILROOM_CANARY_ADDRESS',
  canaryAlarmAfterSeconds: 'MAILROOM_CANARY_ALARM_AFTER_SECONDS',
} as const;

export const DEFAULT_INBOUND_PREFIX = 'inbound/';
export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** About three days of retries after the first attempt (each delay gets ±10 % jitter). */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR, 24 * HOUR];
export const WEBHOOK_TIMEOUT_MS = 15 * SECOND;

/** On AWS webhooks go only to public https:// endpoints. */
export const AWS_WEBHOOK_SETTINGS: WebhookSettings = {
  allowHttp: false,
  allowLoopback: false,
  retryDelaysMs: DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
  timeoutMs: WEBHOOK_TIMEOUT_MS,
};

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export function runtimeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const domains = list(required(env, ENV.domains));
  return {
    tableName: required(env, ENV.tableName),
    bucketName: required(env, ENV.bucketName),
    inboundPrefix: env[ENV.inboundPrefix] || DEFAULT_INBOUND_PREFIX,
    domains,
    autoCreateDomains: list(env[ENV.autoCreateDomains]),
    defaultRetentionDays: positiveNumber(env, ENV.defaultRetentionDays, DEFAULT_RETENTION_DAYS),
    maxInlineDownloadBytes: positiveNumber(env, ENV.maxInlineDownloadBytes, 4 * 1024 * 1024),
    auditRetentionDays: positiveNumber(env, ENV.auditRetentionDays, DEFAULT_AUDIT_RETENTION_DAYS),
    rateLimitPerMinute: positiveNumber(env, ENV.rateLimitPerMinute, DEFAULT_RATE_LIMIT_PER_MINUTE),
    webhooks: AWS_WEBHOOK_SETTINGS,
    orgDomains: env[ENV.orgDomains] !== 'false',
  };
}

/** The event bus the parser publishes to. */
/** The region a function runs in (Lambda sets it). */
export function awsRegionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return required(env, 'AWS_REGION');
}

export function eventBusNameFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return required(env, ENV.eventBusName);
}

/** The SES configuration set sent mail goes through (its events report deliveries, bounces and complaints). */
export function sesConfigurationSetFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return required(env, ENV.sesConfigurationSet);
}

/** Where the canary sends its probes, and how late a probe may be before it counts as missing. */
export function canarySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): CanarySettings {
  return { address: required(env, ENV.canaryAddress), alarmAfterMs: positiveNumber(env, ENV.canaryAlarmAfterSeconds, 15 * 60) * SECOND };
}

/** How the API makes and uses the vault's KMS keys. */
export function vaultKeysFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const mode = required(env, ENV.vaultKeyMode);
  if (mode !== 'per-org' && mode !== 'stack') throw new Error(`${ENV.vaultKeyMode} must be per-org or stack, got "${mode}"`);
  return {
    mode,
    stackKeyArn: mode === 'stack' ? required(env, ENV.vaultKeyId) : '',
    stackTag: required(env, ENV.vaultKeyTag),
    apiRoleArn: required(env, ENV.apiRoleArn),
  } as const;
}

/** Where the webhook dispatcher queues its work and plans later retries. */
export function jobQueueConfigFromEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    queueUrl: required(env, ENV.jobQueueUrl),
    queueArn: required(env, ENV.jobQueueArn),
    scheduleGroup: required(env, ENV.scheduleGroup),
    schedulerRoleArn: required(env, ENV.schedulerRoleArn),
  };
}

/** For functions that touch only the table (the deploy-time admin key), so they need no other settings. */
export function tableNameFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return required(env, ENV.tableName);
}

export interface LocalConfig {
  host: string;
  smtpPort: number;
  httpPort: number;
  dataDir: string;
  domains: string[];
  adminKey?: string;
  rateLimitPerMinute: number;
  auditRetentionDays: number;
  allowLoopbackWebhooks: boolean;
  smtpRelay?: string;
  store: LocalStore;
}

/** Where `npm start` keeps its data: in process (a SQLite table and files, the default), or in DynamoDB Local (Java) and s3rver for fidelity. */
export type LocalStore = 'embedded' | 'dynamodb-local';
const LOCAL_STORES: LocalStore[] = ['embedded', 'dynamodb-local'];

/** `npm start` settings (see the README's configuration table). */
export function localConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const port = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a TCP port, got "${env[name]}"`);
    return value;
  };
  const domains = list(env.MAILROOM_DOMAIN ?? 'mailroom.test');
  if (domains.length === 0) throw new Error('MAILROOM_DOMAIN must name at least one domain');
  return {
    host: env.MAILROOM_HOST || '127.0.0.1',
    smtpPort: port('MAILROOM_SMTP_PORT', 2525),
    httpPort: port('MAILROOM_HTTP_PORT', 3000),
    dataDir: env.MAILROOM_DATA_DIR || '.mailroom',
    domains,
    adminKey: env.MAILROOM_ADMIN_KEY || undefined,
    rateLimitPerMinute: positiveNumber(env, ENV.rateLimitPerMinute, DEFAULT_RATE_LIMIT_PER_MINUTE),
    auditRetentionDays: positiveNumber(env, ENV.auditRetentionDays, DEFAULT_AUDIT_RETENTION_DAYS),
    allowLoopbackWebhooks: flag(env, 'MAILROOM_WEBHOOKS_ALLOW_LOOPBACK', true),
    smtpRelay: smtpUrl(env, 'MAILROOM_SMTP_RELAY'),
    store: localStore(env.MAILROOM_STORE),
  };
}

function localStore(raw: string | undefined): LocalStore {
  if (raw === undefined || raw === '') return 'embedded';
  if (!LOCAL_STORES.includes(raw as LocalStore)) throw new Error(`MAILROOM_STORE must be ${LOCAL_STORES.join(' or ')}, got "${raw}"`);
  return raw as LocalStore;
}

function smtpUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (!/^smtps?:\/\/[^\s/]+/i.test(raw)) throw new Error(`${name} must be an SMTP URL like smtp://127.0.0.1:1025 or smtps://user:pass@host:465, got "${raw}"`);
  return raw;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}
