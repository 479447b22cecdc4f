import { Names, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_INBOUND_PREFIX, DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_RETENTION_DAYS, ENV } from '../lambdas/config';
import { INBOUND_BACKSTOP_DAYS, MAX_RETENTION_DAYS } from '../lambdas/core/retention';
import { AdminKey } from './constructs/admin-key';
import { Canary, type CanaryOptions } from './constructs/canary';
import { DashboardSite } from './constructs/dashboard-site';
import { POWERTOOLS_SERVICE_NAME } from './constructs/mailroom-function';
import { Monitoring } from './constructs/monitoring';
import { ExpiryCleanup } from './constructs/expiry-cleanup';
import { DomainIdentities } from './constructs/domain-identities';
import { InboxApi } from './constructs/inbox-api';
import { Sending } from './constructs/sending';
import { MailIngest } from './constructs/mail-ingest';
import { MessageStore } from './constructs/message-store';
import { VaultKeys, type VaultKeyMode } from './constructs/vault-keys';
import { WebhookDelivery } from './constructs/webhook-delivery';

export interface MailroomProps {
  /** Domains Mailroom receives mail for, e.g. `['mail.example.com']`. Their MX records must point at SES. */
  readonly domains: string[];
  /**
   * Domains (a subset of `domains`) where mail to an address with no inbox creates the inbox,
   * which suits test suites. Elsewhere such mail is dropped and counted.
   * @default - none: mail to unknown addresses is dropped and counted
   */
  readonly autoCreateDomains?: string[];
  /**
   * Days a message is kept when its inbox does not say otherwise (DynamoDB TTL removes it).
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * What happens to the table, the mail bucket and the admin key secret when the stack is deleted.
   * `RETAIN` also turns on the table's deletion protection; `DESTROY` empties the buckets first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Add Mailroom's receipt rule to this rule set (typically the account's active one) instead of
   * creating a rule set. SES has one active rule set per account and region.
   * @default - Mailroom creates its own rule set, inactive unless `activateReceiptRuleSet`
   */
  readonly existingReceiptRuleSet?: ses.IReceiptRuleSet;
  /**
   * Make the rule set Mailroom creates the active one. The deployment fails (rather than
   * replacing it) if another rule set is already active; on delete, ours is deactivated only if it
   * is still the active one. Not allowed together with `existingReceiptRuleSet`.
   * @default false
   */
  readonly activateReceiptRuleSet?: boolean;
  /**
   * Let orgs register domains of their own (`POST /v1/domains`): the API creates and deletes their SES identities,
   * and the receipt rule takes mail for every domain SES has verified in the account and region (the parser keeps
   * only mail for this deployment's domains and orgs' verified ones). Leave it off when the rule set is shared with
   * other receivers, whose mail the rule would otherwise store too.
   * @default - true with Mailroom's own rule set, false with `existingReceiptRuleSet`
   */
  readonly orgDomains?: boolean;
  /**
   * Create an SES domain identity (Easy DKIM) for each domain; SES only receives for verified
   * domains. Turn off when the identities already exist in the account.
   * @default true
   */
  readonly createEmailIdentities?: boolean;
  /**
   * A Route 53 public hosted zone holding the domains: their DKIM records (and MAIL FROM records) are created
   * in it. Domains outside it, or no zone, get the records as stack outputs to add by hand.
   * @default - no records are created
   */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * A custom MAIL FROM subdomain for sent mail (e.g. `bounce` → `bounce.<domain>`), so SPF aligns with the
   * sending domain for DMARC. Its MX and SPF records are created with `hostedZone`, else add them by hand.
   * @default - SES's own MAIL FROM domain (amazonses.com)
   */
  readonly mailFromSubdomain?: string;
  /**
   * API Gateway stage throttling, across all clients.
   * @default - 50 requests per second, bursts of 100
   */
  readonly apiThrottling?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Days after which the bucket removes raw mail under the inbound prefix, whatever the table says. Raw mail stays
   * where SES wrote it and each message points at it; Mailroom deletes it with the last message that uses it, so
   * this is only a backstop for objects nothing points at any more. It must outlast the longest inbox retention.
   * @default - 3651 (the longest inbox retention, 3650 days, and one more)
   */
  readonly inboundRetentionDays?: number;
  /**
   * Requests each API key may make per minute, counted across all API Lambda instances
   * (answered with 429 and Retry-After beyond it).
   * @default 600
   */
  readonly rateLimitPerMinute?: number;
  /**
   * Days audit events (key, org, inbox and message changes) are kept.
   * @default 365
   */
  readonly auditRetentionDays?: number;
  /**
   * KMS keys for the credential vault. `per-org`: a key per org, created with the org ($1/month per org).
   * `stack`: one key for every org, the org bound into each data key's encryption context ($1/month in all).
   * @default 'per-org'
   */
  readonly vaultKeys?: VaultKeyMode;
  /**
   * Every alarm (parser errors, dead letters, webhook failure rate, API 5xx rate, SES reputation, canary)
   * notifies this topic when it fires and when it clears.
   * @default - a topic is created when `alarmEmail` is given; otherwise alarms only change state
   */
  readonly alarmTopic?: sns.ITopic;
  /** Subscribe this address to the alarms' topic (SNS asks it to confirm). @default - none */
  readonly alarmEmail?: string;
  /**
   * Send a probe email through SES to the deployment every few minutes and alarm when one is not stored in
   * time, so mail that silently stops arriving is noticed. Pass `{}` for the defaults.
   * @default - no canary
   */
  readonly canary?: CanaryOptions;
  /**
   * Serve the web dashboard from the API's own origin (`<ApiUrl>`, i.e. the stage root): Vite builds it at synth time.
   * @default true
   */
  readonly dashboard?: boolean;
}

