import { encodeTime } from 'ulid';
import type { Item, Table } from '../ports';
import { decodeCursor, encodeCursor } from './cursor';
import { invalid } from './errors';
import type { ItemKey } from './table-keys';

export interface ListRequest {
  limit: number;
  cursor?: string;
}

export interface ListPage<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * Queries a key range newest first, skipping items `keep` rejects (expired, hidden, not matching) until a page is
 * full. `readAhead` reads at least that many items per query, for a `keep` that rejects most (a search).
 */
export async function listNewestFirst<T extends Item>(
  table: Table,
  range: { pk: string; skPrefix: string; skFrom?: string; skTo?: string },
  request: ListRequest,
  keep: (item: T) => boolean,
  readAhead = 0,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const items: T[] = [];
  let startAfter = decodeCursor(request.cursor, range.pk, range.skPrefix);
  // Bounded so a long run of expired items costs a few reads, not a scan; the cursor resumes after them.
  for (let reads = 0; reads < 10 && items.length < request.limit; reads++) {
    const page = await table.query<T>({ ...range, limit: Math.max(request.limit - items.length, readAhead), startAfter, newestFirst: true });
    for (const [i, item] of page.items.entries()) {
      if (!keep(item)) continue;
      items.push(item);
      // A full page with more read behind it: the next one starts after this item.
      if (items.length === request.limit && (i < page.items.length - 1 || page.lastKey)) return { items, nextCursor: encodeCursor({ pk: item.pk, sk: item.sk }) };
    }
    startAfter = page.lastKey;
    if (!startAfter) return { items, nextCursor: null };
  }
  const last = items.length === request.limit ? items[items.length - 1] : undefined;
  return { items, nextCursor: encodeCursor(last ? { pk: last.pk, sk: last.sk } : startAfter) };
}

/** DynamoDB deletes expired items late; reads must not return them. */
export const isLive = (now: Date) => (item: { expiresAt?: unknown }): boolean =>
  typeof item.expiresAt !== 'number' || item.expiresAt > Math.floor(now.getTime() / 1000);

/** Every item of a key range, page by page: for the few places that need a whole (small) range, e.g. an org's webhooks. */
export async function queryAll<T extends Item>(table: Table, range: { pk: string; skPrefix: string }): Promise<T[]> {
  const items: T[] = [];
  let startAfter: ItemKey | undefined;
  do {
    const page = await table.query<T>({ ...range, limit: 100, startAfter });
    items.push(...page.items);
    startAfter = page.lastKey;
  } while (startAfter);
  return items;
}

/** Deletes every item of a key range. */
export async function deleteRange(table: Table, range: { pk: string; skPrefix: string }): Promise<void> {
  for (;;) {
    const page = await table.query({ ...range, limit: 100 });
    await Promise.all(page.items.map((item) => table.delete(item)));
    if (!page.lastKey) return;
  }
}

/**
 * The part of a time-sorted key range (`<skPrefix><idPrefix>_<ULID>`) that `since`..`until` can
 * reach, so a time filter reads only its own slice of the partition.
 */
export function timeSlice(skPrefix: string, idPrefix: string, since?: string, until?: string): { skFrom?: string; skTo?: string } {
  // Ids name no time before 1970: an earlier bound is the start of time.
  const at = (iso: string | undefined, field: string) => iso && encodeTime(Math.max(0, Date.parse(isoTime(iso, field))), 10);
  const from = at(since, 'since');
  const to = at(until, 'until');
  return {
    skFrom: from && `${skPrefix}${idPrefix}_${from}`,
    // "~" sorts after every id character, so the whole millisecond `until` names is included.
    skTo: to && `${skPrefix}${idPrefix}_${to}~`,
  };
}

/** Normalises an ISO time to the UTC form stored items use, so string comparison orders correctly. */
export function isoTime(iso: string, field: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw invalid(`${field} must be an ISO-8601 time`, { field });
  return new Date(ms).toISOString();
}
