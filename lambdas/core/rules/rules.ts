import type { Condition, Item, WriteOp } from '../../ports';
import { auditWrite, type Actor, type AuditAction } from '../audit';
import type { CoreDeps } from '../deps';
import { MailroomError, TransactionConditionsFailed, invalid, notFound } from '../errors';
import { newId } from '../ids';
import { getInbox, type InboxItem } from '../inboxes';
import { inboxKey, orgRulesKey } from '../table-keys';
import { RULE_DIRECTIONS, RULE_MATCH_PATTERN, type Rule, type RuleAction, type RuleDirection, type RuleLevel } from './rule-matching';

/**
 * Rules are kept where the paths that apply them already read: an inbox's on the inbox item (receiving reads it for
 * every message), the org's in one item of its own, read together with the inbox. Each list is small and changes
 * rarely, so it is rewritten whole, guarded by a version against concurrent edits.
 */
export const MAX_RULES_PER_LIST = 100;
const EDIT_ATTEMPTS = 5;

export interface OrgRulesItem extends Item {
  type: 'org-rules';
  orgId: string;
  rules: Rule[];
  rulesVersion: number;
  updatedAt: string;
}

/** Whose list: the org's, or one inbox's. */
export type RuleOwner = { level: 'org' } | { level: 'inbox'; inboxId: string };

export interface RuleInput {
  direction: RuleDirection;
  action: RuleAction;
  match: string;
  note?: string | null;
  /** Its place among the list's rules of its direction, from 0; at the end when omitted or past it. */
  position?: number;
}

export interface RuleChanges {
  action?: RuleAction;
  match?: string;
  note?: string | null;
  position?: number;
}

/** A rule as the API shows it: with its level and its place among its list's rules of the same direction. */
export interface ShownRule extends Rule {
  level: RuleLevel;
  inboxId: string | null;
  position: number;
}

export async function listRules(deps: CoreDeps, orgId: string, owner: RuleOwner, direction?: RuleDirection): Promise<ShownRule[]> {
  const { rules } = await readList(deps, orgId, owner);
  return shown(rules, owner).filter((r) => !direction || r.direction === direction);
}

export async function getRule(deps: CoreDeps, orgId: string, owner: RuleOwner, ruleId: string): Promise<ShownRule> {
  const { rules } = await readList(deps, orgId, owner);
  return findShown(rules, owner, ruleId);
}

