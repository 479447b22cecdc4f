import type { Extracted } from '../mail/extract';
import type { MailAddress } from '../mail/parse-mime';

/**
 * A message item must stay far below DynamoDB's 400 KB item limit, yet its summary fields come
 * straight from whatever the sender wrote. These bounds cap each of them; the complete values stay
 * in the stored headers and the raw message, so nothing is lost, only shortened in the summary.
 */

/** RFC 5322's line limit: no legitimate subject or message id is longer. */
const HEADER_VALUE_MAX_CHARS = 998;
const ADDRESS_MAX_CHARS = 254;
const DISPLAY_NAME_MAX_CHARS = 200;
const ADDRESS_LIST_BYTES = 8 * 1024;
const REFERENCES_BYTES = 8 * 1024;
/** Longer links are tracking payloads, not something an agent follows; truncating one would break it. */
const LINK_MAX_CHARS = 2048;
const LINKS_BYTES = 16 * 1024;
/** Above this, the attachment list is kept with the message content instead of in the summary item. */
export const INLINE_ATTACHMENT_LIST_BYTES = 32 * 1024;

export function boundedHeaderValue<T extends string | null>(value: T): T {
  return (value === null ? null : truncate(value, HEADER_VALUE_MAX_CHARS)) as T;
}

export function boundedAddress(entry: MailAddress): MailAddress {
  return { address: truncate(entry.address, ADDRESS_MAX_CHARS), name: truncate(entry.name, DISPLAY_NAME_MAX_CHARS) };
}

/** The first addresses that fit the budget. */
export function boundedAddressList(list: MailAddress[]): MailAddress[] {
  return prefixWithinBytes(list.map(boundedAddress), ADDRESS_LIST_BYTES);
}

/** The thread root (first) and as many of the most recent ids as fit, which is what threading reads. */
export function boundedReferences(references: string[]): string[] {
  if (references.length === 0) return [];
  const [root, ...rest] = references.map((id) => truncate(id, HEADER_VALUE_MAX_CHARS));
  return [root, ...prefixWithinBytes(rest.reverse(), REFERENCES_BYTES).reverse()];
}

/** Anchor text is for a reader's orientation; a short prefix of it is enough. */
const LINK_TEXT_MAX_CHARS = 200;

export function boundedExtracted(extracted: Extracted): Extracted {
  const links = extracted.links
    .filter((link) => link.url.length <= LINK_MAX_CHARS)
    .map((link) => ({ ...link, text: link.text === null ? null : truncate(link.text, LINK_TEXT_MAX_CHARS) }));
  return { ...extracted, links: prefixWithinBytes(links, LINKS_BYTES) };
}

/** The longest prefix of `items` whose JSON fits in `budget` bytes. */
function prefixWithinBytes<T>(items: T[], budget: number): T[] {
  let used = 2;
  let count = 0;
  for (const item of items) {
    used += Buffer.byteLength(JSON.stringify(item)) + 1;
    if (used > budget) break;
    count++;
  }
  return items.slice(0, count);
}

function truncate(value: string, maxChars: number): string {
  return value.length > maxChars ? `${value.slice(0, maxChars - 1)}…` : value;
}
