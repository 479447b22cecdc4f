import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { components, Inbox } from '../../lib/client';
import { can, dataOf, type Session } from './api';

type Credential = components['schemas']['Credential'];
type Revealed = components['schemas']['CredentialWithSecret']['secret'];

/**
 * An inbox's credential vault: names, types, usernames and URLs for any vault scope; TOTP codes with a countdown
 * for `vault:totp`; secrets only after a click, and only for `vault:reveal`. A TOTP seed is never shown: the API
 * never returns one.
 */
export function VaultPanel({ session, inbox, onBack }: { session: Session; inbox: Inbox; onBack: () => void }) {
  const [credentials, setCredentials] = useState<Credential[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    dataOf(session.client.GET('/v1/inboxes/{inboxId}/vault', { params: { path: { inboxId: inbox.id } } })).then(
      (page) => setCredentials(page.data),
      (err: Error) => setError(err.message),
    );
  useEffect(() => void load(), [session, inbox.id]);

  return (
    <section class="pane vault" aria-label={`Vault of ${inbox.address}`}>
      <div class="pane-head">
        <button type="button" class="back" onClick={onBack}>
          ‹ Messages
        </button>
        <h2>Vault · {inbox.address}</h2>
      </div>
      {error ? <p role="alert" class="error">{error}</p> : null}
      {credentials?.length === 0 ? <p class="muted">No credentials stored for this inbox.</p> : null}
      <ul class="cards">
        {credentials?.map((c) => <CredentialCard key={c.name} session={session} inbox={inbox} credential={c} onDeleted={load} />)}
      </ul>
      {can(session, 'vault:write') ? <NewCredential session={session} inbox={inbox} onSaved={load} /> : null}
    </section>
  );
}

function CredentialCard({ session, inbox, credential, onDeleted }: { session: Session; inbox: Inbox; credential: Credential; onDeleted: () => void }) {
  const [secret, setSecret] = useState<Revealed | null>(null);
  const [error, setError] = useState<string | null>(null);
  const path = { inboxId: inbox.id, name: credential.name };
  const reveal = () =>
    dataOf(session.client.GET('/v1/inboxes/{inboxId}/vault/{name}', { params: { path, query: { reveal: 'true' } } })).then(
      (c) => setSecret(c.secret ?? {}),
      (err: Error) => setError(err.message),
    );
  const remove = async () => {
    if (!confirm(`Delete the credential ${credential.name}?`)) return;
    await dataOf(session.client.DELETE('/v1/inboxes/{inboxId}/vault/{name}', { params: { path } })).then(onDeleted, (err: Error) => setError(err.message));
  };
  return (
    <li class="card">
      <strong>{credential.name}</strong> <span class="badge">{credential.type.replace('_', ' ')}</span>
      {credential.username ? <div>User: {credential.username}</div> : null}
      {credential.url ? <div class="muted">{credential.url}</div> : null}
      {credential.totp && can(session, 'vault:totp') ? <TotpCode session={session} inbox={inbox} name={credential.name} /> : null}
      {secret ? (
        <dl class="secret">
          {Object.entries(secret).map(([field, value]) => (
            <Fragment key={field}>
              <dt>{field}</dt>
              <dd>
                <code>{value}</code>
              </dd>
            </Fragment>
          ))}
        </dl>
      ) : null}
      <div class="actions">
        {can(session, 'vault:reveal') && credential.type !== 'totp' ? (
          <button type="button" onClick={() => (secret ? setSecret(null) : void reveal())}>
            {secret ? 'Hide' : 'Reveal'}
          </button>
        ) : null}
        {can(session, 'vault:write') ? (
          <button type="button" onClick={() => void remove()}>
            Delete
          </button>
        ) : null}
      </div>
      {error ? <p role="alert" class="error">{error}</p> : null}
    </li>
  );
}

/** The current code and the seconds it has left; a new one is fetched when it expires. */
function TotpCode({ session, inbox, name }: { session: Session; inbox: Inbox; name: string }) {
  const [code, setCode] = useState<{ code: string; until: number } | null>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);
  useEffect(() => {
    if (code && code.until > now) return;
    void dataOf(session.client.GET('/v1/inboxes/{inboxId}/vault/{name}/totp', { params: { path: { inboxId: inbox.id, name } } })).then((c) =>
      setCode({ code: c.code, until: Date.now() + c.expiresIn * 1000 }),
    );
  }, [session, inbox.id, name, code === null || code.until <= now]);
  if (!code) return null;
  return (
    <div class="totp">
      <code aria-label="TOTP code">{code.code}</code> <span class="muted">{Math.max(0, Math.ceil((code.until - now) / 1000))} s</span>{' '}
      <button type="button" onClick={() => void navigator.clipboard.writeText(code.code)}>
        Copy
      </button>
    </div>
  );
}

function NewCredential({ session, inbox, onSaved }: { session: Session; inbox: Inbox; onSaved: () => void }) {
  const [name, setName] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [url, setUrl] = useState('');
  const [error, setError] = useState<string | null>(null);
  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      await dataOf(
        session.client.PUT('/v1/inboxes/{inboxId}/vault/{name}', {
          params: { path: { inboxId: inbox.id, name } },
          body: { type: 'login', username, password, ...(url ? { url } : {}) },
        }),
      );
      setName('');
      setUsername('');
      setPassword('');
      setUrl('');
      onSaved();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="create" onSubmit={save} aria-label="New login">
      <h3>Store a login</h3>
      <input aria-label="Credential name" placeholder="name (e.g. github)" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      <input aria-label="Username" placeholder="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required />
      <input aria-label="Password" type="password" autoComplete="new-password" placeholder="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
      <input aria-label="URL" placeholder="https://… (optional)" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      <button type="submit">Save</button>
      {error ? <p role="alert" class="error">{error}</p> : null}
    </form>
  );
}
