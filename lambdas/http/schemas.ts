import * as z from 'zod';
import { MAX_RETENTION_DAYS } from '../core/retention';
import { AUDIT_ACTIONS } from '../core/audit';
import { SCOPES } from '../core/auth';
import { EVENT_TYPES } from '../core/events/events';
import { LINK_KINDS } from '../core/mail/link-kinds';
import { DOMAIN_PATTERN } from '../core/mail/addresses';
import { CREDENTIAL_NAME, CREDENTIAL_TYPES, TOTP_ALGORITHMS } from '../core/vault';
import { ID_PATTERN } from '../core/ids';
import { MAX_SEARCH_LENGTH } from '../core/messages/message-search';
import { RULE_ACTIONS, RULE_DIRECTIONS, RULE_MATCH_PATTERN } from '../core/rules/rule-matching';
import { MAX_RULES_PER_LIST } from '../core/rules/rules';
import { DEFAULT_ORG_ID } from '../core/table-keys';

/** Request and response shapes: one source for validation and for `GET /v1/openapi.json`. */

export const id = (what: string) => z.string().regex(ID_PATTERN).describe(`${what} id`);
/** Org ids are generated ids, except the org every deployment starts with. */
export const orgId = z.union([z.literal(DEFAULT_ORG_ID), id('org')]).describe('org id');
export const attachmentId = z.string().regex(/^att_\d{1,4}$/).describe('attachment id');

export const inboxParams = z.object({ inboxId: id('inbox') });
export const messageParams = inboxParams.extend({ messageId: id('message') });

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('page size (1–100)'),
  cursor: z.string().max(2048).optional().describe('`nextCursor` of the previous page'),
});

const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

const optionalFlag = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true'));

export const label = z.string().min(1).max(64).regex(/^[^\u0000-\u001f]+$/, 'labels hold no control characters');

export const messageListQuery = listQuery.extend({
  includeQuarantined: flag.describe('also list messages SES flagged as carrying a virus'),
  blocked: flag.describe('list only the mail the org’s or the inbox’s rules kept out of the inbox (keys with inboxes:write)'),
  from: z.string().min(1).max(320).optional().describe('part of the sender’s address or name, any case'),
  subjectContains: z.string().min(1).max(998).optional().describe('part of the subject, any case'),
  since: z.iso.datetime({ offset: true }).optional().describe('received at or after this time'),
  until: z.iso.datetime({ offset: true }).optional().describe('received at or before this time'),
  hasAttachments: optionalFlag.describe('only messages with (true) or without (false) attachments'),
  unread: optionalFlag.describe('only unread (true) or read (false) messages'),
  direction: z.enum(['inbound', 'outbound']).optional().describe('only received (inbound) or sent (outbound) mail; sent mail that was only captured locally is the outbox'),
  q: z
    .string()
    .min(1)
    .max(MAX_SEARCH_LENGTH)
    .optional()
    .describe(
      'a search, ANDed with the other filters: from:, to: (To and Cc), subject:, label:, has:attachment, is:unread, is:read, ' +
        'after:/before: (YYYY-MM-DD or an ISO time; after is on or after), and words looked for in the subject and snippet; ' +
        '"quoted values" keep their spaces, -term or !term negates. Example: from:ada has:attachment after:2026-12-01 invoice -draft. ' +
        'A page may hold fewer than limit while nextCursor is set',
    ),
});

export const exportQuery = z.object({
  format: z.enum(['mbox', 'json']).default('mbox').describe('mbox: the raw messages (mboxrd); json: messages with metadata, bodies and headers'),
  includeQuarantined: flag.describe('also export messages SES flagged as carrying a virus'),
});

export const updateMessageBody = z
  .object({
    unread: z.boolean().optional().describe('mark the message unread (true) or read (false)'),
    labels: z.array(label).max(20).optional().describe('replaces the message’s labels (at most 20)'),
  })
  .strict()
  .refine((b) => b.unread !== undefined || b.labels !== undefined, 'give unread, labels or both');

