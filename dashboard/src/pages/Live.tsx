/**
 * Live calls, updated from the engine's feed as they happen: status, agent, numbers, duration,
 * who is talking, and the controls (hang up, say, transfer) through POST /calls/{id}/control.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Client } from '../api';
import { duration, label, LIVE_STATUSES, statusTone, time } from '../format';
import { callHref } from '../router';
import type { LiveCall, LiveEvent } from '../types';

const RECENT = 10;

interface Feed {
  live: Map<string, LiveCall>;
  ended: LiveCall[];
}

function apply(feed: Feed, event: LiveEvent): Feed {
  if (event.type === 'snapshot') return { live: new Map(event.calls.map((c) => [c.id, c])), ended: feed.ended };
  if (event.type === 'speech') {
    const call = feed.live.get(event.call_id);
    if (!call) return feed;
    return { ...feed, live: new Map(feed.live).set(call.id, { ...call, speaking: event.speaking }) };
  }
  const { call } = event;
  const live = new Map(feed.live);
  if (LIVE_STATUSES.includes(call.status)) return { ...feed, live: live.set(call.id, call) };
  live.delete(call.id);
  return { live, ended: [call, ...feed.ended.filter((c) => c.id !== call.id)].slice(0, RECENT) };
}

/** Re-renders every second, for the running durations. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function LivePage({ client }: { client: Client }) {
  const [feed, setFeed] = useState<Feed>({ live: new Map(), ended: [] });
  const [connected, setConnected] = useState<boolean | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const liveIds = useRef(new Set<string>());
  const now = useNow();
  const allOrgs = client.session.admin && client.orgId === null;

  useEffect(() => {
    const abort = new AbortController();
    setFeed({ live: new Map(), ended: [] });
    client
      .live(
        client.orgId,
        (event) => {
          if (event.type === 'snapshot') liveIds.current = new Set(event.calls.map((c) => c.id));
          if (event.type === 'call') {
            const { id, status, caller_phone } = event.call;
            const was = liveIds.current.has(id);
            const isLiveNow = LIVE_STATUSES.includes(status);
            if (!was && isLiveNow) setAnnouncement(`New call from ${caller_phone ?? 'an unknown number'}`);
            if (was && !isLiveNow) setAnnouncement(`Call with ${caller_phone ?? 'an unknown number'} ended`);
            if (isLiveNow) liveIds.current.add(id);
            else liveIds.current.delete(id);
          }
          setFeed((before) => apply(before, event));
        },
        setConnected,
        abort.signal,
      )
      .catch((err: unknown) => setFatal((err as Error).message));
    return () => abort.abort();
  }, [client]);

  const calls = [...feed.live.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
  return (
    <>
      <div class="title-row">
        <h1>Live calls</h1>
        <span class={`feed ${connected ? 'on' : 'off'}`} role="status">
          {connected === null ? 'Connecting…' : connected ? 'Live' : 'Reconnecting…'}
        </span>
      </div>
      {fatal && (
        <p class="error" role="alert">
          {fatal}
        </p>
      )}
      <p class="sr-only" aria-live="polite">
        {announcement}
      </p>
      <section aria-labelledby="live-heading">
        <h2 id="live-heading">
          In progress <span class="count">{calls.length}</span>
        </h2>
        {calls.length === 0 ? (
          <p class="empty">No calls right now. New calls appear here as they ring.</p>
        ) : (
          <table class="calls" aria-describedby="live-heading">
            <thead>
              <tr>
                {allOrgs && <th scope="col">Organization</th>}
                <th scope="col">Status</th>
                <th scope="col">Direction</th>
                <th scope="col">Agent</th>
                <th scope="col">Customer</th>
                <th scope="col">Our number</th>
                <th scope="col">Duration</th>
                <th scope="col">Speaking</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {calls.map((call) => (
                <LiveRow key={call.id} call={call} now={now} client={client} showOrg={allOrgs} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="ended-heading">
        <h2 id="ended-heading">Just ended</h2>
        {feed.ended.length === 0 ? (
          <p class="empty">Calls that end while you watch are listed here.</p>
        ) : (
          <ul class="ended">
            {feed.ended.map((call) => (
              <li key={call.id} data-call-id={call.id}>
                <a href={callHref(call.id, client.session.admin ? call.org_id : null)}>
                  {call.caller_phone ?? 'Unknown caller'} → {call.agent_name ?? 'no agent'}
                </a>{' '}
                <span class={`badge ${statusTone(call.status)}`}>{label(call.status)}</span> <span class="muted">{label(call.end_reason)}</span>{' '}
                <span class="muted">
                  {duration(call.duration_seconds)} · ended {time(call.ended_at)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

type Panel = 'say' | 'transfer' | null;

function LiveRow({ call, now, client, showOrg }: { call: LiveCall; now: number; client: Client; showOrg: boolean }) {
  const [panel, setPanel] = useState<Panel>(null);
  const [text, setText] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const since = call.started_at ?? call.created_at;
  const seconds = Math.max(0, (now - Date.parse(since)) / 1000);
  const orgId = client.session.admin ? call.org_id : null;
  const who = [call.speaking.user && 'Caller', call.speaking.assistant && 'Agent'].filter(Boolean).join(' and ');

  async function control(body: Record<string, unknown>, done: string) {
    setBusy(true);
    setResult(null);
    try {
      await client.post(`calls/${call.id}/control`, body, orgId);
      setResult({ ok: true, text: done });
      setPanel(null);
      setText('');
    } catch (err) {
      setResult({ ok: false, text: err instanceof ApiError ? err.message : 'The command could not be sent.' });
    } finally {
      setBusy(false);
    }
  }

  const caller = call.caller_phone ?? 'unknown caller';
  return (
    <tr data-call-id={call.id}>
      {showOrg && <td>{call.org_name}</td>}
      <td>
        <span class={`badge ${statusTone(call.status)}`}>{label(call.status)}</span>
      </td>
      <td>{label(call.direction)}</td>
      <td>{call.agent_name ?? '—'}</td>
      <td>
        <a href={callHref(call.id, orgId)}>{call.caller_phone ?? 'Unknown'}</a>
      </td>
      <td>{call.assistant_phone ?? '—'}</td>
      <td class="num" aria-label={call.started_at ? 'Talking for' : 'Ringing for'}>
        {duration(seconds)}
        {!call.started_at && <span class="muted"> ringing</span>}
      </td>
      <td class="speaking">{who ? <span class="talking">{who} speaking</span> : <span class="muted">Silence</span>}</td>
      <td class="actions">
        <button type="button" class="danger" disabled={busy} aria-label={`Hang up the call with ${caller}`} onClick={() => control({ type: 'end-call' }, 'Hanging up…')}>
          Hang up
        </button>
        <button type="button" aria-expanded={panel === 'say'} aria-label={`Say something on the call with ${caller}`} onClick={() => setPanel(panel === 'say' ? null : 'say')}>
          Say…
        </button>
        <button type="button" aria-expanded={panel === 'transfer'} aria-label={`Transfer the call with ${caller}`} onClick={() => setPanel(panel === 'transfer' ? null : 'transfer')}>
          Transfer…
        </button>
        {panel && (
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              if (panel === 'say') void control({ type: 'say', content: text }, 'The agent says it.');
              else void control({ type: 'transfer', destination: text }, 'Transferring…');
            }}
          >
            <label for={`${panel}-${call.id}`}>{panel === 'say' ? 'The agent says' : 'Transfer to (E.164 or sip:…)'}</label>
            <input id={`${panel}-${call.id}`} value={text} required onInput={(e) => setText((e.target as HTMLInputElement).value)} />
            <button type="submit" disabled={busy || text.trim() === ''}>
              {panel === 'say' ? 'Say' : 'Transfer'}
            </button>
          </form>
        )}
        {result && (
          <p class={result.ok ? 'ok' : 'error'} role={result.ok ? 'status' : 'alert'}>
            {result.text}
          </p>
        )}
      </td>
    </tr>
  );
}
