/** The dashboard: log in with an API key, then the live calls, history, call pages and agents. */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Client, forgetKey, logIn, storedKey } from './api';
import { Login } from './pages/Login';
import { LivePage } from './pages/Live';
import { HistoryPage } from './pages/History';
import { CallPage } from './pages/Call';
import { AgentsPage } from './pages/Agents';
import { useRoute, type Route } from './router';
import type { Session } from './types';
import './style.css';

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);

  useEffect(() => {
    const key = storedKey();
    if (key === null) return;
    logIn(key)
      .then(setSession, () => forgetKey())
      .finally(() => setRestoring(false));
  }, []);

  if (restoring) return <p class="loading">Loading…</p>;
  if (!session) return <Login onSession={setSession} />;
  return (
    <Shell
      session={session}
      onLogOut={() => {
        forgetKey();
        location.hash = '#/live';
        setSession(null);
      }}
    />
  );
}

const NAV: Array<{ href: string; page: Route['page']; text: string }> = [
  { href: '#/live', page: 'live', text: 'Live calls' },
  { href: '#/history', page: 'history', text: 'Call history' },
  { href: '#/agents', page: 'agents', text: 'Agents & numbers' },
];

function Shell({ session, onLogOut }: { session: Session; onLogOut: () => void }) {
  const route = useRoute();
  // The admin key watches every organization live; the other pages show one at a time.
  const [orgId, setOrgId] = useState<string | null>(session.admin ? null : session.organizations[0]?.id ?? null);
  const client = useMemo(() => new Client(session, orgId), [session, orgId]);
  const current = route.page === 'call' ? 'history' : route.page;
  const orgName = session.organizations.find((o) => o.id === orgId)?.name;

  useEffect(() => {
    document.title = `${NAV.find((n) => n.page === current)?.text ?? 'Call'} · voxgate`;
  }, [current]);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">voxgate</span>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <a href={item.href} aria-current={current === item.page ? 'page' : undefined}>
              {item.text}
            </a>
          ))}
        </nav>
        <div class="who">
          {session.admin ? (
            <label>
              Organization{' '}
              <select value={orgId ?? ''} onChange={(e) => setOrgId((e.target as HTMLSelectElement).value || null)}>
                <option value="">All organizations</option>
                {session.organizations.map((o) => (
                  <option value={o.id}>{o.name}</option>
                ))}
              </select>
            </label>
          ) : (
            <span>{orgName}</span>
          )}
          <button type="button" class="quiet" onClick={onLogOut}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} client={client} />
      </main>
    </>
  );
}

function Page({ route, client }: { route: Route; client: Client }) {
  switch (route.page) {
    case 'live':
      return <LivePage client={client} />;
    case 'history':
      return <HistoryPage client={client} />;
    case 'agents':
      return <AgentsPage client={client} />;
    case 'call':
      return <CallPage client={client} id={route.id} orgId={route.orgId} />;
  }
}

render(<App />, document.getElementById('app')!);