export const metadata = z
  .record(z.string().min(1).max(64), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 20, 'metadata holds at most 20 keys')
  .describe('your own key/value pairs (at most 20)');

const recipientEntry = z
  .string()
  .min(3)
  .max(320)
  .regex(/^([^@\s]+@)?[a-z0-9.-]+\.[a-z]{2,}$/i, 'an address (ada@example.com) or a domain (example.com)');

export const sendingGuardrails = z
  .object({
    dailyLimit: z.number().int().min(0).max(100_000).nullable().describe('messages the inbox may send per UTC day (null: the default, 200)'),
    allowList: z.array(recipientEntry).max(1000).describe('when not empty, only these addresses or domains may be sent to'),
    blockList: z.array(recipientEntry).max(1000).describe('addresses or domains never sent to'),
  })
  .strict()
  .meta({ id: 'SendingGuardrails' });

export const createInboxBody = z
  .object({
    localPart: z.string().min(1).max(64).optional().describe('the part before @; random when omitted'),
    domain: z.string().min(1).max(253).optional().describe('one of the configured domains; the first when omitted'),
    label: z.string().max(200).optional(),
    metadata: metadata.optional(),
    retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).optional().describe('how long messages are kept'),
    ttlMinutes: z
      .number()
      .int()
      .min(10)
      .max(30 * 24 * 60)
      .optional()
      .describe('a temporary inbox: it and its messages expire after this many minutes'),
    codesFromUnverifiedMail: z.boolean().optional().describe('also extract codes from mail that failed DMARC or that SES flagged as spam (default false: such mail could be a forgery feeding an agent a code)'),
    sending: sendingGuardrails.optional(),
  })
  .strict();

export const updateInboxBody = z
  .object({
    label: z.string().max(200).nullable().optional(),
    metadata: metadata.optional(),
    retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable().optional(),
    codesFromUnverifiedMail: z.boolean().optional(),
    sending: sendingGuardrails.optional(),
  })
  .strict();

const address = z.object({ address: z.string(), name: z.string() }).meta({ id: 'Address' });
const verdict = z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']);

