import type { CoreDeps } from './deps';
import { getInbox, toInbox } from './inboxes';
import { isLive } from './listing';
import { fullMessage, type MessageItem } from './messages/messages';
import { readAhead, type ReadAheadLimits } from './read-ahead';
import { rawKeyOf } from './raw-mail';
import { messageListPrefix, type ItemKey } from './table-keys';

export type ExportFormat = 'mbox' | 'json';

export interface InboxExport {
  contentType: string;
  filename: string;
  /** Produced a message at a time, so memory stays bounded by a few messages, not the inbox. */
  chunks: AsyncIterable<Buffer>;
}

const PAGE = 50;
/**
 * Messages read ahead of the one being sent: a stream then waits about one store round trip per eight messages
 * rather than one per message, and holds at most 16 MB of them (sized by their raw bytes) besides the one it sends.
 */
const AHEAD: ReadAheadLimits<MessageItem> = { items: 8, bytes: 16 * 1024 * 1024, sizeOf: (m) => m.size };

/** Checks the inbox now (so a wrong id is a 404, not a broken stream), then reads it oldest first as it is sent. */
export async function exportInbox(deps: CoreDeps, orgId: string, inboxId: string, format: ExportFormat, options: { includeQuarantined?: boolean } = {}): Promise<InboxExport> {
  const inbox = await getInbox(deps, orgId, inboxId);
  const messages = messagesOldestFirst(deps, orgId, inboxId, options.includeQuarantined ?? false);
  const stem = `${inbox.address.replace(/[^a-zA-Z0-9._-]/g, '_')}-${deps.clock.now().toISOString().slice(0, 10)}`;
  if (format === 'mbox') {
    return { contentType: 'application/mbox', filename: `${stem}.mbox`, chunks: mboxChunks(deps, messages) };
  }
  const header = { inbox: toInbox(inbox, deps.settings.defaultRetentionDays), exportedAt: deps.clock.now().toISOString() };
  return { contentType: 'application/json', filename: `${stem}.json`, chunks: jsonChunks(deps, header, messages) };
}

async function* messagesOldestFirst(deps: CoreDeps, orgId: string, inboxId: string, includeQuarantined: boolean): AsyncGenerator<MessageItem> {
  let startAfter: ItemKey | undefined;
  do {
    const page = await deps.table.query<MessageItem>({ ...messageListPrefix(orgId, inboxId), limit: PAGE, startAfter });
    const live = isLive(deps.clock.now());
    for (const item of page.items) if (live(item) && (includeQuarantined || !item.quarantined) && !item.blockedBy) yield item;
    startAfter = page.lastKey;
  } while (startAfter);
}

async function* mboxChunks(deps: CoreDeps, messages: AsyncIterable<MessageItem>): AsyncGenerator<Buffer> {
  const withRaw = readAhead(messages, async (m) => ({ m, raw: await deps.blobs.get(rawKeyOf(m)) }), AHEAD);
  for await (const { m, raw } of withRaw) {
    // Deleted while the export ran.
    if (!raw) continue;
    yield mboxEntry(raw, m.from?.address ?? null, new Date(m.receivedAt));
  }
}

async function* jsonChunks(deps: CoreDeps, header: object, messages: AsyncIterable<MessageItem>): AsyncGenerator<Buffer> {
  const open = JSON.stringify(header);
  yield Buffer.from(`${open.slice(0, -1)},"messages":[\n`);
  let first = true;
  for await (const message of readAhead(messages, (m) => fullMessage(deps, m), AHEAD)) {
    yield Buffer.from(`${first ? '' : ',\n'}${JSON.stringify(message)}`);
    first = false;
  }
  yield Buffer.from('\n]}\n');
}

/**
 * One message in mboxrd form: a `From ` separator line with the sender and the receive time, the message
 * with LF line ends, every line that starts with any number of `>` then `From ` quoted with one more `>`
 * (reversible, unlike mboxo), and a blank line after it. Bytes are kept as they are (latin1 round-trips them).
 */
export function mboxEntry(raw: Buffer, sender: string | null, receivedAt: Date): Buffer {
  const body = raw.toString('latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1');
  const separator = `From ${envelopeSender(sender)} ${asctime(receivedAt)}\n`;
  return Buffer.from(`${separator}${body}${body.endsWith('\n') ? '' : '\n'}\n`, 'latin1');
}

/** The separator line ends at the first space, so an address with one (or none at all) is replaced. */
function envelopeSender(address: string | null): string {
  return address && /^[^\s]+$/.test(address) ? address : 'MAILER-DAEMON';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's asctime() in UTC, as mbox separator lines carry it: `Wed Nov 25 09:04:05 2026`. */
function asctime(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${time} ${d.getUTCFullYear()}`;
}
