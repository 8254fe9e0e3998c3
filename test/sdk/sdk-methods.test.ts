/**
 * Issue #13: the vendor's Node SDK works unmodified against voxgate — every method, every type.
 *
 * Each of the SDK's public REST methods (test/sdk/sdk-client.ts reproduces what it sends) is run
 * against the real API listening on a port, through a recorder that captures the request exactly
 * as it reaches the wire. Every case checks
 *   1. the request: method, path, query and body as the SDK's source builds them, with its headers;
 *   2. the answer: what the method returns conforms to the type the SDK declares (required fields
 *      present, types, enums, no null where the SDK says `x?: T`) — test/sdk/sdk-types.ts;
 *   3. that what was sent was kept (read back through the API or the database), never dropped.
 * The webhook helpers (Webhooks.verify, Webhooks.sign) are covered by sdk-webhooks.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { SecretBox } from '../../src/crypto.js';
import type { CallService } from '../../src/api/resources/calls/live.js';
import { loadTrunkCredentials } from '../../src/api/resources/sip-trunks/service.js';
import { startFakeResend, type FakeResend } from '../fakes/resend-server.js';
import { buildTestApp, TEST_SECRET_KEY, type TestApp, type TestOrg } from '../helpers/index.js';
import { createSdk, SDK_METHODS, SdkError, SdkHttp, type Sdk, type SdkMethod } from './sdk-client.js';
import * as T from './sdk-types.js';
import { WireRecorder, type WireRequest } from './wire-recorder.js';

type Json = Record<string, unknown>;
const RESEND_KEY = 're_sdk_contract_0123456789';
const OUR_NUMBER = '+31850001111';

/** An outbound dialer that writes the call row, as the telephony side would, and takes every command. */
function fakeCalls(t: () => TestApp): CallService {
  return {
    async placeOutbound(request) {
      const id = randomUUID();
      await t().db.query(
        `INSERT INTO calls (id, org_id, direction, status, caller_phone, assistant_phone, agent_id, number_id)
         VALUES ($1, $2, 'outbound', 'connecting', $3, $4, $5, $6)`,
        [id, request.orgId, request.destination, OUR_NUMBER, request.agentId ?? null, request.numberId ?? null],
      );
      return { ok: true, callId: id, roomName: `outbound-${id.slice(0, 8)}`, status: 'dialing' };
    },
    control: async () => ({ ok: true }),
  };
}