export const inboxSchema = z
  .object({
    id: z.string(),
    address: z.string(),
    localPart: z.string(),
    domain: z.string(),
    label: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    retentionDays: z.number().int(),
    codesFromUnverifiedMail: z.boolean().describe('codes are also extracted from mail that failed DMARC or was flagged as spam'),
    sending: sendingGuardrails,
    blockedMessages: z.number().int().describe('received mail the rules kept out of this inbox (list it with blocked=true)'),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Inbox' });

export const messageSummarySchema = z
  .object({
    id: z.string(),
    inboxId: z.string(),
    threadId: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    delivery: z
      .enum(['sending', 'sent', 'captured', 'failed', 'delivered', 'bounced', 'complained'])
      .nullable()
      .describe('sent mail: handed to SES (sent), kept by the local stack instead of delivered (captured), or what SES reported; null for received mail'),
    from: address.nullable(),
    to: z.array(address),
    cc: z.array(address),
    subject: z.string(),
    receivedAt: z.string(),
    size: z.number().int(),
    snippet: z.string(),
    hasAttachments: z.boolean(),
    verdicts: z.object({ spam: verdict, virus: verdict, spf: verdict, dkim: verdict, dmarc: verdict }),
    extracted: z
      .object({
        codes: z.array(z.string()).describe('one-time codes the mail asks the reader to type in'),
        links: z.array(z.object({ url: z.string(), kind: z.enum(LINK_KINDS), text: z.string().nullable().describe('the anchor text') })),
        codesWithheld: z
          .enum(['dmarc_failed', 'spam'])
          .nullable()
          .describe('set when codes were not extracted because the mail failed DMARC or was flagged as spam (see the inbox’s codesFromUnverifiedMail)'),
      })
      .meta({ id: 'Extracted' }),
    recipient: z.string().describe('the envelope address this copy was delivered to, without its +tag'),
    tag: z.string().nullable().describe('the +tag of the recipient address, if any'),
    quarantined: z.boolean(),
    blockedBy: z
      .object({ ruleId: z.string(), level: z.enum(['org', 'inbox']) })
      .nullable()
      .describe('set on received mail a rule kept out of the inbox: no webhook, no codes or links, in no thread'),
    parseError: z.object({ code: z.string(), reason: z.string() }).nullable().describe('set when the MIME could not be parsed; raw bytes are kept'),
    unread: z.boolean().describe('true until marked read (sent mail starts read)'),
    labels: z.array(z.string()),
    bcc: z.array(address).describe('sent mail only: the Bcc recipients, which its headers do not show'),
  })
  .meta({ id: 'MessageSummary' });

export const messageSchema = messageSummarySchema
  .extend({
    replyTo: z.array(address),
    sentAt: z.string().nullable().describe('the Date header'),
    messageIdHeader: z.string().nullable(),
    inReplyTo: z.string().nullable(),
    references: z.array(z.string()),
    text: z.string().nullable(),
    html: z.string().nullable(),
    headers: z.array(z.object({ name: z.string(), value: z.string() })),
    attachments: z.array(
      z.object({
        id: z.string(),
        filename: z.string().nullable(),
        contentType: z.string(),
        size: z.number().int(),
        sha256: z.string(),
        contentId: z.string().nullable(),
        inline: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'Message' });

const ruleMatch = z
  .string()
  .min(1)
  .max(320)
  .transform((m) => m.trim().toLowerCase())
  .refine((m) => RULE_MATCH_PATTERN.test(m), 'an address (ada@example.com), a domain (example.com), its subdomains (*.example.com) or * (everything)')
  .describe('the address it is about: ada@example.com, example.com (that domain), *.example.com (its subdomains) or * (every address, and mail without one)');
const rulePosition = z
  .number()
  .int()
  .min(0)
  .max(MAX_RULES_PER_LIST)
  .describe('its place among the list’s rules of its direction, from 0 (the first decides first); at the end when omitted');
const ruleNote = z.string().max(200).nullable().describe('why the rule is there');

const commaList = <T extends z.ZodType<string, string>>(item: T, what: string) =>
  z
    .string()
    .max(2000)
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item).min(1).max(100))
    .describe(what);

export const eventStreamQuery = z.object({
  inboxIds: commaList(id('inbox'), 'only events about these inboxes (comma-separated ids)').optional(),
  types: commaList(z.enum(EVENT_TYPES), `only these event types (comma-separated): ${EVENT_TYPES.join(', ')}`).optional(),
  lastEventId: z.string().max(100).optional().describe('where to resume, as the Last-Event-ID header says it (for clients that cannot set headers)'),
});

export const domainParams = z.object({
  domain: z
    .string()
    .max(253)
    .transform((d) => d.toLowerCase())
    .refine((d) => DOMAIN_PATTERN.test(d))
    .describe('the domain, e.g. mail.example.com'),
});
export const createDomainBody = z.object({ domain: z.string().min(1).max(253).describe('a domain you control, e.g. mail.example.com') }).strict();
export const domainSchema = z
  .object({
    domain: z.string(),
    status: z.enum(['pending', 'verified', 'failed']).describe('verified once the DKIM records resolve; only then does its mail reach inboxes'),
    records: z
      .array(
        z.object({
          type: z.enum(['MX', 'TXT', 'CNAME']),
          name: z.string(),
          value: z.string(),
          purpose: z.enum(['receiving', 'dkim', 'spf', 'dmarc']).describe('receiving: the MX; dkim: verifies the domain and signs its mail; spf and dmarc: sender policy'),
        }),
      )
      .describe('the DNS records to add'),
    createdAt: z.string(),
    verifiedAt: z.string().nullable(),
  })
  .meta({ id: 'Domain' });

export const ruleParams = z.object({ ruleId: id('rule') });
export const ruleListQuery = z.object({ direction: z.enum(RULE_DIRECTIONS).optional().describe('only receiving or only sending rules') });

export const createRuleBody = z
  .object({
    direction: z.enum(RULE_DIRECTIONS).describe('receiving: about the sender (From) of mail that arrives; sending: about each recipient of mail sent'),
    action: z.enum(RULE_ACTIONS),
    match: ruleMatch,
    note: ruleNote.optional(),
    position: rulePosition.optional(),
  })
  .strict();

export const updateRuleBody = z
  .object({ action: z.enum(RULE_ACTIONS).optional(), match: ruleMatch.optional(), note: ruleNote.optional(), position: rulePosition.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give action, match, note or position');

export const ruleSchema = z
  .object({
    id: z.string(),
    level: z.enum(['org', 'inbox']).describe('whose list: the org’s (it decides first) or one inbox’s'),
    inboxId: z.string().nullable(),
    direction: z.enum(RULE_DIRECTIONS),
    action: z.enum(RULE_ACTIONS),
    match: z.string(),
    position: z.number().int(),
    note: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Rule' });

export const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), requestId: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
  })
  .meta({ id: 'Error' });

export const healthSchema = z.object({ status: z.literal('ok'), version: z.string() });

export const scope = z.enum(SCOPES).meta({ id: 'Scope' });

export const createOrgBody = z.object({ name: z.string().min(1).max(200), metadata: metadata.optional() }).strict();

export const orgSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    metadata: z.record(z.string(), z.string()),
    status: z.enum(['active', 'deleting']).describe('deleting: its deletion began and has not finished'),
    createdAt: z.string(),
  })
  .meta({ id: 'Org' });

export const orgDeletionSchema = z
  .object({
    id: z.string(),
    status: z.enum(['deleted', 'deleting']).describe('deleting: there was more than one request’s work; call DELETE again to carry on'),
  })
  .meta({ id: 'OrgDeletion' });

export const createApiKeyBody = z
  .object({
    name: z.string().min(1).max(200).describe('what the key is for, shown when listing keys'),
    scopes: z.array(scope).min(1).max(SCOPES.length).describe('what the key may do; at most the scopes of the key creating it'),
    inboxIds: z.array(id('inbox')).min(1).max(100).optional().describe('restrict the key to these inboxes; others look like they do not exist'),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe('when the key stops working (ISO-8601)'),
    orgId: orgId.optional().describe('mint the key into another org (admin keys only)'),
  })
  .strict();

/** Admin keys manage keys in any org; every other key only in its own. */
export const keyOrgQuery = z.object({ orgId: orgId.optional().describe('the org whose keys to act on (admin keys only; default: the caller’s)') });

export const rotateApiKeyBody = z
  .object({
    gracePeriodSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 3600)
      .default(24 * 3600)
      .describe('how long the old key keeps working (default 24 hours)'),
  })
  .strict();

export const apiKeySchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    scopes: z.array(scope),
    inboxIds: z.array(z.string()).nullable(),
    prefix: z.string().describe('the first characters of the key, for recognising it'),
    last4: z.string().describe('the last four characters of the key'),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.string(),
    createdBy: z.string().nullable().describe('the key that created this one'),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    rotatedTo: z.string().nullable().describe('the key that replaced this one'),
  })
  .meta({ id: 'ApiKey' });

