import type { ItemKey } from './core/table-keys';
import type { MetricName } from './core/metric-names';

/** What the core needs from the outside world. AWS and the laptop each provide their own implementations. */

export interface Clock {
  now(): Date;
}

export type Item = ItemKey & Record<string, unknown>;

export interface QueryInput {
  pk: string;
  skPrefix: string;
  limit: number;
  /** Opaque continuation from a previous page (the last key it returned). */
  startAfter?: ItemKey;
  newestFirst?: boolean;
  /** Inclusive bounds within the prefix (e.g. a time range over time-sorted ids). */
  skFrom?: string;
  skTo?: string;
}

export interface QueryPage<T> {
  items: T[];
  lastKey?: ItemKey;
}

/** What must hold of an item's stored attributes for a write to it to go ahead (DynamoDB's condition expressions). */
export type Condition =
  | { itemExists: boolean }
  | { attribute: string; absent: true }
  | { attribute: string; equals: unknown }
  | { attribute: string; is: '<' | '<=' | '>' | '>='; than: string | number }
  /** A string set (or list) attribute that holds the value. */
  | { attribute: string; contains: string }
  /** A set, list or string attribute with fewer than this many elements (characters). */
  | { attribute: string; sizeBelow: number }
  | { allOf: Condition[] }
  | { anyOf: Condition[] };

export type WriteOp =
  | { put: Item; ifNotExists?: boolean; when?: Condition }
  | { delete: ItemKey; ifExists?: boolean }
  /**
   * Sets attributes (`setIfAbsent`: only where the stored item has none), adds to numbers and string sets, and
   * takes elements out of string sets. The item must exist unless `upsert`; `when` must hold as well.
   */
  | {
      update: ItemKey;
      set?: Record<string, unknown>;
      setIfAbsent?: Record<string, unknown>;
      add?: Record<string, number | Set<string>>;
      deleteFromSet?: Record<string, Set<string>>;
      upsert?: boolean;
      when?: Condition;
    }
  /** Writes nothing: the transaction goes ahead only while `when` holds of this item. */
  | { check: ItemKey; when: Condition };

export interface Table {
  get<T extends Item>(key: ItemKey): Promise<T | undefined>;
  /** Strongly consistent reads of many items, in as few requests as the store allows; each in its key's place. */
  getAll<T extends Item>(keys: ItemKey[]): Promise<(T | undefined)[]>;
  /**
   * Returns false (and writes nothing) when `ifNotExists` is set and the item exists, or when
   * `ifUnchanged` names an attribute whose stored value is no longer the one given (given as undefined: the
   * item must exist without it).
   */
  put(item: Item, options?: { ifNotExists?: boolean; ifUnchanged?: { attribute: string; value: unknown } }): Promise<boolean>;
  /** Sets attributes of an existing item; returns the updated item, or undefined when it does not exist. */
  update<T extends Item>(key: ItemKey, set: Record<string, unknown>, remove?: string[]): Promise<T | undefined>;
  /** Returns false (and deletes nothing) when `ifUnchanged` no longer holds, as for `put`. */
  delete(key: ItemKey, options?: { ifUnchanged?: { attribute: string; value: unknown } }): Promise<boolean>;
  /** Writes independent items (at most 25, distinct keys, no conditions) in one request; not all-or-nothing. */
  putAll(items: Item[]): Promise<void>;
  query<T extends Item>(input: QueryInput): Promise<QueryPage<T>>;
  /**
   * All-or-nothing, at most 100 ops on distinct items. A failed condition throws a `TransactionConditionsFailed`
   * (a `conflict` MailroomError) naming the ops whose conditions did not hold. Transactions that collide with
   * others on the same items are retried by the store.
   */
  transactWrite(ops: WriteOp[]): Promise<void>;
  /** Atomically adds `by` to a numeric attribute, creating the item if needed; returns the new value. */
  increment(key: ItemKey, attribute: string, by: number, options?: { expiresAt?: number }): Promise<number>;
}

export interface DownloadLink {
  filename: string;
  contentType: string;
  expiresInSeconds: number;
}

export interface Blobs {
  put(key: string, body: Buffer, contentType?: string): Promise<void>;
  /** Undefined when no object has that key. */
  get(key: string): Promise<Buffer | undefined>;
  copy(fromKey: string, toKey: string): Promise<void>;
  deletePrefix(prefix: string): Promise<void>;
  /** Deletes these objects; one already gone is no error. */
  deleteKeys(keys: string[]): Promise<void>;
  /** A short-lived URL that serves the object directly (used when a body is too big for the API's payload limit). */
  downloadUrl(key: string, link: DownloadLink): Promise<string>;
}

