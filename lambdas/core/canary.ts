import MailComposer from 'nodemailer/lib/mail-composer';
import { systemActor } from './audit';
import { getAddressClaim } from './address-claims';
import type { CoreDeps } from './deps';
import { newId } from './ids';
import { createInbox, type InboxItem } from './inboxes';
import { queryAll } from './listing';
import type { MessageItem } from './messages/messages';
import { METRIC } from './metric-names';
import { canaryHoldKey, canaryProbeKey, canaryProbePrefix, inboxKey, messageListPrefix } from './table-keys';

/** The canary's inbox lives in an org of its own: no key can reach it, and no org's webhooks hear its probes. */
export const CANARY_ORG_ID = 'org_canary';
const SUBJECT_PREFIX = 'Mailroom canary probe ';
/** Newest messages looked at for probes; far more than the probes outstanding at any time. */
const RECENT_MESSAGES = 50;
/**
 * After a probe goes missing, at most one probe this often until one arrives: while inbound mail is broken each
 * probe bounces, and bounces count against the account's SES reputation.
 */
export const CANARY_HOLD_OFF_MS = 60 * 60 * 1000;

export interface CanarySettings {
  /** Where probes are sent: an address at one of the deployment's domains. */
  address: string;
  /** A probe not stored after this long is reported missing. */
  alarmAfterMs: number;
}

export interface CanaryRound {
  /** The probe sent this round, or null while holding off after a missing one. */
  sent: string | null;
  stored: { probeId: string; seconds: number }[];
  missing: string[];
}

interface ProbeItem {
  pk: string;
  sk: string;
  probeId: string;
  sentAt: string;
  expiresAt: number;
}

/**
 * One round of the silent-inbound canary: probes sent earlier are looked for in the canary inbox (stored ones
 * are timed, those older than `alarmAfterMs` reported missing), then a new probe is sent through the real
 * sending path to the real receiving path, unless the canary is holding off after a missing probe. Alarms watch
 * the counts; a round that cannot run throws.
 */
export async function runCanaryRound(deps: CoreDeps, settings: CanarySettings): Promise<CanaryRound> {
  const inbox = await canaryInbox(deps, settings.address);
  const now = deps.clock.now();
  const round: CanaryRound = { sent: null, stored: [], missing: [] };

  const outstanding = await queryAll<ProbeItem & Record<string, unknown>>(deps.table, canaryProbePrefix(settings.address));
  if (outstanding.length) {
    const arrived = await recentProbeArrivals(deps, inbox);
    for (const probe of outstanding) {
      const receivedAt = arrived.get(probe.probeId);
      const age = now.getTime() - Date.parse(probe.sentAt);
      if (receivedAt) {
        const seconds = Math.max(0, (Date.parse(receivedAt) - Date.parse(probe.sentAt)) / 1000);
        round.stored.push({ probeId: probe.probeId, seconds });
        deps.metrics.seconds(METRIC.canaryDeliverySeconds, seconds);
      } else if (age > settings.alarmAfterMs) {
        round.missing.push(probe.probeId);
        deps.log.error('canary probe not stored in time: inbound mail may have stopped', { probeId: probe.probeId, sentAt: probe.sentAt, address: settings.address });
      } else {
        continue;
      }
      await deps.table.delete(canaryProbeKey(settings.address, probe.probeId));
    }
  }
  deps.metrics.count(METRIC.canaryProbesStored, round.stored.length);
  deps.metrics.count(METRIC.canaryProbesMissing, round.missing.length);

  if (await mayProbe(deps, settings.address, round, now)) {
    round.sent = await sendProbe(deps, settings.address, now);
    deps.metrics.count(METRIC.canaryProbesSent);
  } else {
    deps.log.warn('canary holding off: a probe went missing and none has arrived since, so one probe an hour', { address: settings.address });
  }
  deps.log.info('canary round', { sent: round.sent, stored: round.stored.length, missing: round.missing.length });
  return round;
}

/**
 * Whether this round sends a probe. A missing probe starts a hold: from then on one probe an hour, until one is
 * stored, which ends the hold.
 */
async function mayProbe(deps: CoreDeps, address: string, round: CanaryRound, now: Date): Promise<boolean> {
  const key = canaryHoldKey(address);
  if (round.stored.length) {
    await deps.table.delete(key);
    return true;
  }
  const hold = await deps.table.get<{ pk: string; sk: string; lastProbeAt: string }>(key);
  if (!hold && !round.missing.length) return true;
  if (hold && now.getTime() - Date.parse(hold.lastProbeAt) < CANARY_HOLD_OFF_MS) return false;
  // The hold begins now (no probe this round), or an hour has passed since its last probe.
  const probing = hold !== undefined;
  await deps.table.put({ ...key, type: 'canary-hold', lastProbeAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + 7 * 24 * 3600 });
  return probing;
}

async function sendProbe(deps: CoreDeps, address: string, now: Date): Promise<string> {
  const probeId = newId('prb', now);
  const raw = await new MailComposer({
    from: address,
    to: address,
    subject: `${SUBJECT_PREFIX}${probeId}`,
    text: `Sent by Mailroom's canary at ${now.toISOString()} to check that inbound mail is still stored.`,
    headers: { 'X-Mailroom-Canary': probeId, 'Auto-Submitted': 'auto-generated' },
  })
    .compile()
    .build();
  // Recorded before sending: a probe that SES accepted but that never arrives must still be missed.
  const expiresAt = Math.floor(now.getTime() / 1000) + 2 * 24 * 3600;
  await deps.table.put({ ...canaryProbeKey(address, probeId), type: 'canary-probe', probeId, sentAt: now.toISOString(), expiresAt });
  await deps.mailSender.send({ from: address, recipients: [address], raw });
  return probeId;
}

/** Probe ids among the canary inbox's newest messages, with when each was received. */
async function recentProbeArrivals(deps: CoreDeps, inbox: InboxItem): Promise<Map<string, string>> {
  const { items } = await deps.table.query<MessageItem>({ ...messageListPrefix(inbox.orgId, inbox.id), limit: RECENT_MESSAGES, newestFirst: true });
  const arrivals = new Map<string, string>();
  for (const message of items) {
    if (message.direction === 'inbound' && message.subject.startsWith(SUBJECT_PREFIX)) {
      arrivals.set(message.subject.slice(SUBJECT_PREFIX.length).trim(), message.receivedAt);
    }
  }
  return arrivals;
}

/** The inbox probes go to, created on the first round and kept for a day's worth of probes. */
async function canaryInbox(deps: CoreDeps, address: string): Promise<InboxItem> {
  const claim = await getAddressClaim(deps, address);
  if (claim?.inboxId && claim.orgId === CANARY_ORG_ID) {
    const inbox = await deps.table.get<InboxItem>(inboxKey(claim.orgId, claim.inboxId));
    if (inbox) return inbox;
  }
  const [localPart, domain] = address.split('@');
  return createInbox(deps, systemActor(CANARY_ORG_ID, 'canary'), { localPart, domain, label: 'Mailroom canary', retentionDays: 1 });
}