export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().describe('the API key itself: shown only in this response') })
  .meta({ id: 'CreatedApiKey' });

export const auditQuery = listQuery.extend({
  actor: z.string().max(100).optional().describe('only events by this API key id'),
  action: z.enum(AUDIT_ACTIONS).optional().describe('only events of this action'),
  since: z.iso.datetime({ offset: true }).optional().describe('only events at or after this time'),
  until: z.iso.datetime({ offset: true }).optional().describe('only events at or before this time'),
});

export const auditEventSchema = z
  .object({
    id: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    actor: z.object({ type: z.enum(['api_key', 'system']), id: z.string() }),
    target: z.object({ type: z.string(), id: z.string() }),
    at: z.string(),
    requestId: z.string().nullable(),
    sourceIp: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

export const eventType = z.enum(EVENT_TYPES).meta({ id: 'EventType' });
const webhookUrl = z.string().min(1).max(2048).describe('where events are POSTed (https://; http:// only on the local stack)');
const webhookInboxIds = z.array(id('inbox')).min(1).max(100).describe('only events about these inboxes');

export const createWebhookBody = z
  .object({
    url: webhookUrl,
    events: z.array(eventType).min(1).describe('the event types to send'),
    inboxIds: webhookInboxIds.optional(),
    description: z.string().max(500).optional(),
    enabled: z.boolean().optional().describe('default true'),
  })
  .strict();

export const updateWebhookBody = z
  .object({
    url: webhookUrl.optional(),
    events: z.array(eventType).min(1).optional(),
    inboxIds: webhookInboxIds.nullable().optional(),
    description: z.string().max(500).nullable().optional(),
    enabled: z.boolean().optional().describe('true also clears a disabled endpoint’s failure record'),
  })
  .strict();

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    inboxIds: z.array(z.string()).nullable(),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().describe('why Mailroom turned the endpoint off (410 Gone, or 5 days of failures)'),
    failingSince: z.string().nullable().describe('start of the current run of failed attempts'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Webhook' });

export const webhookWithSecretSchema = webhookSchema
  .extend({ secret: z.string().describe('the signing secret (whsec_…): shown only in this response') })
  .meta({ id: 'WebhookWithSecret' });

export const deliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string().describe('the webhook-id header: the same on every attempt'),
    eventType: z.string(),
    payload: z.unknown().describe('the body sent: {type, timestamp, data}'),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attemptCount: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    attempts: z.array(
      z.object({
        at: z.string(),
        trigger: z.enum(['schedule', 'manual']),
        statusCode: z.number().int().nullable(),
        latencyMs: z.number().int(),
        responseSnippet: z.string().nullable().describe('the first 1 KB of the response body'),
        error: z.string().nullable(),
      }),
    ),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Delivery' });

export const deliveryQuery = listQuery.extend({ status: z.enum(['pending', 'succeeded', 'failed']).optional() });

const secretText = (what: string) => z.string().min(1).max(10_000).describe(what);
const totpFields = {
  seed: z.string().min(16).max(256).optional().describe('base32 seed as the site shows it'),
  uri: z.string().max(2048).optional().describe('otpauth://totp/… URI, as a QR code carries it'),
  digits: z.number().int().min(6).max(8).optional().describe('default 6, or what the URI says'),
  period: z.number().int().min(1).max(300).optional().describe('seconds; default 30, or what the URI says'),
  algorithm: z.enum(TOTP_ALGORITHMS).optional().describe('default SHA1, or what the URI says'),
};

export const credentialBody = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('login'),
        username: z.string().min(1).max(500),
        password: secretText('the password'),
        url: z.string().max(2048).optional(),
        notes: secretText('private notes, sealed with the password').optional(),
        totp: z.object(totpFields).strict().optional().describe('the login’s second factor'),
      })
      .strict(),
    z.object({ type: z.literal('totp'), ...totpFields }).strict(),
    z.object({ type: z.literal('api_key'), key: secretText('the key'), notes: secretText('private notes').optional() }).strict(),
    z.object({ type: z.literal('secret_note'), text: secretText('the note') }).strict(),
  ])
  .meta({ id: 'CredentialInput' });

