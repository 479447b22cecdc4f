import { useState } from 'preact/hooks';
import { signIn, type Session } from './api';

/** Pasting an API key is signing in; the key stays in this tab's sessionStorage only. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(key.trim()));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="sign-in" onSubmit={submit}>
      <h1>Mailroom</h1>
      <label for="api-key">API key</label>
      <input id="api-key" type="password" autoComplete="off" spellcheck={false} placeholder="mr_…" value={key} onInput={(e) => setKey(e.currentTarget.value)} autoFocus />
      <button type="submit" disabled={busy || key.trim() === ''}>
        Sign in
      </button>
      {error ? <p role="alert" class="error">{error}</p> : null}
      <p class="muted">The key is kept in this tab only, and what you see follows its scopes.</p>
    </form>
  );
}
