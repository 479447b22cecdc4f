import { useEffect, useState } from 'preact/hooks';
import type { Inbox } from '../../lib/client';
import { can, dataOf, type Session } from './api';

/** The org's inboxes: search by address or label, create one, delete one after confirming. */
export function InboxList({ session, selected, onSelect }: { session: Session; selected: string | null; onSelect: (inbox: Inbox | null) => void }) {
  const [inboxes, setInboxes] = useState<Inbox[]>([]);
  const [search, setSearch] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [localPart, setLocalPart] = useState('');
  const [label, setLabel] = useState('');
  const [retentionDays, setRetentionDays] = useState('');

  const load = () =>
    dataOf(session.client.GET('/v1/inboxes', { params: { query: { limit: 100 } } })).then(
      (page) => setInboxes(page.data),
      (err: Error) => setError(err.message),
    );
  useEffect(() => void load(), [session]);

  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const body = { ...(localPart ? { localPart } : {}), ...(label ? { label } : {}), ...(retentionDays ? { retentionDays: Number(retentionDays) } : {}) };
      const inbox = await dataOf(session.client.POST('/v1/inboxes', { body }));
      setLocalPart('');
      setLabel('');
      setRetentionDays('');
      await load();
      onSelect(inbox);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const remove = async (inbox: Inbox) => {
    if (!confirm(`Delete ${inbox.address} with all its mail? This cannot be undone.`)) return;
    try {
      await dataOf(session.client.DELETE('/v1/inboxes/{inboxId}', { params: { path: { inboxId: inbox.id } } }));
      if (selected === inbox.id) onSelect(null);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const needle = search.trim().toLowerCase();
  const shown = inboxes.filter((i) => !needle || i.address.includes(needle) || (i.label ?? '').toLowerCase().includes(needle));
  return (
    <nav class="pane inboxes" aria-label="Inboxes">
      <input id="inbox-search" type="search" aria-label="Search inboxes" placeholder="Search address or label  ( / )" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      <ul>
        {shown.map((inbox) => (
          <li key={inbox.id} class={inbox.id === selected ? 'selected' : ''}>
            <button type="button" class="row" onClick={() => onSelect(inbox)}>
              <span class="address">{inbox.address}</span>
              {inbox.label ? <span class="muted">{inbox.label}</span> : null}
            </button>
            {can(session, 'inboxes:write') ? (
              <button type="button" class="icon" aria-label={`Delete ${inbox.address}`} onClick={() => remove(inbox)}>
                ×
              </button>
            ) : null}
          </li>
        ))}
        {shown.length === 0 ? <li class="muted">No inboxes{needle ? ' match' : ' yet'}.</li> : null}
      </ul>
      {can(session, 'inboxes:write') ? (
        <form class="create" onSubmit={create} aria-label="New inbox">
          <input aria-label="Local part" placeholder="local part (random if empty)" value={localPart} onInput={(e) => setLocalPart(e.currentTarget.value)} />
          <input aria-label="Label" placeholder="label" value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
          <input aria-label="Retention days" type="number" min={1} max={3650} placeholder="keep mail for … days (default)" value={retentionDays} onInput={(e) => setRetentionDays(e.currentTarget.value)} />
          <button type="submit">Create inbox</button>
        </form>
      ) : null}
      {error ? <p role="alert" class="error">{error}</p> : null}
    </nav>
  );
}
