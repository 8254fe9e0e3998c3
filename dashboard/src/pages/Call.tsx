/**
 * One call: what happened (status, numbers, duration), the recording, the transcript with
 * interrupted turns marked, the tools the agent called, the latency waterfall, and the call's
 * webhook deliveries with a retry button.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Client } from '../api';
import { useLoad } from '../components/useLoad';
import { Waterfall } from '../components/Waterfall';
import { dateTime, duration, label, statusTone, time } from '../format';
import type { CallDetail, Delivery, Message, ToolRun } from '../types';

const ROLE_NAMES: Record<Message['role'], string> = { user: 'Caller', assistant: 'Agent', tool: 'Tool', system: 'System' };

export function CallPage({ client, id, orgId }: { client: Client; id: string; orgId: string | null }) {
  const asOrg = client.session.admin ? (orgId ?? client.orgId) : null;
  const [call] = useLoad(() => client.get<CallDetail>(`calls/${id}`, asOrg), [client, id, asOrg]);

  if (client.session.admin && asOrg === null) return <p class="empty">Open the call from the live view or choose its organization at the top.</p>;
  if (call.state === 'loading') return <p class="loading">Loading the call…</p>;
  if (call.state === 'error')
    return (
      <>
        <h1>Call</h1>
        <p class="error" role="alert">
          {call.message}
        </p>
      </>
    );
  const c = call.value;
  return (
    <>
      <p>
        <a href="#/history">← Call history</a>
      </p>
      <h1>
        Call with {c.caller_phone ?? 'an unknown caller'} <span class={`badge ${statusTone(c.status)}`}>{label(c.status)}</span>
      </h1>
      <dl class="facts">
        <div>
          <dt>Direction</dt>
          <dd>{label(c.direction)}</dd>
        </div>
        <div>
          <dt>Agent</dt>
          <dd>{c.agent_name ?? '—'}</dd>
        </div>
        <div>
          <dt>Our number</dt>
          <dd>{c.assistant_phone ?? '—'}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{dateTime(c.started_at ?? c.created_at)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{duration(c.duration_seconds)}</dd>
        </div>
        <div>
          <dt>End reason</dt>
          <dd>
            {label(c.end_reason)}
            {c.sip_status !== null && ` (SIP ${c.sip_status})`}
          </dd>
        </div>
        {c.error && (
          <div>
            <dt>Error</dt>
            <dd>{c.error}</dd>
          </div>
        )}
      </dl>
      {c.summary && (
        <section aria-labelledby="summary-heading">
          <h2 id="summary-heading">Summary</h2>
          <p>{c.summary}</p>
        </section>
      )}
      <section aria-labelledby="recording-heading">
        <h2 id="recording-heading">Recording</h2>
        <Recording client={client} call={c} orgId={asOrg} />
      </section>
      <section aria-labelledby="transcript-heading">
        <h2 id="transcript-heading">Transcript</h2>
        <Transcript messages={c.messages} />
      </section>
      <section aria-labelledby="tools-heading">
        <h2 id="tools-heading">Tool calls</h2>
        <ToolCalls client={client} call={c} orgId={asOrg} />
      </section>
      <section aria-labelledby="latency-heading">
        <h2 id="latency-heading">Latency waterfall</h2>
        <Waterfall latency={c.latency} />
      </section>
      <section aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading">Webhook deliveries</h2>
        <Deliveries client={client} callId={c.id} orgId={asOrg} />
      </section>
    </>
  );
}

function Recording({ client, call, orgId }: { client: Client; call: CallDetail; orgId: string | null }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!call.recording_url) return;
    let objectUrl: string | null = null;
    let current = true;
    client.blob(`calls/${call.id}/recording`, orgId).then(
      (blob) => {
        if (!current) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      (err: unknown) => current && setError(err instanceof ApiError && err.status === 404 ? 'The recording file is gone (retention or a moved data directory).' : (err as Error).message),
    );
    return () => {
      current = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [client, call.id, call.recording_url, orgId]);

  if (!call.recording_url) return <p class="empty">This call was not recorded (the agent’s recording is off, or the call never connected).</p>;
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!url) return <p class="loading">Loading the recording…</p>;
  return (
    <>
      <audio controls preload="metadata" src={url} aria-label="Call recording: caller on the left, agent on the right" />
      <p class="help">
        Stereo WAV: the caller on the left, the agent on the right.{' '}
        <a href={url} download={`${call.id}.wav`}>
          Download
        </a>
      </p>
    </>
  );
}

function Transcript({ messages }: { messages: Message[] }) {
  const spoken = messages.filter((m) => m.role === 'user' || m.role === 'assistant');
  if (spoken.length === 0) return <p class="empty">Nothing was said on this call.</p>;
  return (
    <ol class="transcript">
      {spoken.map((m, i) => (
        <li key={i} class={`turn ${m.role}${m.interrupted ? ' interrupted' : ''}`}>
          <span class="speaker">{ROLE_NAMES[m.role]}</span>
          <span class="at muted">{time(m.started_at)}</span>
          <p>
            {m.content || <span class="muted">(no words)</span>}
            {m.interrupted && (
              <span class="badge warn" title="The caller cut this turn off; the text is what the caller heard">
                Interrupted
              </span>
            )}
          </p>
          {m.tool_calls?.map((t) => (
            <p key={t.id} class="muted">
              Called <code>{t.function.name}</code>
            </p>
          ))}
        </li>
      ))}
    </ol>
  );
}

function ToolCalls({ client, call, orgId }: { client: Client; call: CallDetail; orgId: string | null }) {
  const [runs] = useLoad(() => client.dashboard<{ tool_calls: ToolRun[] }>(`calls/${call.id}/tool-calls`, orgId).then((r) => r.tool_calls), [client, call.id, orgId]);
  if (runs.state === 'loading') return <p class="loading">Loading tool calls…</p>;
  if (runs.state === 'error')
    return (
      <p class="error" role="alert">
        {runs.message}
      </p>
    );
  // Calls whose transcript carries the tool calls (imported or analysed ones) show those instead.
  const results = new Map(call.messages.filter((m) => m.role === 'tool' && m.tool_call_id).map((m) => [m.tool_call_id!, m.content]));
  const rows: ToolRun[] =
    runs.value.length > 0
      ? runs.value
      : call.messages
          .flatMap((m) => m.tool_calls ?? [])
          .map((t) => ({ name: t.function.name, tool_call_id: t.id, duration_ms: null, arguments: JSON.stringify(t.function.arguments), result: results.get(t.id) ?? null, error: null, at: '' }));
  if (rows.length === 0) return <p class="empty">The agent called no tools.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Tool</th>
          <th scope="col">Arguments</th>
          <th scope="col">Result</th>
          <th scope="col">Took</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((t, i) => (
          <tr key={t.tool_call_id ?? i}>
            <td>
              <code>{t.name}</code>
            </td>
            <td>
              <code class="wrap">{t.arguments ?? '—'}</code>
            </td>
            <td class="wrap">{t.error ? <span class="error">{t.error}</span> : (t.result ?? <span class="muted">no result</span>)}</td>
            <td class="num">{t.duration_ms === null ? '—' : `${t.duration_ms} ms`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Deliveries({ client, callId, orgId }: { client: Client; callId: string; orgId: string | null }) {
  const [list, setList] = useLoad(
    () => client.get<{ deliveries: Delivery[] }>(`webhook-deliveries?call_id=${callId}&limit=100`, orgId).then((r) => r.deliveries),
    [client, callId, orgId],
  );
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function retry(delivery: Delivery) {
    setMessage(null);
    try {
      const { delivery: updated } = await client.post<{ delivery: Delivery }>(`webhook-deliveries/${delivery.id}/retry`, {}, orgId);
      if (list.state === 'ready') setList(list.value.map((d) => (d.id === updated.id ? updated : d)));
      setMessage({ ok: true, text: `${delivery.event_type} queued again.` });
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    }
  }

  if (list.state === 'loading') return <p class="loading">Loading deliveries…</p>;
  if (list.state === 'error')
    return (
      <p class="error" role="alert">
        {list.message}
      </p>
    );
  if (list.value.length === 0) return <p class="empty">No webhooks were sent for this call.</p>;
  return (
    <>
      {message && (
        <p class={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last answer</th>
            <th scope="col">Sent</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.value.map((d) => (
            <tr key={d.id}>
              <td>{d.event_type}</td>
              <td>
                <span class={`badge ${d.status === 'delivered' ? 'good' : d.status === 'failed' ? 'bad' : 'plain'}`}>{label(d.status)}</span>
              </td>
              <td class="num">{d.attempts}</td>
              <td>{d.last_status_code ?? d.last_error ?? '—'}</td>
              <td>{time(d.delivered_at ?? d.created_at)}</td>
              <td>
                {d.synchronous ? (
                  <span class="muted">sent once</span>
                ) : (
                  <button type="button" onClick={() => void retry(d)} aria-label={`Retry the ${d.event_type} webhook`}>
                    Retry
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
