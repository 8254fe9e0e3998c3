/** Log in with an organization's API key, or the admin key (every organization). */
import { useState } from 'preact/hooks';
import { ApiError, logIn } from '../api';
import type { Session } from '../types';

export function Login({ onSession }: { onSession: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSession(await logIn(key.trim()));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That key was not accepted: check it, or ask for a new one.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login" id="main">
      <h1>voxgate dashboard</h1>
      <form onSubmit={submit} aria-describedby="login-help">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          aria-invalid={error !== null}
          aria-describedby={error ? 'login-error' : undefined}
        />
        <p id="login-help" class="help">
          An organization’s key (<code>vg_live_…</code>) shows its calls; the admin key shows every organization. The key stays in this tab only.
        </p>
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
