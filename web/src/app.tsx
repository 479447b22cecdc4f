import { useEffect, useState } from 'preact/hooks';
import type { Inbox } from '../../lib/client';
import { can, rememberedKey, signIn, signOut, type Session } from './api';
import { ApiKeysPanel } from './api-keys';
import { AuditLogPanel } from './audit-log';
import { InboxList } from './inbox-list';
import { MessageList } from './message-list';
import { MessageView } from './message-view';
import { DomainsPanel } from './domains';
import { RulesPanel } from './rules';
import { SignIn } from './sign-in';
import { VaultPanel } from './vault';
import { WebhooksPanel } from './webhooks';

type Page = 'mail' | 'rules' | 'domains' | 'webhooks' | 'keys' | 'audit';
const PAGES: { page: Page; title: string; scope: string | null }[] = [
  { page: 'mail', title: 'Mail', scope: null },
  { page: 'rules', title: 'Rules', scope: 'inboxes:read' },
  { page: 'domains', title: 'Domains', scope: 'inboxes:read' },
  { page: 'webhooks', title: 'Webhooks', scope: 'webhooks:manage' },
  { page: 'keys', title: 'API keys', scope: 'keys:manage' },
  { page: 'audit', title: 'Audit log', scope: 'audit:read' },
];

/** Sign-in, then the pages the key's scopes open: mail (inboxes, messages, a message or the vault), webhooks, keys, audit. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(rememberedKey() !== null);
  const [page, setPage] = useState<Page>('mail');
  const [inbox, setInbox] = useState<Inbox | null>(null);
  /** What the third pane shows besides a message: the inbox's vault or its rules. */
  const [side, setSide] = useState<'vault' | 'rules' | null>(null);
  const [messageId, setMessageId] = useState<string | null>(null);

  useEffect(() => {
    const key = rememberedKey();
    if (!key) return;
    signIn(key)
      .then(setSession, signOut)
      .finally(() => setRestoring(false));
  }, []);

  // "/" jumps to the inbox search; Escape closes the open message or vault.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (event.key === '/' && !typing) {
        event.preventDefault();
        document.getElementById('inbox-search')?.focus();
      } else if (event.key === 'Escape') {
        setMessageId(null);
        setSide(null);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  if (restoring) return <p class="centered">Signing in…</p>;
  if (!session) return <SignIn onSignedIn={setSession} />;

  const leave = () => {
    signOut();
    setSession(null);
    setInbox(null);
    setMessageId(null);
    setPage('mail');
  };
  const vaultScopes = ['vault:write', 'vault:reveal', 'vault:totp'].some((s) => can(session, s));
  return (
    <div class="shell">
      <header class="bar">
        <strong>Mailroom</strong>
        <nav class="pages" aria-label="Pages">
          {PAGES.filter((p) => p.scope === null || can(session, p.scope)).map((p) => (
            <button key={p.page} type="button" aria-current={page === p.page ? 'page' : undefined} onClick={() => setPage(p.page)}>
              {p.title}
            </button>
          ))}
        </nav>
        <span class="muted who" title={session.scopes.join(' ')}>
          {session.orgId}
        </span>
        <button type="button" onClick={leave}>
          Sign out
        </button>
      </header>
      {page === 'rules' ? <RulesPanel session={session} /> : null}
      {page === 'domains' ? <DomainsPanel session={session} /> : null}
      {page === 'webhooks' ? <WebhooksPanel session={session} /> : null}
      {page === 'keys' ? <ApiKeysPanel session={session} /> : null}
      {page === 'audit' ? <AuditLogPanel session={session} /> : null}
      {page === 'mail' ? (
        <main class={`panes ${messageId || side ? 'show-message' : inbox ? 'show-messages' : ''}`}>
          <InboxList
            session={session}
            selected={inbox?.id ?? null}
            onSelect={(next) => {
              setInbox(next);
              setMessageId(null);
              setSide(null);
            }}
          />
          {inbox ? (
            <MessageList
              session={session}
              inbox={inbox}
              selected={messageId}
              onSelect={(id) => {
                setMessageId(id);
                setSide(null);
              }}
              onBack={() => setInbox(null)}
              onVault={vaultScopes ? () => setSide('vault') : undefined}
              onRules={can(session, 'inboxes:read') ? () => setSide('rules') : undefined}
            />
          ) : (
            <p class="pane centered muted">Choose an inbox.</p>
          )}
          {inbox && side === 'vault' ? <VaultPanel session={session} inbox={inbox} onBack={() => setSide(null)} /> : null}
          {inbox && side === 'rules' ? <RulesPanel key={inbox.id} session={session} inbox={inbox} onBack={() => setSide(null)} /> : null}
          {inbox && messageId && !side ? <MessageView key={messageId} session={session} inbox={inbox} messageId={messageId} onBack={() => setMessageId(null)} /> : null}
        </main>
      ) : null}
    </div>
  );
}
