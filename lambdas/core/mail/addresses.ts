/** Recipient addresses as Mailroom routes them: case-insensitive, `name+tag@` delivered to `name@`. */

export interface Recipient {
  /** Lowercased address without the tag: the inbox's address. */
  address: string;
  localPart: string;
  domain: string;
  tag: string | null;
}

export function parseRecipient(raw: string): Recipient | null {
  const trimmed = raw.trim().replace(/^<|>$/g, '').toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return null;
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  const plus = local.indexOf('+');
  const localPart = plus >= 0 ? local.slice(0, plus) : local;
  if (!localPart) return null;
  return { address: `${localPart}@${domain}`, localPart, domain, tag: plus >= 0 ? local.slice(plus + 1) : null };
}

/** Local parts Mailroom creates: no `+` (the tag separator), no leading/trailing dots. */
export const LOCAL_PART_PATTERN = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;

export const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
