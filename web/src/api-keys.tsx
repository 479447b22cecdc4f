import { useEffect, useState } from 'preact/hooks';
import type { ApiKey, Scope } from '../../lib/client';
import { dataOf, type Session } from './api';

const SCOPES: Scope[] = ['inboxes:read', 'inboxes:write', 'messages:read', 'messages:send', 'webhooks:manage', 'vault:write', 'vault:reveal', 'vault:totp', 'keys:manage', 'audit:read'];

/** The org's keys: create one with scopes (its secret shown once), revoke one. */
export function ApiKeysPanel({ session }: { session: Session }) {
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['inboxes:read', 'messages:read']);
  const [minted, setMinted] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => dataOf(session.client.GET('/v1/api-keys', { params: { query: { limit: 100 } } })).then((p) => setKeys(p.data), (e: Error) => setError(e.message));
  useEffect(() => void load(), [session]);

  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await dataOf(session.client.POST('/v1/api-keys', { body: { name, scopes } }));
      setMinted(created.key);
      setName('');
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke ${key.name}? Anything using it stops working.`)) return;
    await dataOf(session.client.DELETE('/v1/api-keys/{keyId}', { params: { path: { keyId: key.id } } })).then(load, (e: Error) => setError(e.message));
  };
  const toggle = (scope: Scope) => setScopes((s) => (s.includes(scope) ? s.filter((x) => x !== scope) : [...s, scope]));

  return (
    <section class="page" aria-label="API keys">
      <h2>API keys</h2>
      {minted ? (
        <p class="notice" role="status">
          The new key, shown only now: <code class="minted">{minted}</code>{' '}
          <button type="button" onClick={() => void navigator.clipboard.writeText(minted)}>
            Copy
          </button>{' '}
          <button type="button" onClick={() => setMinted(null)}>
            Done
          </button>
        </p>
      ) : null}
      <table class="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Key</th>
            <th>Scopes</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>
                <code>
                  {k.prefix}…{k.last4}
                </code>
              </td>
              <td>{k.scopes.join(' ')}</td>
              <td>{k.status}</td>
              <td>
                {k.status === 'active' ? (
                  <button type="button" onClick={() => void revoke(k)}>
                    Revoke
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="create" onSubmit={create} aria-label="New API key">
        <h3>New key</h3>
        <input aria-label="Key name" placeholder="what it is for" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <fieldset class="scopes">
          <legend>Scopes</legend>
          {SCOPES.filter((s) => session.scopes.includes(s) || session.scopes.includes('admin')).map((s) => (
            <label key={s}>
              <input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} /> {s}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={scopes.length === 0}>
          Create key
        </button>
      </form>
      {error ? <p role="alert" class="error">{error}</p> : null}
    </section>
  );
}