const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/**
 * A complete Mailroom: SES receives mail for your domains into S3, a parser Lambda stores it in
 * DynamoDB, and a REST API serves it, authenticated by API keys whose first one is minted at
 * deploy time into Secrets Manager.
 */
export class Mailroom extends Construct {
  public readonly domains: string[];
  public readonly store: MessageStore;
  public readonly ingest: MailIngest;
  public readonly api: InboxApi;
  public readonly webhooks: WebhookDelivery;
  public readonly expiryCleanup: ExpiryCleanup;
  public readonly sending: Sending;
  public readonly vaultKeys: VaultKeys;
  public readonly adminKey: AdminKey;
  public readonly emailIdentities: ses.EmailIdentity[];
  public readonly canary?: Canary;
  /** The web dashboard's bucket and deployment, unless `dashboard: false`. */
  public readonly dashboardSite?: DashboardSite;
  public readonly monitoring: Monitoring;
  /** Where alarms notify, when one was given or made. */
  public readonly alarmTopic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: MailroomProps) {
    super(scope, id);
    const config = validate(props);
    this.domains = config.domains;

    this.store = new MessageStore(this, 'Store', {
      removalPolicy: config.removalPolicy,
      inboundPrefix: DEFAULT_INBOUND_PREFIX,
      inboundRetentionDays: config.inboundRetentionDays,
    });
    // Tells this deployment's logs and metrics apart from another's in the same account.
    const serviceName = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    const environment: Record<string, string> = {
      [POWERTOOLS_SERVICE_NAME]: serviceName,
      [ENV.tableName]: this.store.table.tableName,
      [ENV.bucketName]: this.store.bucket.bucketName,
      [ENV.inboundPrefix]: DEFAULT_INBOUND_PREFIX,
      [ENV.domains]: config.domains.join(','),
      [ENV.autoCreateDomains]: config.autoCreateDomains.join(','),
      [ENV.defaultRetentionDays]: String(config.retentionDays),
      [ENV.rateLimitPerMinute]: String(config.rateLimitPerMinute),
      [ENV.auditRetentionDays]: String(config.auditRetentionDays),
      [ENV.orgDomains]: String(config.orgDomains),
    };
    this.emailIdentities = config.createEmailIdentities
      ? new DomainIdentities(this, 'DomainRecords', { domains: config.domains, hostedZone: props.hostedZone, mailFromSubdomain: props.mailFromSubdomain }).identities
      : [];
    this.webhooks = new WebhookDelivery(this, 'Webhooks', { store: this.store, environment });
    this.ingest = new MailIngest(this, 'Ingest', {
      store: this.store,
      domains: config.domains,
      environment,
      inboundPrefix: DEFAULT_INBOUND_PREFIX,
      existingReceiptRuleSet: props.existingReceiptRuleSet,
      activateReceiptRuleSet: config.activateReceiptRuleSet,
      everyVerifiedDomain: config.orgDomains,
    });
    this.sending = new Sending(this, 'Sending', { store: this.store, environment, domains: config.domains, jobQueue: this.webhooks.jobQueue, orgDomains: config.orgDomains });
    this.webhooks.grantPublish(this.sending.handler);
    this.webhooks.grantPublish(this.webhooks.dispatcher);
    this.api = new InboxApi(this, 'Api', {
      sendHandler: this.sending.handler,
      store: this.store,
      environment,
      throttlingRateLimit: config.apiThrottling.rateLimit,
      throttlingBurstLimit: config.apiThrottling.burstLimit,
      logRemovalPolicy: config.removalPolicy,
      orgDomains: config.orgDomains,
    });
    this.webhooks.grantPublish(this.ingest.parser);
    if (props.dashboard ?? true) {
      this.dashboardSite = new DashboardSite(this, 'Dashboard', { restApi: this.api.restApi, accessLogsBucket: this.store.accessLogsBucket, mailBucket: this.store.bucket });
    }
    this.expiryCleanup = new ExpiryCleanup(this, 'ExpiryCleanup', { store: this.store, environment });
    this.vaultKeys = new VaultKeys(this, 'VaultKeys', { user: this.api.handler, mode: props.vaultKeys ?? 'per-org', removalPolicy: config.removalPolicy });
    this.adminKey = new AdminKey(this, 'AdminKey', { store: this.store, removalPolicy: config.removalPolicy });
    if (props.canary) {
      this.canary = new Canary(this, 'Canary', { ...props.canary, store: this.store, domains: config.domains, environment, serviceName });
    }
    this.alarmTopic = props.alarmTopic ?? (props.alarmEmail ? this.createAlarmTopic() : undefined);
    if (props.alarmEmail) this.alarmTopic!.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.monitoring = new Monitoring(this, 'Monitoring', {
      serviceName,
      ingest: this.ingest,
      api: this.api,
      webhooks: this.webhooks,
      expiryCleanup: this.expiryCleanup,
      canary: this.canary,
      alarmTopic: this.alarmTopic,
    });
  }

  private createAlarmTopic(): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Mailroom alarms', enforceSSL: true });
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason: 'Alarm notifications carry alarm names and states, no mail or secrets; CloudWatch cannot publish to a topic under the AWS managed SNS key, and a customer key would cost $1 a month for this alone.',
    });
    return topic;
  }

  /** Read messages, inboxes and raw mail directly (e.g. an analytics job). */
  public grantReadMessages(grantee: iam.IGrantable): void {
    this.store.table.grantReadData(grantee);
    this.store.grantMailObjects(grantee, { write: false });
  }

  /** Read and change stored mail directly (e.g. a migration or a custom purge). */
  public grantReadWriteMessages(grantee: iam.IGrantable): void {
    this.store.table.grantReadWriteData(grantee);
    this.store.grantMailObjects(grantee, { write: true });
  }
}