describe('the vendor SDK against voxgate, method by method', () => {
  let t: TestApp;
  let org: TestOrg;
  let resend: FakeResend;
  let recorder: WireRecorder;
  let sdk: Sdk;
  const covered = new Set<SdkMethod>();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    resend = await startFakeResend();
    resend.addAccount(RESEND_KEY);
    t = await buildTestApp({ env: { RESEND_BASE_URL: resend.url, RATE_LIMIT_PER_MINUTE: '100000' }, services: { calls: fakeCalls(() => t) } });
    org = await t.createOrg({ name: 'SDK user BV' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    recorder = await WireRecorder.start(address.port);
    sdk = createSdk(new SdkHttp({ apiKey: org.apiKey, baseUrl: `${recorder.url}/api/v1` }));
  });
  afterAll(async () => {
    await recorder?.close();
    await t?.close();
    await resend?.close();
  });

  interface Expected {
    method: string;
    path: string;
    query?: Record<string, string>;
    body?: unknown;
  }

  /**
   * Runs one SDK method, checks the one request it sent and the type of what it returned. `expected`
   * may list several requests (the auto-paginators send one per page).
   */
  async function run<R>(name: SdkMethod, expected: Expected | Expected[], work: () => Promise<R>, type?: TSchema): Promise<R> {
    covered.add(name);
    const from = recorder.requests.length;
    const result = await work();
    expectWire(recorder.requests.slice(from), [expected].flat());
    if (type) expect(T.sdkTypeProblems(type, result), `${name} returns the SDK's type`).toEqual([]);
    return result;
  }

  function expectWire(requests: WireRequest[], expected: Expected[]): void {
    expect(requests.map((r) => ({ method: r.method, path: r.path, query: r.query, body: r.json }))).toEqual(
      expected.map((e) => ({ method: e.method, path: `/api/v1${e.path}`, query: e.query ?? {}, body: e.body })),
    );
    for (const r of requests) {
      expect(r.headers).toMatchObject({ authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json', 'user-agent': 'hmsovereign-node/1.0.0' });
    }
  }

  const each = (type: TSchema) => T.Type.Array(type);

  describe('organizations, voices, BYOK', () => {
    it('organizations.get', async () => {
      const got = await run('organizations.get', { method: 'GET', path: '/organizations' }, () => sdk.organizations.get(), T.Organization);
      expect(got).toMatchObject({ id: org.org.id, name: 'SDK user BV' });
    });

    it('organizations.create', async () => {
      const params = { name: 'Child BV', email: 'child@example.com' };
      const created = await run('organizations.create', { method: 'POST', path: '/organizations', body: params }, () => sdk.organizations.create(params), T.Organization);
      expect(T.sdkTypeProblems(T.OrganizationCreated, created)).toEqual([]);
      expect(created).toMatchObject({ name: 'Child BV', email: 'child@example.com', parent_org_id: org.org.id });
      // The new key works, once, for the child only.
      const child = createSdk(new SdkHttp({ apiKey: String(created.api_key), baseUrl: `${recorder.url}/api/v1` }));
      expect(await child.organizations.get()).toMatchObject({ id: created.id, email: 'child@example.com' });
    });

    it('voices.list', async () => {
      const voices = await run('voices.list', { method: 'GET', path: '/voices' }, () => sdk.voices.list(), each(T.Voice));
      expect(voices.length).toBeGreaterThan(10);
    });

    it('byok.get', async () => {
      await run('byok.get', { method: 'GET', path: '/byok' }, () => sdk.byok.get(), T.BYOKGet);
    });

    it('byok.getConfig', async () => {
      const config = await run('byok.getConfig', { method: 'GET', path: '/byok/config' }, () => sdk.byok.getConfig(), T.Rec);
      expect(config.providers).toEqual(expect.any(Array));
    });

    it('byok.set', async () => {
      for (const params of [{ provider: 'openai', api_key: 'sk-sdk-test' }, { provider: 'resend', api_key: RESEND_KEY }]) {
        const res = await run('byok.set', { method: 'POST', path: '/byok', body: params }, () => sdk.byok.set(params), T.BYOKChange);
        expect((res.byok_keys as Json)[`${params.provider}_secret_id`]).toEqual(expect.any(String));
      }
    });

    it('byok.delete', async () => {
      const params = { provider: 'openai' };
      const res = await run('byok.delete', { method: 'DELETE', path: '/byok', body: params }, () => sdk.byok.delete(params), T.BYOKChange);
      expect(res).toMatchObject({ success: true, byok_keys: { openai_secret_id: null } });
    });
  });

  describe('templates', () => {
    it('toolTemplates.create', async () => {
      const params = {
        name: 'Lookup contact',
        description: 'Finds a contact in the CRM',
        function_definition: { name: 'lookup_contact', description: 'Look up a contact by name', parameters: { type: 'object', properties: { query: { type: 'string' } } } },
        server_url: 'https://crm.example.com/tools',
        async: false,
      };
      const created = await run('toolTemplates.create', { method: 'POST', path: '/tool-templates', body: params }, () => sdk.toolTemplates.create(params), T.ToolTemplate);
      expect(created).toMatchObject({ function_definition: params.function_definition, server_url: params.server_url, async: false });
      ids.toolTemplate = String(created.id);
    });

    it('toolTemplates.list', async () => {
      const list = await run('toolTemplates.list', { method: 'GET', path: '/tool-templates' }, () => sdk.toolTemplates.list(), each(T.ToolTemplate));
      expect(list.map((x) => x.id)).toEqual([ids.toolTemplate]);
    });

    it('toolTemplates.get', async () => {
      await run('toolTemplates.get', { method: 'GET', path: `/tool-templates/${ids.toolTemplate}` }, () => sdk.toolTemplates.get(ids.toolTemplate), T.ToolTemplate);
    });

    it('toolTemplates.update', async () => {
      const params = { server_url: 'https://crm.example.com/v2/tools', async: true };
      const updated = await run(
        'toolTemplates.update',
        { method: 'PATCH', path: `/tool-templates/${ids.toolTemplate}`, body: params },
        () => sdk.toolTemplates.update(ids.toolTemplate, params),
        T.ToolTemplate,
      );
      expect(updated).toMatchObject({ server_url: params.server_url, async: true, function_definition: { name: 'lookup_contact' } });
    });

    it('analysisTemplates.create', async () => {
      const params = { name: 'Lead quality', description: 'Scores the lead', schema: { type: 'object', properties: { score: { type: 'integer' } } } };
      const created = await run(
        'analysisTemplates.create',
        { method: 'POST', path: '/analysis-templates', body: params },
        () => sdk.analysisTemplates.create(params),
        T.AnalysisTemplate,
      );
      expect(created).toMatchObject(params);
      ids.analysisTemplate = String(created.id);
    });

    it('analysisTemplates.list', async () => {
      await run('analysisTemplates.list', { method: 'GET', path: '/analysis-templates' }, () => sdk.analysisTemplates.list(), each(T.AnalysisTemplate));
    });

    it('analysisTemplates.get', async () => {
      await run(
        'analysisTemplates.get',
        { method: 'GET', path: `/analysis-templates/${ids.analysisTemplate}` },
        () => sdk.analysisTemplates.get(ids.analysisTemplate),
        T.AnalysisTemplate,
      );
    });

    it('analysisTemplates.update', async () => {
      const params = { description: 'Scores the lead 1-10' };
      const updated = await run(
        'analysisTemplates.update',
        { method: 'PATCH', path: `/analysis-templates/${ids.analysisTemplate}`, body: params },
        () => sdk.analysisTemplates.update(ids.analysisTemplate, params),
        T.AnalysisTemplate,
      );
      expect(updated.description).toBe('Scores the lead 1-10');
    });
  });

  describe('assistants', () => {
    const params = {
      name: 'Reception',
      business_name: 'Acme BV',
      notification_email: 'ops@acme.example',
      first_message: 'Goedemiddag!',
      is_active: true,
      max_duration_seconds: 600,
      autonomous_silence_handling: false,
      silence_timeout_seconds: 8,
      voicemail_detection: false,
      voicemail_message: 'Bel ons terug.',
      gdpr_mode: false,
      webhook_url: 'https://hooks.acme.example/voxgate',
      webhook_secret: 'whsec_sdk_contract_secret',
      webhook_events: ['status-update', 'end-of-call-report'],
      stt_config: { provider: 'deepgram', model: 'nova-3-general', language: 'nl', keyterms: ['ja', 'nee'] },
      llm_config: {
        provider: 'openai',
        model: 'gpt-4o-mini',
        temperature: 0.3,
        messages: [{ role: 'system', content: 'Je bent de receptionist.' }],
        tools: [
          {
            type: 'function',
            function: { name: 'book_table', description: 'Books a table', parameters: { type: 'object', properties: { when: { type: 'string' } } } },
            server: { url: 'https://hooks.acme.example/tools' },
            async: false,
          },
        ],
      },
      tts_config: { provider: 'elevenlabs', voice_id: 'EXAVITQu4vr4xnSDxMaL', model: 'eleven_flash_v2_5', stability: 0.5, similarity_boost: 0.7, use_speaker_boost: true, speed: 1.1, style: 0.2 },
    };

    it('assistants.create', async () => {
      const created = await run('assistants.create', { method: 'POST', path: '/assistants', body: params }, () => sdk.assistants.create(params), T.Assistant);
      const { webhook_secret: _s, llm_config, ...rest } = params;
      expect(created).toMatchObject(rest);
      expect(created.llm_config).toMatchObject({ ...llm_config, tools: [expect.objectContaining(llm_config.tools[0])] });
      expect(created.webhook_secret).toBe('…cret');
      ids.assistant = String(created.id);
    });

    it('assistants.list', async () => {
      const list = await run('assistants.list', { method: 'GET', path: '/assistants' }, () => sdk.assistants.list(), each(T.Assistant));
      expect(list.map((x) => x.id)).toEqual([ids.assistant]);
    });

    it('assistants.get', async () => {
      await run('assistants.get', { method: 'GET', path: `/assistants/${ids.assistant}` }, () => sdk.assistants.get(ids.assistant), T.Assistant);
    });

    it('assistants.update', async () => {
      const update = { first_message: null, tts_config: { provider: 'elevenlabs', voice_id: 'pNInz6obpgDQGcFmaJgB' }, webhook_events: null };
      const updated = await run(
        'assistants.update',
        { method: 'PATCH', path: `/assistants/${ids.assistant}`, body: update },
        () => sdk.assistants.update(ids.assistant, update),
        T.Assistant,
      );
      expect(updated).toMatchObject({ first_message: null, tts_config: { provider: 'elevenlabs', voice_id: 'pNInz6obpgDQGcFmaJgB' }, name: 'Reception' });
      // What a GET shows can go back as it is: the SDK's "read, change one field, write" works.
      const { id: _i, created_at: _c, updated_at: _u, webhook_secret: _w, ...readable } = await sdk.assistants.get(ids.assistant);
      const again = await sdk.assistants.update(ids.assistant, { ...readable, max_duration_seconds: 900 });
      expect(again).toMatchObject({ max_duration_seconds: 900, tts_config: updated.tts_config });
    });
  });

  describe('SIP trunks and numbers', () => {
    it('sipTrunks.create', async () => {
      const params = {
        name: 'Carrier',
        provider: 'twilio',
        inbound_addresses: ['203.0.113.10', '203.0.113.11'],
        outbound_address: 'sip.carrier.example',
        outbound_number: OUR_NUMBER,
        auth_username: 'acct-123',
        auth_password: 'carrier-secret-pw',
      };
      const created = await run('sipTrunks.create', { method: 'POST', path: '/sip-trunks', body: params }, () => sdk.sipTrunks.create(params), T.SipTrunk);
      const { auth_password: _p, ...visible } = params;
      expect(created).toMatchObject(visible);
      expect(JSON.stringify(created)).not.toContain('carrier-secret-pw');
      // The credentials reached the call path (the bug of issue #13).
      expect(await loadTrunkCredentials(t.db, new SecretBox(TEST_SECRET_KEY), org.org.id, String(created.id))).toEqual({ username: 'acct-123', password: 'carrier-secret-pw' });
      ids.trunk = String(created.id);
    });

    it('sipTrunks.list', async () => {
      await run('sipTrunks.list', { method: 'GET', path: '/sip-trunks' }, () => sdk.sipTrunks.list(), each(T.SipTrunk));
    });

    it('sipTrunks.get', async () => {
      await run('sipTrunks.get', { method: 'GET', path: `/sip-trunks/${ids.trunk}` }, () => sdk.sipTrunks.get(ids.trunk), T.SipTrunk);
    });

    it('numbers.create', async () => {
      const params = { phone_number: OUR_NUMBER, agent_id: ids.assistant, transfer_trunk_id: ids.trunk, is_active: true };
      const created = await run('numbers.create', { method: 'POST', path: '/numbers', body: params }, () => sdk.numbers.create(params), T.PhoneNumber);
      expect(created).toMatchObject({ ...params, agent_name: 'Reception', business_name: 'Acme BV', transfer_trunk_name: 'Carrier' });
      ids.number = String(created.id);
    });

    it('numbers.list', async () => {
      await run('numbers.list', { method: 'GET', path: '/numbers' }, () => sdk.numbers.list(), each(T.PhoneNumber));
    });

    it('numbers.get', async () => {
      await run('numbers.get', { method: 'GET', path: `/numbers/${ids.number}` }, () => sdk.numbers.get(ids.number), T.PhoneNumber);
    });

    it('numbers.update', async () => {
      const params = { transfer_trunk_id: null, is_active: false };
      const updated = await run('numbers.update', { method: 'PATCH', path: `/numbers/${ids.number}`, body: params }, () => sdk.numbers.update(ids.number, params), T.PhoneNumber);
      expect(updated).toMatchObject({ transfer_trunk_id: null, is_active: false, agent_id: ids.assistant });
      await sdk.numbers.update(ids.number, { is_active: true });
    });
  });

  describe('campaigns and leads', () => {
    it('campaigns.create', async () => {
      const params = {
        name: 'Spring outreach',
        agent_id: ids.assistant,
        system_message_template: 'You call {{company}}.',
        schedule_start_time: '09:30:00',
        schedule_end_time: '17:00:00',
        timezone: 'Europe/Amsterdam',
        leads: [
          { phone_number: '+31612340001', name: 'Ann', variables: { company: 'Acme' } },
          { phone_number: '+31612340002', variables: { company: 'Bolt' } },
        ],
      };
      const created = await run('campaigns.create', { method: 'POST', path: '/campaigns', body: params }, () => sdk.campaigns.create(params), T.Campaign);
      const { leads: _l, ...fields } = params;
      expect(created).toMatchObject({ ...fields, status: 'draft', total_leads: 2 });
      ids.campaign = String(created.id);
    });

    it('campaigns.list', async () => {
      await run('campaigns.list', { method: 'GET', path: '/campaigns' }, () => sdk.campaigns.list(), each(T.Campaign));
    });

    it('campaigns.get', async () => {
      await run('campaigns.get', { method: 'GET', path: `/campaigns/${ids.campaign}` }, () => sdk.campaigns.get(ids.campaign), T.Campaign);
    });

    it('campaigns.update', async () => {
      const params = { status: 'paused', schedule_end_time: '18:00:00' };
      const updated = await run('campaigns.update', { method: 'PATCH', path: `/campaigns/${ids.campaign}`, body: params }, () => sdk.campaigns.update(ids.campaign, params), T.Campaign);
      expect(updated).toMatchObject(params);
    });

    it('campaigns.addLead', async () => {
      const params = { phone_number: '+31612340003', name: 'Cor', variables: { company: 'Crux' } };
      const lead = await run(
        'campaigns.addLead',
        { method: 'POST', path: `/campaigns/${ids.campaign}/leads`, body: params },
        () => sdk.campaigns.addLead(ids.campaign, params),
        T.CampaignLead,
      );
      expect(lead).toMatchObject({ ...params, status: 'pending', campaign_id: ids.campaign });
      ids.lead = String(lead.id);
    });

    it('campaigns.listLeads', async () => {
      const page = await run(
        'campaigns.listLeads',
        { method: 'GET', path: `/campaigns/${ids.campaign}/leads`, query: { limit: '2', offset: '1' } },
        () => sdk.campaigns.listLeads(ids.campaign, { limit: 2, offset: 1 }),
        T.LeadPage,
      );
      expect(page).toMatchObject({ pagination: { total: 3, limit: 2, offset: 1 } });
      expect((page.leads as Json[]).map((l) => l.phone_number)).toEqual(['+31612340002', '+31612340003']);
      const all = await run('campaigns.listLeads', { method: 'GET', path: `/campaigns/${ids.campaign}/leads` }, () => sdk.campaigns.listLeads(ids.campaign), T.LeadPage);
      expect((all.leads as Json[]).map((l) => l.name ?? null)).toEqual(['Ann', null, 'Cor']);
    });

    it('campaigns.removeLead', async () => {
      await run('campaigns.removeLead', { method: 'DELETE', path: `/campaigns/${ids.campaign}/leads/${ids.lead}` }, () => sdk.campaigns.removeLead(ids.campaign, ids.lead));
      expect(((await sdk.campaigns.listLeads(ids.campaign)).leads as Json[]).length).toBe(2);
    });
  });

  describe('calls', () => {
    beforeAll(async () => {
      // 205 finished calls (three pages for the paginator) and their usage rows, plus one in progress.
      await t.db.query(
        `INSERT INTO calls (org_id, direction, status, end_reason, caller_phone, assistant_phone, agent_id, agent_name, business_name,
                            started_at, ended_at, duration_seconds, created_at)
         SELECT $1, 'inbound', 'ended', 'customer-hangup', '+3161234' || lpad(i::text, 4, '0'), $2, $3, 'Reception', 'Acme BV',
                now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval + interval '84 seconds', 84, now() - (i || ' minutes')::interval
           FROM generate_series(1, 205) AS i`,
        [org.org.id, OUR_NUMBER, ids.assistant],
      );
      await t.db.query(
        `INSERT INTO usage_logs (org_id, call_id, duration_seconds, minutes_used, cost, created_at)
         SELECT org_id, id, 84, 2, 0.14, created_at FROM calls WHERE org_id = $1 AND status = 'ended'`,
        [org.org.id],
      );
      const live = await t.db.query<{ id: string }>(
        `INSERT INTO calls (org_id, direction, status, caller_phone, assistant_phone, agent_id, started_at)
         VALUES ($1, 'inbound', 'in-progress', '+31612349999', $2, $3, now()) RETURNING id`,
        [org.org.id, OUR_NUMBER, ids.assistant],
      );
      ids.liveCall = live.rows[0].id;
    });

    it('calls.create', async () => {
      const params = {
        destination: '+31612345678',
        number_id: ids.number,
        assistant_id: ids.assistant,
        assistant_override: { first_message: 'Hallo, u spreekt met Acme.', metadata: { crm_id: '42' } },
        first_message: 'Goedemorgen!',
      };
      const created = await run('calls.create', { method: 'POST', path: '/calls/outbound', body: params }, () => sdk.calls.create(params), T.OutboundCallResponse);
      expect(created).toMatchObject({ success: true, status: 'dialing' });
      ids.outboundCall = String(created.call_id);
      const transient = { destination: '+31612345679', assistant: { llm_config: { provider: 'xai_realtime', voice: 'eve' }, metadata: { source: 'sdk' } } };
      await run('calls.create', { method: 'POST', path: '/calls/outbound', body: transient }, () => sdk.calls.create(transient), T.OutboundCallResponse);
    });

    it('calls.get', async () => {
      const call = await run('calls.get', { method: 'GET', path: `/calls/${ids.outboundCall}` }, () => sdk.calls.get(ids.outboundCall), T.Call);
      expect(call).toMatchObject({ id: ids.outboundCall, direction: 'outbound', caller_phone: '+31612345678', assistant_phone: OUR_NUMBER, status: 'connecting' });
    });

    it('calls.list', async () => {
      const query = { limit: 50, offset: 10, status: 'ended', start_date: '2020-01-01', end_date: '2100-01-01' };
      const page = await run(
        'calls.list',
        { method: 'GET', path: '/calls', query: { limit: '50', offset: '10', status: 'ended', start_date: '2020-01-01', end_date: '2100-01-01' } },
        () => sdk.calls.list(query),
        T.Type.Object({ data: each(T.Call), pagination: T.Pagination }),
      );
      expect(page.pagination).toEqual({ total: 205, limit: 50, offset: 10 });
      expect(page.data).toHaveLength(50);
      expect(page.hasMore).toBe(true);
      expect(page.nextOffset).toBe(60);
    });

    it('calls.listAll', async () => {
      const pages = [0, 100, 200].map((offset) => ({ method: 'GET', path: '/calls', query: { status: 'ended', limit: '100', offset: String(offset) } }));
      const all = await run('calls.listAll', pages, () => sdk.calls.listAll({ status: 'ended' }), each(T.Call));
      expect(all).toHaveLength(205);
      expect(new Set(all.map((c) => c.id)).size).toBe(205);
    });

    it('calls.control', async () => {
      const command = { type: 'inject-context', content: 'The caller is a VIP.', trigger_response: true };
      const res = await run(
        'calls.control',
        { method: 'POST', path: `/calls/${ids.liveCall}/control`, body: command },
        () => sdk.calls.control(ids.liveCall, command),
        T.CallControlResponse,
      );
      expect(res).toEqual({ success: true, message: 'Command sent successfully' });
    });

    it('calls.injectContext', async () => {
      await run(
        'calls.injectContext',
        { method: 'POST', path: `/calls/${ids.liveCall}/control`, body: { type: 'inject-context', content: 'SMS code 1234', trigger_response: false } },
        () => sdk.calls.injectContext(ids.liveCall, 'SMS code 1234'),
        T.CallControlResponse,
      );
    });

    it('calls.say', async () => {
      await run(
        'calls.say',
        { method: 'POST', path: `/calls/${ids.liveCall}/control`, body: { type: 'say', content: 'One moment please.', end_after: false } },
        () => sdk.calls.say(ids.liveCall, 'One moment please.'),
        T.CallControlResponse,
      );
    });

    it('calls.end', async () => {
      await run(
        'calls.end',
        { method: 'POST', path: `/calls/${ids.liveCall}/control`, body: { type: 'end-call', message: 'Goodbye!' } },
        () => sdk.calls.end(ids.liveCall, 'Goodbye!'),
        T.CallControlResponse,
      );
      // Without a message the SDK sends {type} only (JSON drops the undefined field).
      await run('calls.end', { method: 'POST', path: `/calls/${ids.liveCall}/control`, body: { type: 'end-call' } }, () => sdk.calls.end(ids.liveCall), T.CallControlResponse);
    });

    it('calls.transfer', async () => {
      await run(
        'calls.transfer',
        { method: 'POST', path: `/calls/${ids.liveCall}/control`, body: { type: 'transfer', destination: '+31850835037', message: 'I will put you through.' } },
        () => sdk.calls.transfer(ids.liveCall, '+31850835037', 'I will put you through.'),
        T.CallControlResponse,
      );
      await run(
        'calls.transfer',
        { method: 'POST', path: `/calls/${ids.liveCall}/control`, body: { type: 'transfer', destination: 'sip:desk@pbx.acme.example' } },
        () => sdk.calls.transfer(ids.liveCall, 'sip:desk@pbx.acme.example'),
        T.CallControlResponse,
      );
    });
  });

  describe('usage', () => {
    it('usage.list', async () => {
      const res = await run(
        'usage.list',
        { method: 'GET', path: '/usage', query: { limit: '10', offset: '0', start_date: '2020-01-01' } },
        () => sdk.usage.list({ limit: 10, offset: 0, start_date: '2020-01-01' }),
        T.UsageList,
      );
      expect(res.summary).toMatchObject({ total_calls: 205, total_duration_seconds: 205 * 84, total_duration_minutes: 287 });
      expect((res.logs as Json[])[0]).toMatchObject({ duration_sec: 84, phone_number: OUR_NUMBER, agent_name: 'Reception', business_name: 'Acme BV' });
    });

    it('usage.listAll', async () => {
      const pages = [0, 100, 200].map((offset) => ({ method: 'GET', path: '/usage', query: { limit: '100', offset: String(offset) } }));
      const all = await run('usage.listAll', pages, () => sdk.usage.listAll(), each(T.UsageLog));
      expect(all).toHaveLength(205);
    });
  });

  describe('domains', () => {
    it('domains.create', async () => {
      const created = await run('domains.create', { method: 'POST', path: '/domains', body: { domain: 'mail.acme.example' } }, () => sdk.domains.create({ domain: 'mail.acme.example' }), T.Domain);
      expect(created).toMatchObject({ domain: 'mail.acme.example', verified: false });
    });

    it('domains.get', async () => {
      const got = await run('domains.get', { method: 'GET', path: '/domains' }, () => sdk.domains.get(), T.Domain);
      expect(got.domain).toBe('mail.acme.example');
    });

    it('domains.listResendDomains', async () => {
      resend.addDomain(RESEND_KEY, 'news.acme.example', { status: 'verified' });
      const list = await run('domains.listResendDomains', { method: 'GET', path: '/domains/sync' }, () => sdk.domains.listResendDomains(), T.ResendDomains);
      expect(list.map((d) => d.name).sort()).toEqual(['mail.acme.example', 'news.acme.example']);
      ids.resendDomain = String(list.find((d) => d.name === 'news.acme.example')?.id);
    });

    it('domains.syncResendDomain', async () => {
      const params = { domain_id: ids.resendDomain };
      const res = await run('domains.syncResendDomain', { method: 'POST', path: '/domains/sync', body: params }, () => sdk.domains.syncResendDomain(params), T.Success);
      expect(res.success).toBe(true);
      expect((await sdk.domains.get()).domain).toBe('news.acme.example');
    });

    it('domains.verify', async () => {
      const res = await run('domains.verify', { method: 'POST', path: '/domains/verify' }, () => sdk.domains.verify(), T.Verified);
      expect(res.verified).toBe(true);
    });

    it('domains.refresh', async () => {
      const res = await run('domains.refresh', { method: 'POST', path: '/domains/refresh' }, () => sdk.domains.refresh(), T.Domain);
      expect(res).toMatchObject({ domain: 'news.acme.example', verified: true });
    });

    it('domains.delete', async () => {
      await run('domains.delete', { method: 'DELETE', path: '/domains' }, () => sdk.domains.delete());
      await expect(sdk.domains.get()).rejects.toMatchObject({ kind: 'NotFoundError', status: 404 });
    });
  });

  describe('deletes', () => {
    it('campaigns.delete', async () => {
      await run('campaigns.delete', { method: 'DELETE', path: `/campaigns/${ids.campaign}` }, () => sdk.campaigns.delete(ids.campaign));
      await expect(sdk.campaigns.get(ids.campaign)).rejects.toMatchObject({ kind: 'NotFoundError' });
    });

    it('numbers.delete', async () => {
      await run('numbers.delete', { method: 'DELETE', path: `/numbers/${ids.number}` }, () => sdk.numbers.delete(ids.number));
    });

    it('sipTrunks.delete', async () => {
      await run('sipTrunks.delete', { method: 'DELETE', path: `/sip-trunks/${ids.trunk}` }, () => sdk.sipTrunks.delete(ids.trunk));
    });

    it('assistants.delete', async () => {
      await run('assistants.delete', { method: 'DELETE', path: `/assistants/${ids.assistant}` }, () => sdk.assistants.delete(ids.assistant));
      await expect(sdk.assistants.get(ids.assistant)).rejects.toMatchObject({ kind: 'NotFoundError' });
    });

    it('toolTemplates.delete', async () => {
      await run('toolTemplates.delete', { method: 'DELETE', path: `/tool-templates/${ids.toolTemplate}` }, () => sdk.toolTemplates.delete(ids.toolTemplate));
    });

    it('analysisTemplates.delete', async () => {
      await run('analysisTemplates.delete', { method: 'DELETE', path: `/analysis-templates/${ids.analysisTemplate}` }, () => sdk.analysisTemplates.delete(ids.analysisTemplate));
    });
  });

  describe('errors as the SDK reads them', () => {
    it('the SDK gets the machine code (error, type) and the human message, and its error classes by status', async () => {
      const notFound = (await sdk.assistants.get(randomUUID()).catch((err: unknown) => err)) as SdkError;
      expect(notFound).toMatchObject({ kind: 'NotFoundError', status: 404, message: 'not_found', body: { error: 'not_found', type: 'not_found', message: 'agent not found' } });
      const unknown = (await sdk.sipTrunks.create({ name: 'x', address: 'sip.example.com', secure: true }).catch((err: unknown) => err)) as SdkError;
      expect(unknown).toMatchObject({ kind: 'ApiRequestError', status: 400, body: { type: 'invalid_request', param: 'secure' } });
      expect(String(unknown.body?.message)).toMatch(/^Unknown field secure/);
      const wrongKey = await createSdk(new SdkHttp({ apiKey: 'vg_live_wrong', baseUrl: `${recorder.url}/api/v1` }))
        .voices.list()
        .catch((err: unknown) => err);
      expect(wrongKey).toMatchObject({ kind: 'AuthenticationError', status: 401, body: { type: 'unauthorized' } });
    });
  });

  it('every REST method of the SDK was run here (the webhook helpers in sdk-webhooks.test.ts)', () => {
    const rest = SDK_METHODS.filter((m) => !m.startsWith('Webhooks.'));
    expect(SDK_METHODS).toHaveLength(59);
    expect([...covered].sort()).toEqual([...rest].sort());
  });
});
