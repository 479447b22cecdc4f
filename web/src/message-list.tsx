import { useEffect, useState } from 'preact/hooks';
import { liveEvents, type Inbox, type MessageSummary } from '../../lib/client';
import { apiBase, can, dataOf, type Session } from './api';
import { Compose } from './compose';


/**
 * An inbox's messages, newest first, kept current while open: the live event stream (`GET /v1/events`) tells it
 * when mail arrives or is sent, and it lists again, so new mail shows at once without polling. Filters for
 * unread mail and a search (the API's `q`: from:, subject:, has:attachment, words…); keys that manage the inbox
 * can switch to the mail its rules blocked.
 */
export function MessageList(props: {
  session: Session;
  inbox: Inbox;
  selected: string | null;
  onSelect: (id: string) => void;
  onBack: () => void;
  onVault?: () => void;
  onRules?: () => void;
}) {
  const { session, inbox, selected, onSelect } = props;
  const [messages, setMessages] = useState<MessageSummary[] | null>(null);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [blocked, setBlocked] = useState(false);
  const [search, setSearch] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [composing, setComposing] = useState(false);

  useEffect(() => {
    const aborter = new AbortController();
    const { signal } = aborter;
    const path = { inboxId: inbox.id };
    const q = search.trim() || undefined;
    const query = { limit: 50, ...(unreadOnly ? { unread: 'true' as const } : {}), ...(q ? { q } : {}), ...(blocked ? { blocked: 'true' as const } : {}) };
    // One listing at a time; an event during one lists once more after it.
    let listing: Promise<void> | null = null;
    let again = false;
    const list = () => {
      if (listing) return void (again = true);
      listing = dataOf(session.client.GET('/v1/inboxes/{inboxId}/messages', { params: { path, query }, signal }))
        .then(
          (page) => {
            setMessages(page.data);
            setError(null);
          },
          (err: Error) => {
            if (!signal.aborted) setError(err.message);
          },
        )
        .finally(() => {
          listing = null;
          if (again && !signal.aborted) {
            again = false;
            list();
          }
        });
    };
    // The live stream says when mail arrives or is sent; each time it (re)opens, the list catches up.
    const follow = async () => {
      const events = liveEvents(
        { baseUrl: apiBase, apiKey: session.apiKey },
        { inboxIds: [inbox.id], types: ['message.received', 'message.sent'], signal, onOpen: list, onRetry: setError },
      );
      for await (const _event of events) list();
    };
    follow().catch((err: Error) => signal.aborted || setError(err.message));
    return () => aborter.abort();
  }, [session, inbox.id, unreadOnly, search, blocked, selected]);

  return (
    <section class="pane messages" aria-label={`Messages in ${inbox.address}`}>
      <div class="pane-head">
        <button type="button" class="back" onClick={props.onBack}>
          ‹ Inboxes
        </button>
        <h2>{inbox.address}</h2>
        <span class="push-right" />
        {can(session, 'messages:send') ? (
          <button type="button" onClick={() => setComposing(!composing)}>
            Write
          </button>
        ) : null}
        {props.onVault ? (
          <button type="button" onClick={props.onVault}>
            Vault
          </button>
        ) : null}
        {props.onRules ? (
          <button type="button" onClick={props.onRules}>
            Rules
          </button>
        ) : null}
      </div>
      {composing ? <Compose session={session} inbox={inbox} onDone={() => setComposing(false)} /> : null}
      <div class="filters">
        <input
          type="search"
          aria-label="Search messages"
          placeholder="Search: from:ada has:attachment invoice"
          title="from:, to:, subject:, label:, has:attachment, is:unread, after:/before: YYYY-MM-DD, words; -term negates"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
        <label>
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.currentTarget.checked)} /> Unread
        </label>
        {can(session, 'inboxes:write') ? (
          <label title="Mail the org’s or this inbox’s rules kept out of the inbox">
            <input type="checkbox" checked={blocked} onChange={(e) => setBlocked(e.currentTarget.checked)} /> Blocked
          </label>
        ) : null}
      </div>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {messages === null ? <p class="muted">Loading…</p> : null}
      {messages?.length === 0 ? <p class="muted">{blocked ? 'No blocked mail.' : `No mail yet. Send some to ${inbox.address}; it shows up here.`}</p> : null}
      <ul>
        {messages?.map((m) => (
          <li key={m.id} class={`${m.id === selected ? 'selected' : ''} ${m.unread ? 'unread' : ''}`}>
            <button type="button" class="row message-row" onClick={() => onSelect(m.id)}>
              <span class="from">{m.direction === 'outbound' ? `To ${m.to.map((a) => a.address).join(', ')}` : (m.from?.name || m.from?.address || 'unknown sender')}</span>
              <time dateTime={m.receivedAt}>{new Date(m.receivedAt).toLocaleString()}</time>
              <span class="subject">
                {m.blockedBy ? <span class="badge block">blocked by {m.blockedBy.level === 'org' ? 'the org’s' : 'a'} rule</span> : null}
                {m.hasAttachments ? <span class="badge">attachment</span> : null}
                {m.subject || '(no subject)'}
              </span>
              <span class="snippet muted">{m.snippet}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
