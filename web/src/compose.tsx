import { useState } from 'preact/hooks';
import type { Inbox } from '../../lib/client';
import { dataOf, type Session } from './api';

/** A new message from the inbox, or a reply to one of its messages (then the API fills in To, Re: and the quote). */
export function Compose({ session, inbox, replyTo, onDone }: { session: Session; inbox: Inbox; replyTo?: { messageId: string; subject: string }; onDone: () => void }) {
  const [to, setTo] = useState('');
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const [replyAll, setReplyAll] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (replyTo) {
        await dataOf(
          session.client.POST('/v1/inboxes/{inboxId}/messages/{messageId}/reply', {
            params: { path: { inboxId: inbox.id, messageId: replyTo.messageId } },
            body: { text, replyAll },
          }),
        );
      } else {
        const recipients = to.split(/[,\s]+/).filter(Boolean);
        await dataOf(session.client.POST('/v1/inboxes/{inboxId}/messages', { params: { path: { inboxId: inbox.id } }, body: { to: recipients, subject, text } }));
      }
      onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="create compose" onSubmit={send} aria-label={replyTo ? 'Reply' : 'New message'}>
      <h3>{replyTo ? `Reply to “${replyTo.subject}”` : `New message from ${inbox.address}`}</h3>
      {replyTo ? (
        <label>
          <input type="checkbox" checked={replyAll} onChange={(e) => setReplyAll(e.currentTarget.checked)} /> Reply to all
        </label>
      ) : (
        <>
          <input aria-label="To" type="text" placeholder="to (comma-separated)" value={to} onInput={(e) => setTo(e.currentTarget.value)} required />
          <input aria-label="Subject" placeholder="subject" value={subject} onInput={(e) => setSubject(e.currentTarget.value)} required />
        </>
      )}
      <textarea aria-label="Message text" rows={8} value={text} onInput={(e) => setText(e.currentTarget.value)} required />
      <div class="actions">
        <button type="submit" disabled={busy}>
          Send
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      {error ? <p role="alert" class="error">{error}</p> : null}
    </form>
  );
}
