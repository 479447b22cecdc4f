import { useEffect, useState } from 'preact/hooks';
import { rememberedKey, signIn, signOut, type Session } from './api';
import { InboxList } from './inbox-list';
import { MessageList } from './message-list';
import { MessageView } from './message-view';
import { SignIn } from './sign-in';
import type { Inbox } from '../../lib/client';

/** Sign-in, then three panes: inboxes, the selected inbox's messages, the selected message. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(rememberedKey() !== null);
  const [inbox, setInbox] = useState<Inbox | null>(null);
  const [messageId, setMessageId] = useState<string | null>(null);

  useEffect(() => {
    const key = rememberedKey();
    if (!key) return;
    signIn(key)
      .then(setSession, signOut)
      .finally(() => setRestoring(false));
  }, []);

  if (restoring) return <p class="centered">Signing in…</p>;
  if (!session) return <SignIn onSignedIn={setSession} />;

  const leave = () => {
    signOut();
    setSession(null);
    setInbox(null);
    setMessageId(null);
  };
  return (
    <div class="shell">
      <header class="bar">
        <strong>Mailroom</strong>
        <span class="muted" title={session.scopes.join(' ')}>
          {session.orgId} · {session.scopes.length} scopes
        </span>
        <button type="button" onClick={leave}>
          Sign out
        </button>
      </header>
      <main class={`panes ${messageId ? 'show-message' : inbox ? 'show-messages' : ''}`}>
        <InboxList
          session={session}
          selected={inbox?.id ?? null}
          onSelect={(next) => {
            setInbox(next);
            setMessageId(null);
          }}
        />
        {inbox ? <MessageList session={session} inbox={inbox} selected={messageId} onSelect={setMessageId} onBack={() => setInbox(null)} /> : <p class="pane centered muted">Choose an inbox.</p>}
        {inbox && messageId ? <MessageView key={messageId} session={session} inbox={inbox} messageId={messageId} onBack={() => setMessageId(null)} /> : null}
      </main>
    </div>
  );
}
