/** Allow and block rules on mail addresses: what a rule looks like and which rule decides. */

export const RULE_DIRECTIONS = ['receiving', 'sending'] as const;
export type RuleDirection = (typeof RULE_DIRECTIONS)[number];
export const RULE_ACTIONS = ['allow', 'block'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];
export type RuleLevel = 'org' | 'inbox';

export interface Rule {
  id: string;
  /** Receiving rules look at the sender (the From address), sending rules at each recipient. */
  direction: RuleDirection;
  action: RuleAction;
  /** `ada@example.com`, `example.com` (that domain), `*.example.com` (its subdomains) or `*` (any address, or none). */
  match: string;
  note: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a rule's `match` may be: an address, a domain, subdomains of a domain, or everything. */
export const RULE_MATCH_PATTERN = /^(\*|(\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+|[^@\s*]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)$/;

export function ruleMatches(match: string, address: string | null): boolean {
  if (match === '*') return true;
  if (!address) return false;
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1).toLowerCase();
  if (match.includes('@')) return address.toLowerCase() === match;
  if (match.startsWith('*.')) return domain.endsWith(match.slice(1));
  return domain === match;
}

/** The rule that blocked an address, and whose list it is in. */
export interface BlockingRule {
  ruleId: string;
  level: RuleLevel;
}

/**
 * Each level's list is read in order and its first rule for the direction that matches decides there: `allow`
 * admits at that level (an exception ahead of a broader block), `block` refuses. An address passes when no level
 * refuses it; the org's rules come first, so an inbox can narrow what its org admits but never widen it.
 */
export function blockingRule(lists: { level: RuleLevel; rules: readonly Rule[] }[], direction: RuleDirection, address: string | null): BlockingRule | null {
  for (const { level, rules } of lists) {
    const decides = rules.find((r) => r.direction === direction && ruleMatches(r.match, address));
    if (decides?.action === 'block') return { ruleId: decides.id, level };
  }
  return null;
}
