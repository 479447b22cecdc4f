import { useEffect, useState } from 'preact/hooks';
import type { Inbox, Rule } from '../../lib/client';
import { can, dataOf, type Session } from './api';

type Direction = Rule['direction'];
const DIRECTIONS: { direction: Direction; title: string; about: string }[] = [
  { direction: 'receiving', title: 'Receiving', about: 'about the sender of mail that arrives; blocked mail is kept out of the inbox' },
  { direction: 'sending', title: 'Sending', about: 'about each recipient; a blocked recipient is refused' },
];

/**
 * The org's rules (a page of its own), or one inbox's (a pane beside its mail): in the order they decide, with
 * add, move and remove for keys with inboxes:write.
 */
export function RulesPanel({ session, inbox, onBack }: { session: Session; inbox?: Inbox; onBack?: () => void }) {
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const client = session.client;
  const fail = (err: Error) => setError(err.message);
  const load = () =>
    (inbox ? dataOf(client.GET('/v1/inboxes/{inboxId}/rules', { params: { path: { inboxId: inbox.id } } })) : dataOf(client.GET('/v1/rules', {}))).then(
      (page) => setRules(page.data),
      fail,
    );
  useEffect(() => void load(), [session, inbox?.id]);

  const changed = (call: Promise<unknown>) =>
    call.then(() => {
      setError(null);
      return load();
    }, fail);
  const move = (rule: Rule, position: number) =>
    changed(
      inbox
        ? dataOf(client.PATCH('/v1/inboxes/{inboxId}/rules/{ruleId}', { params: { path: { inboxId: inbox.id, ruleId: rule.id } }, body: { position } }))
        : dataOf(client.PATCH('/v1/rules/{ruleId}', { params: { path: { ruleId: rule.id } }, body: { position } })),
    );
  const remove = (rule: Rule) =>
    confirm(`Remove the rule to ${rule.action} ${rule.match}?`) &&
    changed(
      inbox
        ? dataOf(client.DELETE('/v1/inboxes/{inboxId}/rules/{ruleId}', { params: { path: { inboxId: inbox.id, ruleId: rule.id } } }))
        : dataOf(client.DELETE('/v1/rules/{ruleId}', { params: { path: { ruleId: rule.id } } })),
    );
  const editable = can(session, 'inboxes:write') && (inbox !== undefined || session.inboxIds === null);
  const title = inbox ? `Rules · ${inbox.address}` : 'Rules for every inbox';

  return (
    <section class={inbox ? 'pane rules' : 'page'} aria-label={title}>
      <div class="pane-head">
        {onBack ? (
          <button type="button" class="back" onClick={onBack}>
            ‹ Messages
          </button>
        ) : null}
        <h2>{title}</h2>
      </div>
      <p class="muted">
        {inbox ? 'The org’s rules decide first; these can only block more. ' : 'These decide first, for every inbox; an inbox’s own rules can only block more. '}
        In each list the first rule that matches decides.
      </p>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {DIRECTIONS.map(({ direction, title: heading, about }) => {
        const list = rules?.filter((r) => r.direction === direction) ?? [];
        return (
          <div key={direction}>
            <h3>{heading}</h3>
            <p class="muted">Rules {about}.</p>
            {rules && list.length === 0 ? <p class="muted">No {direction} rules: everything passes.</p> : null}
            <ol class="cards" aria-label={`${heading} rules`}>
              {list.map((rule) => (
                <li class="card" key={rule.id}>
                  <span class={`badge ${rule.action}`}>{rule.action}</span> <code>{rule.match}</code>
                  {rule.note ? <span class="muted"> · {rule.note}</span> : null}
                  {editable ? (
                    <span class="actions">
                      <button type="button" aria-label={`Move ${rule.match} up`} disabled={rule.position === 0} onClick={() => void move(rule, rule.position - 1)}>
                        ↑
                      </button>
                      <button type="button" aria-label={`Move ${rule.match} down`} disabled={rule.position === list.length - 1} onClick={() => void move(rule, rule.position + 1)}>
                        ↓
                      </button>
                      <button type="button" onClick={() => void remove(rule)}>
                        Remove
                      </button>
                    </span>
                  ) : null}
                </li>
              ))}
            </ol>
          </div>
        );
      })}
      {editable ? <NewRule session={session} inbox={inbox} onAdded={(call) => changed(call)} /> : null}
    </section>
  );
}

function NewRule({ session, inbox, onAdded }: { session: Session; inbox?: Inbox; onAdded: (call: Promise<unknown>) => Promise<unknown> }) {
  const [direction, setDirection] = useState<Direction>('receiving');
  const [action, setAction] = useState<Rule['action']>('block');
  const [match, setMatch] = useState('');
  const [note, setNote] = useState('');
  const add = async (event: Event) => {
    event.preventDefault();
    const body = { direction, action, match, ...(note ? { note } : {}) };
    await onAdded(
      inbox
        ? dataOf(session.client.POST('/v1/inboxes/{inboxId}/rules', { params: { path: { inboxId: inbox.id } }, body })).then(() => setMatch(''))
        : dataOf(session.client.POST('/v1/rules', { body })).then(() => setMatch('')),
    );
  };
  return (
    <form class="card rule-form" onSubmit={add} aria-label="New rule">
      <label>
        Direction
        <select value={direction} onChange={(e) => setDirection(e.currentTarget.value as Direction)}>
          <option value="receiving">receiving (sender)</option>
          <option value="sending">sending (recipient)</option>
        </select>
      </label>
      <label>
        Action
        <select value={action} onChange={(e) => setAction(e.currentTarget.value as Rule['action'])}>
          <option value="block">block</option>
          <option value="allow">allow</option>
        </select>
      </label>
      <label class="wide">
        Match
        <input required placeholder="ada@example.com, example.com, *.example.com or *" value={match} onInput={(e) => setMatch(e.currentTarget.value)} />
      </label>
      <label>
        Note
        <input value={note} maxLength={200} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <button type="submit">Add rule</button>
    </form>
  );
}