export async function addRule(deps: CoreDeps, actor: Actor, owner: RuleOwner, input: RuleInput): Promise<ShownRule> {
  const now = deps.clock.now().toISOString();
  const rule: Rule = {
    id: newId('rul', deps.clock.now()),
    direction: input.direction,
    action: input.action,
    match: normalisedMatch(input.match),
    note: input.note ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const rules = await editList(deps, actor, owner, 'rule.created', (current) => {
    if (current.length >= MAX_RULES_PER_LIST) throw invalid(`a list holds at most ${MAX_RULES_PER_LIST} rules; remove one first`);
    refuseDuplicate(current, rule);
    return { rules: placed(current, rule, input.position), about: rule };
  });
  return findShown(rules, owner, rule.id);
}

export async function updateRule(deps: CoreDeps, actor: Actor, owner: RuleOwner, ruleId: string, changes: RuleChanges): Promise<ShownRule> {
  const rules = await editList(deps, actor, owner, 'rule.updated', (current) => {
    const rule = current.find((r) => r.id === ruleId);
    if (!rule) throw notFound('rule');
    const updated: Rule = {
      ...rule,
      action: changes.action ?? rule.action,
      match: changes.match === undefined ? rule.match : normalisedMatch(changes.match),
      note: changes.note === undefined ? rule.note : changes.note,
      updatedAt: deps.clock.now().toISOString(),
    };
    refuseDuplicate(current, updated);
    const position = changes.position ?? current.filter((r) => r.direction === rule.direction).indexOf(rule);
    return { rules: placed(current, updated, position), about: updated, changed: Object.keys(changes) };
  });
  return findShown(rules, owner, ruleId);
}

export async function removeRule(deps: CoreDeps, actor: Actor, owner: RuleOwner, ruleId: string): Promise<void> {
  await editList(deps, actor, owner, 'rule.deleted', (current) => {
    const removed = current.find((r) => r.id === ruleId);
    if (!removed) throw notFound('rule');
    return { rules: current.filter((r) => r.id !== ruleId), about: removed };
  });
}

/** The org's rules (none when it has made none). */
export async function orgRules(deps: CoreDeps, orgId: string): Promise<Rule[]> {
  return (await deps.table.get<OrgRulesItem>(orgRulesKey(orgId)))?.rules ?? [];
}

/** The lists an inbox's mail is held to, in the order they decide. */
export const ruleLists = (org: readonly Rule[], inbox: Pick<InboxItem, 'rules'>) => [
  { level: 'org' as const, rules: org },
  { level: 'inbox' as const, rules: inbox.rules ?? [] },
];

interface StoredList {
  rules: Rule[];
  version: number | undefined;
}

async function readList(deps: CoreDeps, orgId: string, owner: RuleOwner): Promise<StoredList> {
  if (owner.level === 'inbox') {
    const inbox = await getInbox(deps, orgId, owner.inboxId);
    return { rules: inbox.rules ?? [], version: inbox.rulesVersion };
  }
  const item = await deps.table.get<OrgRulesItem>(orgRulesKey(orgId));
  return { rules: item?.rules ?? [], version: item?.rulesVersion };
}

/** A list as changed, the rule the change is about and, for an update, what changed: for the audit event. */
interface ListChange {
  rules: Rule[];
  about: Rule;
  changed?: string[];
}

/**
 * Reads the list, changes it and writes it back with the audit event, if no one else changed it meanwhile (then
 * it starts again from what they wrote).
 */
async function editList(deps: CoreDeps, actor: Actor, owner: RuleOwner, action: AuditAction, change: (current: Rule[]) => ListChange): Promise<Rule[]> {
  const { orgId } = actor;
  for (let attempt = 1; ; attempt++) {
    const current = await readList(deps, orgId, owner);
    const { rules, about, changed } = change(current.rules);
    const now = deps.clock.now().toISOString();
    const version = (current.version ?? 0) + 1;
    const write: WriteOp =
      owner.level === 'inbox'
        ? {
            update: inboxKey(orgId, owner.inboxId),
            set: { rules, rulesVersion: version, updatedAt: now },
            when: { allOf: [{ attribute: 'deleting', absent: true }, versionHeld(current.version, true)] },
          }
        : { put: { ...orgRulesKey(orgId), type: 'org-rules', orgId, rules, rulesVersion: version, updatedAt: now }, when: versionHeld(current.version, false) };
    try {
      await deps.table.transactWrite([
        write,
        auditWrite(deps, actor, action, { type: 'rule', id: about.id }, {
          level: owner.level,
          ...(owner.level === 'inbox' ? { inboxId: owner.inboxId } : {}),
          direction: about.direction,
          action: about.action,
          match: about.match,
          ...(changed ? { changed } : {}),
        }),
      ]);
      return rules;
    } catch (err) {
      if (!(err instanceof TransactionConditionsFailed) || attempt === EDIT_ATTEMPTS) throw err;
    }
  }
}

/** The list is as it was read: at that version, or (never written) without one. */
function versionHeld(version: number | undefined, onExistingItem: boolean): Condition {
  if (version !== undefined) return { attribute: 'rulesVersion', equals: version };
  return onExistingItem ? { attribute: 'rulesVersion', absent: true } : { itemExists: false };
}

function normalisedMatch(match: string): string {
  const lower = match.trim().toLowerCase();
  if (!RULE_MATCH_PATTERN.test(lower)) {
    throw invalid('match is an address (ada@example.com), a domain (example.com), its subdomains (*.example.com) or * (everything)', { field: 'match' });
  }
  return lower;
}

function refuseDuplicate(rules: Rule[], rule: Rule): void {
  const same = rules.find((r) => r.id !== rule.id && r.direction === rule.direction && r.match === rule.match);
  if (same) throw new MailroomError('conflict', `rule ${same.id} already matches ${rule.match} for ${rule.direction}`, { ruleId: same.id });
}

/** The list with `rule` at `position` among the rules of its direction (and out of wherever it was). */
function placed(rules: Rule[], rule: Rule, position: number | undefined): Rule[] {
  const others = rules.filter((r) => r.id !== rule.id);
  const before = others.filter((r) => r.direction === rule.direction)[position ?? Infinity];
  if (!before) return [...others, rule];
  const at = others.indexOf(before);
  return [...others.slice(0, at), rule, ...others.slice(at)];
}

/** Receiving rules, then sending rules, each in the order they decide. */
function shown(rules: Rule[], owner: RuleOwner): ShownRule[] {
  return RULE_DIRECTIONS.flatMap((direction) =>
    rules
      .filter((r) => r.direction === direction)
      .map((r, position) => ({ ...r, level: owner.level, inboxId: owner.level === 'inbox' ? owner.inboxId : null, position })),
  );
}

function findShown(rules: Rule[], owner: RuleOwner, ruleId: string): ShownRule {
  const rule = shown(rules, owner).find((r) => r.id === ruleId);
  if (!rule) throw notFound('rule');
  return rule;
}