/** Counts and timings for dashboards and alarms: CloudWatch metrics (EMF) on AWS, a tally on a laptop. */
export interface Metrics {
  count(name: MetricName, value?: number): void;
  milliseconds(name: MetricName, value: number): void;
  seconds(name: MetricName, value: number): void;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Something that happened, as webhooks and the event bus carry it. */
export interface MailroomEvent {
  /** Stable for the same happening (a parser that runs twice emits the same id): the webhook-id. */
  id: string;
  type: string;
  /** ISO time of the happening. */
  timestamp: string;
  orgId: string;
  inboxId: string | null;
  data: unknown;
}

/**
 * Word that mail has reached an inbox (received, or sent from it), from the process that stored it. Only a single
 * process (the laptop) can give it; without it, a wait looks on a schedule.
 */
export interface Arrivals {
  /**
   * Starts listening to one inbox for the arrivals `wanted` picks (it is given the message.received or
   * message.sent event's data); `next` then resolves true at the first such arrival not yet reported, or false
   * after `ms`.
   */
  watch(orgId: string, inboxId: string, wanted: (message: unknown) => boolean): ArrivalWatch;
}

/**
 * Word that an org's event log has grown, from the process that logged it. Only a single process (the laptop)
 * can give it; without it, a live stream looks on a schedule.
 */
export interface EventNotices {
  /** Starts listening to the org; `next` then resolves true once an event was logged since the last call, or false after `ms`. */
  watch(orgId: string): ArrivalWatch;
}

export interface ArrivalWatch {
  next(ms: number): Promise<boolean>;
  close(): void;
}

/** Where events are published (EventBridge on AWS); webhook fan-out is one of its consumers. */
export interface EventBus {
  publish(event: MailroomEvent): Promise<void>;
}

/** Background work for the webhook dispatcher. */
export type Job =
  | { kind: 'fan-out'; event: MailroomEvent }
  | { kind: 'deliver'; orgId: string; webhookId: string; deliveryId: string }
  /** An SES sending event (the `detail` of its EventBridge event) to apply to the message it is about. */
  | { kind: 'ses-feedback'; feedback: unknown };

/** Runs jobs at least once, no earlier than asked (SQS and EventBridge Scheduler on AWS; a persisted queue locally). */
export interface JobQueue {
  enqueue(job: Job, notBefore?: Date): Promise<void>;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  /** The start of the response body, for people inspecting deliveries. */
  bodySnippet: string;
}

/** POSTs one webhook; throws a `WebhookSendError` for anything that produced no HTTP response. */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
}

/** What a data key is bound to: decrypting needs the very same context (KMS encryption context). */
export type EncryptionContext = Record<string, string>;

/** Envelope encryption's key service: KMS on AWS, a master key file on a laptop. */
export interface KeyRing {
  /** The key that will protect one org's secrets (a new KMS key, or the shared stack key); returns its reference. */
  createOrgKey(orgId: string): Promise<string>;
  /** A fresh 256-bit data key under `keyRef`, in the clear (use once, then drop) and wrapped (store). */
  generateDataKey(keyRef: string, context: EncryptionContext): Promise<{ plaintext: Buffer; wrapped: Buffer }>;
  /** Unwraps a stored data key; fails unless the key and the context are the ones it was generated with. */
  decryptDataKey(keyRef: string, wrapped: Buffer, context: EncryptionContext): Promise<Buffer>;
  /** The org is gone: its own key (not a shared one) is scheduled for deletion. Repeating it is harmless. */
  retireOrgKey(keyRef: string): Promise<void>;
}

/** One message to send, built already (raw MIME); the envelope says who gets it, Bcc included. */
export interface OutboundMail {
  from: string;
  recipients: string[];
  raw: Buffer;
}

/**
 * Hands mail to whoever delivers it: SES on AWS; on a laptop, the local inbound path for local domains and
 * an outbox (or an SMTP relay) for the rest. `captured` means it was kept, not delivered.
 */
export interface MailSender {
  send(mail: OutboundMail): Promise<{ providerMessageId: string; status: 'sent' | 'captured' }>;
}

export class DomainHeldElsewhere extends Error {
  constructor(domain: string) {
    super(`${domain} is known to the mail service already, and not as this org's domain`);
    this.name = 'DomainHeldElsewhere';
  }
}

/** Where a domain stands with the mail service: waiting for its DNS records, able to receive and send, or refused. */
export type MailDomainStatus = 'pending' | 'verified' | 'failed';

export interface MailDomainState {
  status: MailDomainStatus;
  /** Easy DKIM's tokens: each is a CNAME `<token>._domainkey.<domain>` → `<token>.dkim.amazonses.com`. */
  dkimTokens: string[];
}

/**
 * Registers an org's own domains with the mail service (SES identities with Easy DKIM on AWS; on a laptop a domain
 * is verified at once). `inboundMxHost` is the host the domain's MX record names.
 */
export interface MailDomains {
  readonly inboundMxHost: string;
  /**
   * Starts verifying the domain for the org; registering one this org registered already answers its state. A
   * domain the service knows from elsewhere (another org, another application in the account) throws
   * `DomainHeldElsewhere`: adopting it would hand its mail to this org.
   */
  register(domain: string, orgId: string): Promise<MailDomainState>;
  /** Undefined when the service does not know the domain. */
  state(domain: string): Promise<MailDomainState | undefined>;
  /** Forgets the domain; one already gone is no error. */
  remove(domain: string): Promise<void>;
}
