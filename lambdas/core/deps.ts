import type { Arrivals, Blobs, Clock, EventBus, EventNotices, JobQueue, KeyRing, Logger, MailDomains, MailSender, Metrics, Table, WebhookSender } from '../ports';

export interface CoreSettings {
  domains: string[];
  autoCreateDomains: string[];
  defaultRetentionDays: number;
  inboundPrefix: string;
  /** How long audit events are kept. */
  auditRetentionDays: number;
  /** Requests each API key may make per minute, across all API processes. */
  rateLimitPerMinute: number;
  webhooks: WebhookSettings;
  /**
   * A live stream sends only events logged at least this long ago, so that an event whose write began earlier but
   * finished later (another function, another clock) is never skipped. Zero where one process logs in order.
   */
  eventSettleMs: number;
  /** Orgs may register domains of their own (the receipt rule takes mail for every verified domain). */
  orgDomains: boolean;
}

export interface WebhookSettings {
  /** Plain http:// endpoints (local development only; https is required on AWS). */
  allowHttp: boolean;
  /** Endpoints on loopback addresses (the local stack's default; never on AWS). */
  allowLoopback: boolean;
  /** Wait before each retry; the length is the number of retries after the first attempt. */
  retryDelaysMs: number[];
  /** An attempt that has no response after this long fails. */
  timeoutMs: number;
}

/** Everything a use case may touch; handlers build one per process. */
export interface CoreDeps {
  table: Table;
  blobs: Blobs;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  settings: CoreSettings;
  events: EventBus;
  jobs: JobQueue;
  webhookSender: WebhookSender;
  keyRing: KeyRing;
  mailSender: MailSender;
  /** Orgs' own domains (only the API function registers them). */
  mailDomains: MailDomains;
  /** Lets waits answer the moment mail is stored, where the process storing it can tell (the local stack). */
  arrivals?: Arrivals;
  /** Lets live event streams send an event the moment it is logged, where the process logging it can tell. */
  eventNotices?: EventNotices;
}
