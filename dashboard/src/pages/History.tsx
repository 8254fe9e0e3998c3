/** Past and present calls (GET /calls) with the API's filters, newest first, 50 a page. */
import { useState } from 'preact/hooks';
import type { Client } from '../api';
import { NeedsOrg } from '../components/NeedsOrg';
import { useLoad } from '../components/useLoad';
import { CALL_STATUSES, dateTime, DIRECTIONS, duration, label, statusTone } from '../format';
import { callHref } from '../router';
import type { Agent, CallSummary } from '../types';

const PAGE = 50;

interface Filters {
  status: string;
  direction: string;
  agent_id: string;
  start_date: string;
  end_date: string;
}

const NO_FILTERS: Filters = { status: '', direction: '', agent_id: '', start_date: '', end_date: '' };

export function HistoryPage({ client }: { client: Client }) {
  if (client.session.admin && client.orgId === null) {
    return (
      <>
        <h1>Call history</h1>
        <NeedsOrg what="calls" />
      </>
    );
  }
  return <History client={client} />;
}

function History({ client }: { client: Client }) {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [offset, setOffset] = useState(0);
  const [agents] = useLoad(() => client.get<{ agents: Agent[] }>('agents').then((r) => r.agents), [client]);
  const [page] = useLoad(() => {
    const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
    return client.get<{ calls: CallSummary[]; pagination: { total: number } }>(`calls?${query}`);
  }, [client, filters, offset]);

  const field = (name: keyof Filters) => ({
    value: draft[name],
    onInput: (e: Event) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value }),
  });

  return (
    <>
      <h1>Call history</h1>
      <form
        class="filters"
        aria-label="Filter calls"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          setFilters(draft);
        }}
      >
        <label>
          Status
          <select {...field('status')}>
            <option value="">Any</option>
            {CALL_STATUSES.map((s) => (
              <option value={s}>{label(s)}</option>
            ))}
          </select>
        </label>
        <label>
          Direction
          <select {...field('direction')}>
            <option value="">Any</option>
            {DIRECTIONS.map((d) => (
              <option value={d}>{label(d)}</option>
            ))}
          </select>
        </label>
        <label>
          Agent
          <select {...field('agent_id')}>
            <option value="">Any</option>
            {agents.state === 'ready' && agents.value.map((a) => <option value={a.id}>{a.name}</option>)}
          </select>
        </label>
        <label>
          From
          <input type="date" {...field('start_date')} />
        </label>
        <label>
          To
          <input type="date" {...field('end_date')} />
        </label>
        <button type="submit">Apply filters</button>
        <button
          type="button"
          class="quiet"
          onClick={() => {
            setDraft(NO_FILTERS);
            setFilters(NO_FILTERS);
            setOffset(0);
          }}
        >
          Clear
        </button>
      </form>
      {page.state === 'loading' && <p class="loading">Loading calls…</p>}
      {page.state === 'error' && (
        <p class="error" role="alert">
          {page.message}
        </p>
      )}
      {page.state === 'ready' && (
        <>
          <p class="muted" role="status">
            {page.value.pagination.total} calls{page.value.pagination.total > 0 && `, ${offset + 1}–${offset + page.value.calls.length} shown`}
          </p>
          {page.value.calls.length === 0 ? (
            <p class="empty">No calls match.</p>
          ) : (
            <table class="calls">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Direction</th>
                  <th scope="col">Status</th>
                  <th scope="col">End reason</th>
                  <th scope="col">Agent</th>
                  <th scope="col">Our number</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {page.value.calls.map((call) => (
                  <tr key={call.id} data-call-id={call.id}>
                    <td>
                      <a href={callHref(call.id, client.session.admin ? client.orgId : null)}>{dateTime(call.created_at)}</a>
                    </td>
                    <td>{call.caller_phone ?? '—'}</td>
                    <td>{label(call.direction)}</td>
                    <td>
                      <span class={`badge ${statusTone(call.status)}`}>{label(call.status)}</span>
                    </td>
                    <td>{label(call.end_reason)}</td>
                    <td>{call.agent_name ?? '—'}</td>
                    <td>{call.assistant_phone ?? '—'}</td>
                    <td class="num">{duration(call.duration_seconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Newer
            </button>
            <button type="button" disabled={offset + PAGE >= page.value.pagination.total} onClick={() => setOffset(offset + PAGE)}>
              Older
            </button>
          </nav>
        </>
      )}
    </>
  );
}