export const credentialName = z.string().regex(CREDENTIAL_NAME).describe('credential name');

const totpParams = z.object({ digits: z.number().int(), period: z.number().int(), algorithm: z.enum(TOTP_ALGORITHMS) });

export const credentialSchema = z
  .object({
    name: z.string(),
    inboxId: z.string(),
    type: z.enum(CREDENTIAL_TYPES),
    version: z.number().int().describe('grows by one on every overwrite; older versions cannot be decrypted'),
    username: z.string().nullable(),
    url: z.string().nullable(),
    totp: totpParams.nullable().describe('TOTP settings when the credential produces codes; the seed is never returned'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Credential' });

export const revealedCredentialSchema = credentialSchema
  .extend({
    secret: z
      .object({ password: z.string().optional(), notes: z.string().optional(), key: z.string().optional(), text: z.string().optional() })
      .optional()
      .describe('present with ?reveal=true (scope vault:reveal); never holds a TOTP seed'),
  })
  .meta({ id: 'CredentialWithSecret' });

export const revealQuery = z.object({
  reveal: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('include the secret fields (needs vault:reveal; audited)'),
});

export const totpCodeSchema = z
  .object({ code: z.string(), expiresIn: z.number().int().describe('seconds the code stays valid'), period: z.number().int() })
  .meta({ id: 'TotpCode' });

export const waitBody = z
  .object({
    from: z.string().min(1).max(320).optional().describe('part of the sender’s address or name, any case'),
    subjectContains: z.string().min(1).max(998).optional().describe('part of the subject, any case'),
    since: z.iso.datetime({ offset: true }).optional().describe('only messages received at or after this time'),
    timeoutSeconds: z.number().int().min(0).max(25).default(25).describe('how long to wait (at most 25 s, within API Gateway’s limit)'),
  })
  .strict();

export const waitResultSchema = z
  .object({ timedOut: z.boolean(), message: messageSummarySchema.nullable() })
  .meta({ id: 'WaitResult' });

const mailbox = z.email().max(320);

const outgoing = {
  cc: z.array(mailbox).max(50).optional(),
  bcc: z.array(mailbox).max(50).optional().describe('recipients the others do not see'),
  text: z.string().max(5_000_000).optional(),
  html: z.string().max(5_000_000).optional(),
  attachments: z
    .array(
      z.object({
        filename: z.string().min(1).max(255),
        contentType: z.string().max(255).optional(),
        content: z.base64().describe('the bytes, base64'),
      }),
    )
    .max(20)
    .optional()
    .describe('at most 7 MB in all'),
  headers: z
    .record(z.string().max(76), z.string().max(998))
    .optional()
    .describe('X-… headers (not X-SES-/X-Amz-), List-Unsubscribe, List-Unsubscribe-Post, List-Id, Auto-Submitted, Precedence'),
};

export const threadSchema = z
  .object({
    id: z.string(),
    subject: z.string().describe('the first message’s, without Re:/Fwd:'),
    messageCount: z.number().int(),
    participants: z.array(z.string()).describe('who wrote in it (at most 20 addresses, in alphabetical order)'),
    lastMessageId: z.string(),
    lastActivityAt: z.string(),
    snippet: z.string().describe('the start of the newest message'),
  })
  .meta({ id: 'Thread' });

export const threadWithMessagesSchema = threadSchema.extend({ messages: z.array(messageSummarySchema).describe('oldest first') }).meta({ id: 'ThreadWithMessages' });

export const whoamiSchema = z
  .object({
    keyId: z.string(),
    orgId: z.string(),
    scopes: z.array(scope),
    inboxIds: z.array(z.string()).nullable().describe('the inboxes the key is restricted to, or null for all'),
    expiresAt: z.string().nullable(),
  })
  .meta({ id: 'Whoami' });

export const suppressionSchema = z
  .object({
    address: z.string(),
    reason: z.enum(['hard_bounce', 'complaint']),
    at: z.string(),
    messageId: z.string().describe('the sent message whose bounce or complaint added it'),
  })
  .meta({ id: 'Suppression' });

export const sendBody = z
  .object({ to: z.array(mailbox).min(1).max(50), subject: z.string().max(998), ...outgoing })
  .strict()
  .meta({ id: 'SendMessage' });

export const replyBody = z
  .object({ replyAll: z.boolean().optional().describe('also to everyone else the message was addressed to'), ...outgoing })
  .strict()
  .meta({ id: 'ReplyMessage' });
