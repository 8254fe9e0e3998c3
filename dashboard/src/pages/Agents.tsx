/** Agents and numbers at a glance: which number reaches which agent, and what is switched off. */
import type { Client } from '../api';
import { NeedsOrg } from '../components/NeedsOrg';
import { useLoad } from '../components/useLoad';
import type { Agent, PhoneNumber } from '../types';

export function AgentsPage({ client }: { client: Client }) {
  if (client.session.admin && client.orgId === null) {
    return (
      <>
        <h1>Agents &amp; numbers</h1>
        <NeedsOrg what="agents and numbers" />
      </>
    );
  }
  return <Overview client={client} />;
}

function Overview({ client }: { client: Client }) {
  const [data] = useLoad(
    () => Promise.all([client.get<{ agents: Agent[] }>('agents'), client.get<{ numbers: PhoneNumber[] }>('numbers')]).then(([a, n]) => ({ agents: a.agents, numbers: n.numbers })),
    [client],
  );
  if (data.state === 'loading') return <p class="loading">Loading…</p>;
  if (data.state === 'error')
    return (
      <p class="error" role="alert">
        {data.message}
      </p>
    );
  const { agents, numbers } = data.value;
  return (
    <>
      <h1>Agents &amp; numbers</h1>
      <section aria-labelledby="agents-heading">
        <h2 id="agents-heading">
          Agents <span class="count">{agents.length}</span>
        </h2>
        {agents.length === 0 ? (
          <p class="empty">No agents yet: create one with POST /api/v1/agents.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Business</th>
                <th scope="col">Model</th>
                <th scope="col">Numbers</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((agent) => {
                const own = numbers.filter((n) => n.agent_id === agent.id);
                return (
                  <tr key={agent.id}>
                    <td>{agent.name}</td>
                    <td>{agent.business_name ?? '—'}</td>
                    <td>{[agent.llm_config?.provider, agent.llm_config?.model].filter(Boolean).join(' · ') || '—'}</td>
                    <td>{own.length === 0 ? <span class="muted">none</span> : own.map((n) => n.phone_number).join(', ')}</td>
                    <td>{agent.is_active === false ? <span class="badge bad">Off</span> : <span class="badge good">On</span>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="numbers-heading">
        <h2 id="numbers-heading">
          Numbers <span class="count">{numbers.length}</span>
        </h2>
        {numbers.length === 0 ? (
          <p class="empty">No numbers yet: add one with POST /api/v1/numbers.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Name</th>
                <th scope="col">Agent</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {numbers.map((n) => (
                <tr key={n.id}>
                  <td>{n.phone_number}</td>
                  <td>{n.name ?? '—'}</td>
                  <td>{n.agent_name ?? <span class="muted">none: calls are refused</span>}</td>
                  <td>{n.is_active ? <span class="badge good">Answering</span> : <span class="badge bad">Switched off</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
