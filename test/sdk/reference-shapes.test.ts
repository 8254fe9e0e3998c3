/**
 * Issue #13: while the SDK's generation is served, the shapes of the older reference pages keep
 * working (flireo-api B §3, the G2 contract): the same resources requested and read the G2 way —
 * `/agents` with `voiceId`, flat tools and camelCase plans, templates by `tool_type`/`tool_config`
 * with both wrapper spellings, trunks by `host`/`username`/`password` under `sip_trunk`/`trunk`,
 * numbers by `number`, usage logs and summary, the organization's counters, flat error bodies.
 * Each answer is checked against the reference page's fields (open objects: the SDK's extra
 * fields are allowed next to them). The one collision, the domain object, is asserted as decided.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import type { CallService } from '../../src/api/resources/calls/live.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { sdkTypeProblems, Type } from './sdk-types.js';

const S = Type.String();
const N = Type.Number();
const B = Type.Boolean();
const OrNull = <X extends TSchema>(x: X) => Type.Union([x, Type.Null()]);
const Rec = Type.Object({}, { additionalProperties: true });
const Obj = (fields: Record<string, TSchema>) => Type.Object(fields);

const G2 = {
  Agent: Obj({
    id: S,
    name: S,
    business_name: OrNull(S),
    is_active: B,
    first_message: OrNull(S),
    webhook_url: OrNull(S),
    webhook_events: Type.Array(S),
    stt_config: Obj({ provider: S, model: S, language: S }),
    llm_config: Obj({ provider: S, model: S, temperature: N, messages: Type.Array(Obj({ role: S, content: S })), tools: Type.Array(Rec) }),
    tts_config: Obj({ provider: S, voiceId: S }),
    analysis_plan: Obj({ structuredDataPlan: Obj({ enabled: B, schema: Rec }), minMessagesThreshold: N }),
    created_at: S,
    updated_at: S,
  }),
  ToolTemplate: Obj({ id: S, name: S, tool_type: S, tool_config: Rec, created_at: S, updated_at: S }),
  AnalysisTemplate: Obj({ id: S, org_id: S, name: S, system_prompt: OrNull(S), user_prompt: OrNull(S), schema: Rec, created_at: S, updated_at: S }),
  Number: Obj({ id: S, phone_number: S, name: OrNull(S), agent_id: OrNull(S), transfer_trunk_id: OrNull(S), created_at: S, updated_at: S }),
  Trunk: Obj({ id: S, name: S, host: S, port: N, username: OrNull(S), created_at: S }),
  Organization: Obj({ id: S, name: S, minutes_balance: OrNull(N), monthly_usage_minutes: N, active_numbers: N, active_agents: N, active_calls: N }),
  Account: Obj({ id: S, company_name: S, minutes_balance: OrNull(N), monthly_usage_minutes: N, active_numbers: N, active_agents: N, active_calls: N }),
  Usage: Obj({
    logs: Type.Array(Obj({ id: S, call_id: OrNull(S), duration_seconds: N, minutes_used: N, cost: N, created_at: S })),
    pagination: Obj({ total: N, limit: N, offset: N }),
    summary: Obj({ total_minutes: N, total_cost: N, total_calls: N }),
  }),
  CallSummary: Obj({ id: S, caller_phone: OrNull(S), assistant_phone: OrNull(S), status: S, error: OrNull(S), started_at: OrNull(S), ended_at: OrNull(S), duration_seconds: OrNull(N), summary: OrNull(S), agent_name: OrNull(S), business_name: OrNull(S), created_at: S, updated_at: S }),
  Campaign: Obj({ id: S, name: S, status: S, agent_id: OrNull(S), system_message_template: OrNull(S), schedule_start_time: S, schedule_end_time: S, timezone: S, total_leads: N, completed_leads: N, created_at: S, updated_at: S }),
  Lead: Obj({ id: S, campaign_id: S, phone_number: S, variables: Rec, status: S, call_id: OrNull(S), attempts: N, last_attempt_at: OrNull(S), created_at: S }),
  Error: Obj({ error: S, message: S }),
};

const calls: CallService = {
  placeOutbound: async () => ({ ok: true, callId: randomUUID(), roomName: 'outbound-g2', status: 'dialing' }),
  control: async () => ({ ok: true }),
};

describe('the reference pages’ shapes still work (G2)', () => {
  let t: TestApp;
  let a: TestOrg;
  const ids: Record<string, string> = {};
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const res = await t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(a.apiKey), ...(payload && { payload }) });
    return { status: res.statusCode, body: res.json() };
  };
  const conforms = (schema: TSchema, value: unknown) => expect(sdkTypeProblems(schema, value)).toEqual([]);

  beforeAll(async () => {
    t = await buildTestApp({ services: { calls } });
    a = await t.createOrg({ name: 'G2 client', minutes_balance: 50 });
  });
  afterAll(() => t?.close());

  it('POST /agents with voiceId, a flat tool and a camelCase plan answers {agent} in those spellings', async () => {
    const schema = { type: 'object', properties: { interested: { type: 'boolean' } } };
    const res = await call('POST', '/agents', {
      name: 'Receptie',
      business_name: 'Acme BV',
      first_message: 'Goedemiddag!',
      webhook_url: 'https://hooks.acme.example/flireo',
      webhook_events: ['end-of-call-report'],
      stt_config: { provider: 'deepgram', model: 'nova-3-general', language: 'nl' },
      llm_config: {
        provider: 'openai',
        model: 'gpt-4o-mini',
        temperature: 0.7,
        messages: [{ role: 'system', content: 'Je bent de receptionist.' }],
        tools: [{ name: 'lookup_contact', description: 'Zoek een contact', url: 'https://crm.acme.example/tools', parameters: { type: 'object', properties: {} } }, { type: 'endCall' }],
      },
      tts_config: { provider: 'openai', voiceId: 'alloy' },
      analysis_plan: { structuredDataPlan: { enabled: true, schema }, minMessagesThreshold: 2 },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(['agent']);
    conforms(G2.Agent, res.body.agent);
    expect(res.body.agent.llm_config.tools[0]).toMatchObject({ name: 'lookup_contact', url: 'https://crm.acme.example/tools' });
    ids.agent = res.body.agent.id;
    const list = await call('GET', '/agents');
    expect(Object.keys(list.body)).toEqual(['agents']);
  });

  it('tool and analysis templates by tool_type/tool_config and system_prompt/user_prompt, under both wrapper spellings', async () => {
    const tool = await call('POST', '/tool-templates', { name: 'Doorverbinden', tool_type: 'transferCall', tool_config: { destinations: [{ type: 'number', number: '+31850835037' }] } });
    expect(tool.status).toBe(201);
    expect(tool.body.toolTemplate).toEqual(tool.body.tool_template);
    conforms(G2.ToolTemplate, tool.body.toolTemplate);
    expect(Object.keys((await call('GET', '/tool-templates')).body).sort()).toEqual(['toolTemplates', 'tool_templates']);
    const analysis = await call('POST', '/analysis-templates', { name: 'Lead', schema: { type: 'object' }, system_prompt: 'Extract.', user_prompt: 'Transcript: {{transcript}}' });
    expect(analysis.body.analysisTemplate).toEqual(analysis.body.analysis_template);
    conforms(G2.AnalysisTemplate, analysis.body.analysisTemplate);
  });

  it('SIP trunks by host/port/username/password: list `trunks`, single under sip_trunk and trunk', async () => {
    const res = await call('POST', '/sip-trunks', { name: 'Kantoor PBX', host: 'pbx.acme.example', port: 5080, username: 'voxgate', password: 'geheim' });
    expect(res.status).toBe(201);
    expect(res.body.sip_trunk).toEqual(res.body.trunk);
    conforms(G2.Trunk, res.body.sip_trunk);
    ids.trunk = res.body.trunk.id;
    const list = await call('GET', '/sip-trunks');
    conforms(Obj({ trunks: Type.Array(G2.Trunk) }), list.body);
  });

  it('numbers registered with `number` (the quickstart’s key) answer {number}', async () => {
    const res = await call('POST', '/numbers', { number: '+31 85 083 5037', agent_id: ids.agent, transfer_trunk_id: ids.trunk });
    expect(res.status).toBe(201);
    conforms(G2.Number, res.body.number);
    ids.number = res.body.number.id;
  });

  it('outbound calls and control with the G2 bodies', async () => {
    const res = await call('POST', '/calls/outbound', { destination: '+31612345678', agent_id: ids.agent, first_message: 'Hallo!', context: 'Klant belde eerder.' });
    expect(res).toMatchObject({ status: 201, body: { success: true, status: 'dialing', room_name: 'outbound-g2' } });
    const live = await t.db.query<{ id: string }>("INSERT INTO calls (org_id, direction, status) VALUES ($1, 'inbound', 'in-progress') RETURNING id", [a.org.id]);
    for (const command of [
      { type: 'inject-context', content: 'SMS code 1234', trigger_response: true },
      { type: 'say', content: 'Een moment.', end_after: false },
      { type: 'end-call', message: 'Dag!' },
    ]) {
      expect(await call('POST', `/calls/${live.rows[0].id}/control`, command)).toEqual({ status: 200, body: { success: true, message: 'Command sent successfully' } });
    }
  });

  it('calls, usage and campaigns in the reference page’s fields', async () => {
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO calls (org_id, direction, status, caller_phone, assistant_phone, started_at, ended_at, duration_seconds)
       VALUES ($1, 'inbound', 'ended', '+31612345678', '+31850835037', now() - interval '84 seconds', now(), 84) RETURNING id`,
      [a.org.id],
    );
    await t.db.query('INSERT INTO usage_logs (org_id, call_id, duration_seconds, minutes_used, cost) VALUES ($1, $2, 84, 2, 0.14)', [a.org.id, rows[0].id]);
    const list = await call('GET', '/calls?limit=10&status=ended');
    conforms(Obj({ calls: Type.Array(G2.CallSummary), pagination: Obj({ total: N, limit: N, offset: N }) }), list.body);
    const one = await call('GET', `/calls/${rows[0].id}`);
    conforms(Obj({ id: S, messages: Type.Array(Obj({ role: S, content: S })), analysis_result: OrNull(Rec), phone_number: OrNull(S) }), one.body);
    const usage = await call('GET', '/usage');
    conforms(G2.Usage, usage.body);
    expect(usage.body.summary).toMatchObject({ total_minutes: 2, total_cost: 0.14, total_calls: 1 });
    const campaign = await call('POST', '/campaigns', { name: 'Voorjaar', agent_id: ids.agent, leads: [{ phone_number: '+31612340001', variables: { name: 'Jan' } }] });
    conforms(G2.Campaign, campaign.body.campaign);
    const leads = await call('GET', `/campaigns/${campaign.body.campaign.id}/leads`);
    conforms(Obj({ leads: Type.Array(G2.Lead) }), leads.body);
  });

  it('the organization (and /account) with its counters', async () => {
    conforms(G2.Organization, (await call('GET', '/organization')).body);
    conforms(G2.Account, (await call('GET', '/account')).body);
  });

  it('errors are the flat {error: code, message}', async () => {
    const res = await call('GET', `/agents/${randomUUID()}`);
    expect(res.status).toBe(404);
    conforms(G2.Error, res.body);
    expect(res.body).toMatchObject({ error: 'not_found', message: 'agent not found' });
  });

  it('collision, decided for the SDK: GET /domains answers the bare Domain (with domain_name), not {"domain": …}', async () => {
    await t.db.query("INSERT INTO domains (org_id, domain_name, status) VALUES ($1, 'mail.acme.example', 'pending')", [a.org.id]);
    const res = await call('GET', '/domains');
    expect(res.body).toMatchObject({ domain: 'mail.acme.example', domain_name: 'mail.acme.example', status: 'pending', verified: false });
  });
});