function validate(props: MailroomProps) {
  const domains = props.domains.map((d) => (Token.isUnresolved(d) ? d : d.trim().toLowerCase()));
  if (domains.length === 0) throw new Error('Mailroom needs at least one domain to receive mail for, e.g. domains: ["mail.example.com"]');
  for (const domain of domains) {
    if (!Token.isUnresolved(domain) && !DNS_NAME.test(domain)) {
      throw new Error(`domains must be DNS names like "mail.example.com", got "${domain}"`);
    }
  }
  if (new Set(domains).size !== domains.length) throw new Error(`domains lists a domain twice: ${domains.join(', ')}`);
  const autoCreateDomains = (props.autoCreateDomains ?? []).map((d) => d.trim().toLowerCase());
  for (const domain of autoCreateDomains) {
    if (!domains.includes(domain)) throw new Error(`autoCreateDomains must be among domains; "${domain}" is not`);
  }
  const retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
  wholeDays('retentionDays', retentionDays);
  const inboundRetentionDays = props.inboundRetentionDays ?? INBOUND_BACKSTOP_DAYS;
  if (!Number.isInteger(inboundRetentionDays) || inboundRetentionDays < INBOUND_BACKSTOP_DAYS) {
    throw new Error(
      `inboundRetentionDays must be at least ${INBOUND_BACKSTOP_DAYS}: messages read their raw mail from the inbound prefix for as long as an inbox keeps them (up to ${MAX_RETENTION_DAYS} days), got ${inboundRetentionDays}`,
    );
  }
  const auditRetentionDays = props.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
  wholeDays('auditRetentionDays', auditRetentionDays);
  const rateLimitPerMinute = props.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
  if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 1) {
    throw new Error(`rateLimitPerMinute must be a positive whole number, got ${rateLimitPerMinute}`);
  }
  const apiThrottling = props.apiThrottling ?? { rateLimit: 50, burstLimit: 100 };
  if (!(apiThrottling.rateLimit > 0) || !Number.isInteger(apiThrottling.burstLimit) || apiThrottling.burstLimit < 1) {
    throw new Error(`apiThrottling needs a positive rateLimit and a positive whole burstLimit, got ${JSON.stringify(apiThrottling)}`);
  }
  if (props.alarmEmail !== undefined && !Token.isUnresolved(props.alarmEmail) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
    throw new Error(`alarmEmail must be an email address, got "${props.alarmEmail}"`);
  }
  if (props.existingReceiptRuleSet && props.activateReceiptRuleSet) {
    throw new Error('activateReceiptRuleSet applies only to the rule set Mailroom creates; drop it when passing existingReceiptRuleSet');
  }
  return {
    domains,
    autoCreateDomains,
    retentionDays,
    inboundRetentionDays,
    auditRetentionDays,
    rateLimitPerMinute,
    apiThrottling,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    activateReceiptRuleSet: props.activateReceiptRuleSet ?? false,
    createEmailIdentities: props.createEmailIdentities ?? true,
    orgDomains: props.orgDomains ?? !props.existingReceiptRuleSet,
  };
}

function wholeDays(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_RETENTION_DAYS) throw new Error(`${name} must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got ${value}`);
}
