import { isoTime } from '../listing';

/** What a caller can ask of a message list or a wait; every field narrows. */
export interface MessageFilter {
  /** Part of the sender's address or name, any case. */
  from?: string;
  subjectContains?: string;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  hasAttachments?: boolean;
  unread?: boolean;
  /** Received or sent mail only. */
  direction?: 'inbound' | 'outbound';
}

interface FilterableMessage {
  from: { name: string; address: string } | null;
  subject: string;
  receivedAt: string;
  hasAttachments: boolean;
  unread?: boolean;
  quarantined: boolean;
  blockedBy?: unknown;
  direction: 'inbound' | 'outbound';
}

/** Which kept-apart mail a list shows: quarantined mail beside the rest, or blocked mail instead of it. */
export interface KeptApart {
  includeQuarantined?: boolean;
  blockedOnly?: boolean;
}

/** A predicate for one message; quarantined and blocked mail only pass when asked for. */
export function messageMatcher(filter: MessageFilter, { includeQuarantined = false, blockedOnly = false }: KeptApart = {}): (m: FilterableMessage) => boolean {
  const from = filter.from?.toLowerCase();
  const subject = filter.subjectContains?.toLowerCase();
  const since = filter.since && isoTime(filter.since, 'since');
  const until = filter.until && isoTime(filter.until, 'until');
  return (m) =>
    (includeQuarantined || !m.quarantined) &&
    Boolean(m.blockedBy) === blockedOnly &&
    (!since || m.receivedAt >= since) &&
    (!until || m.receivedAt <= until) &&
    (!from || `${m.from?.name ?? ''} <${m.from?.address ?? ''}>`.toLowerCase().includes(from)) &&
    (!subject || m.subject.toLowerCase().includes(subject)) &&
    (filter.hasAttachments === undefined || m.hasAttachments === filter.hasAttachments) &&
    (filter.unread === undefined || (m.unread ?? true) === filter.unread) &&
    (filter.direction === undefined || m.direction === filter.direction);
}
