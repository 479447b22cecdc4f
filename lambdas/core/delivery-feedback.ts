import type { Item } from '../ports';
import { METRIC, type MetricName } from './metric-names';
import type { CoreDeps } from './deps';
import { hashId } from './ids';
import { listNewestFirst, type ListPage, type ListRequest } from './listing';
import { toSummary, type DeliveryStatus, type MessageItem } from './messages/messages';
import { messageKey, sentMessageKey, suppressionKey, suppressionListPrefix } from './table-keys';
import { auditWrite, type Actor } from './audit';
import { notFound } from './errors';

/** What SES reports about a sent message through its configuration set (the `detail` of its EventBridge events). */
export interface SesFeedback {
  eventType: string;
  mail: { messageId: string; timestamp?: string; destination?: string[] };
  delivery?: { timestamp: string; recipients: string[] };
  bounce?: { feedbackId: string; timestamp: string; bounceType: string; bouncedRecipients: { emailAddress: string; diagnosticCode?: string }[] };
  complaint?: { feedbackId: string; timestamp: string; complainedRecipients: { emailAddress: string }[]; complaintFeedbackType?: string };
  reject?: { reason?: string };
}

/** Sent mail's index entry: SES names a message by its own id. */
export interface SentMessageIndex extends Item {
  orgId: string;
  inboxId: string;
  messageId: string;
  expiresAt: number;
}

export interface Suppression {
  address: string;
  reason: 'hard_bounce' | 'complaint';
  at: string;
  /** The sent message whose bounce or complaint put it here. */
  messageId: string;
}

/** A message shows the worst that happened to it. */
const RANK: Record<DeliveryStatus, number> = { sending: 0, captured: 1, sent: 1, delivered: 2, failed: 3, bounced: 4, complained: 5 };
const MAX_FEEDBACK_KEPT = 20;
const FEEDBACK_METRIC: Partial<Record<DeliveryStatus, MetricName>> = { delivered: METRIC.deliveries, bounced: METRIC.bounces, complained: METRIC.complaints };

/**
 * Applies one SES event to the message it is about: its delivery state (never downgraded), the recipients it
 * concerns, an event for webhooks (`message.delivered`, `message.bounced`, `message.complained`), and for hard
 * bounces and complaints the org's suppression list, which later sends respect. Repeating an event changes nothing.
 */
export async function applySesFeedback(deps: CoreDeps, feedback: SesFeedback): Promise<void> {
  const index = await deps.table.get<SentMessageIndex>(sentMessageKey(feedback.mail.messageId));
  if (!index) {
    deps.log.warn('SES event for a message Mailroom does not know (not sent by it, or expired)', { eventType: feedback.eventType });
    return;
  }
  const key = messageKey(index.orgId, index.inboxId, index.messageId);
  const message = await deps.table.get<MessageItem>(key);
  if (!message) return;
  const outcome = readFeedback(feedback);
  if (!outcome) return;

  const seen = message.deliveryFeedback ?? [];
  if (seen.some((f) => f.id === outcome.id)) return;
  const current = message.delivery ?? 'sent';
  const delivery = RANK[outcome.status] > RANK[current] ? outcome.status : current;
  const entry = { id: outcome.id, status: outcome.status, recipients: outcome.recipients, at: outcome.at, detail: outcome.detail };
  const updated = await deps.table.update<MessageItem>(key, { delivery, deliveryFeedback: [...seen, entry].slice(-MAX_FEEDBACK_KEPT) });
  if (!updated) return;
  const counted = FEEDBACK_METRIC[outcome.status];
  if (counted) deps.metrics.count(counted);
  if (outcome.suppress) {
    for (const address of outcome.recipients) {
      const suppression: Suppression = { address, reason: outcome.suppress, at: outcome.at, messageId: message.id };
      await deps.table.put({ ...suppressionKey(message.orgId, address), type: 'suppression', ...suppression });
    }
  }
  if (outcome.event) {
    await deps.events.publish({
      id: hashId('evt', outcome.event, message.orgId, message.id, outcome.id),
      type: outcome.event,
      timestamp: outcome.at,
      orgId: message.orgId,
      inboxId: message.inboxId,
      data: { ...toSummary(updated), recipients: outcome.recipients, detail: outcome.detail },
    });
  }
}

interface Outcome {
  id: string;
  status: DeliveryStatus;
  recipients: string[];
  at: string;
  detail: string | null;
  event: 'message.delivered' | 'message.bounced' | 'message.complained' | null;
  suppress: Suppression['reason'] | null;
}

function readFeedback(f: SesFeedback): Outcome | null {
  const at = f.mail.timestamp ?? new Date(0).toISOString();
  const lower = (list: string[]) => list.map((a) => a.toLowerCase());
  switch (f.eventType) {
    case 'Delivery': {
      const recipients = lower(f.delivery?.recipients ?? []);
      return { id: `delivery:${recipients.join(',')}`, status: 'delivered', recipients, at: f.delivery?.timestamp ?? at, detail: null, event: 'message.delivered', suppress: null };
    }
    case 'Bounce': {
      const b = f.bounce!;
      const permanent = b.bounceType === 'Permanent';
      const recipients = lower(b.bouncedRecipients.map((r) => r.emailAddress));
      const detail = b.bouncedRecipients.map((r) => r.diagnosticCode).filter(Boolean).join('; ') || `${b.bounceType} bounce`;
      // A transient bounce is SES still trying: worth recording, not a failure yet.
      return { id: b.feedbackId, status: permanent ? 'bounced' : 'sent', recipients, at: b.timestamp, detail, event: permanent ? 'message.bounced' : null, suppress: permanent ? 'hard_bounce' : null };
    }
    case 'Complaint': {
      const c = f.complaint!;
      const recipients = lower(c.complainedRecipients.map((r) => r.emailAddress));
      return { id: c.feedbackId, status: 'complained', recipients, at: c.timestamp, detail: c.complaintFeedbackType ?? null, event: 'message.complained', suppress: 'complaint' };
    }
    case 'Reject':
      return { id: 'reject', status: 'failed', recipients: lower(f.mail.destination ?? []), at, detail: f.reject?.reason ?? 'rejected by SES', event: null, suppress: null };
    default:
      return null;
  }
}

export async function listSuppressions(deps: CoreDeps, orgId: string, request: ListRequest): Promise<ListPage<Suppression>> {
  const { items, nextCursor } = await listNewestFirst<Item & Suppression>(deps.table, suppressionListPrefix(orgId), request, () => true);
  return { data: items.map(({ address, reason, at, messageId }) => ({ address, reason, at, messageId })), nextCursor };
}

/** Recipients of `addresses` the org must not send to, with why. */
export async function suppressedAmong(deps: CoreDeps, orgId: string, addresses: string[]): Promise<Suppression[]> {
  const found = await deps.table.getAll<Item & Suppression>(addresses.map((a) => suppressionKey(orgId, a)));
  return found.filter((s): s is Item & Suppression => s !== undefined);
}

/** Lets the org send to an address again (e.g. the mailbox was fixed); audited. */
export async function removeSuppression(deps: CoreDeps, actor: Actor, address: string): Promise<void> {
  const key = suppressionKey(actor.orgId, address.toLowerCase());
  if (!(await deps.table.get(key))) throw notFound('suppression');
  await deps.table.transactWrite([{ delete: key }, auditWrite(deps, actor, 'suppression.removed', { type: 'address', id: address.toLowerCase() }, {})]);
}
