import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretBoxFor } from '../../src/api/deps.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { expectOrgIsolation } from './isolation-helpers.js';

let t: TestApp;
let a: TestOrg;
let b: TestOrg;

beforeAll(async () => {
  t = await buildTestApp();
  a = await t.createOrg();
  b = await t.createOrg();
});
afterAll(() => t.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
async function call(method: Method, url: string, payload?: unknown, key = a.apiKey) {
  const res = await t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(key), ...(payload !== undefined && { payload: payload as object }) });
  return { status: res.statusCode, body: res.json() };
}
async function create(payload: Record<string, unknown>, key = a.apiKey) {
  const res = await call('POST', '/agents', payload, key);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.agent;
}

describe('POST /agents', () => {
  it('creates an agent from a name alone with the A.3 defaults', async () => {
    const res = await call('POST', '/agents', { name: 'Reception' });
    expect(res.status).toBe(201);
    const agent = res.body.agent;
    expect(agent).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Reception',
      business_name: null,
      notification_email: null,
      first_message: null,
      is_active: true,
      webhook_url: null,
      webhook_secret: null,
      webhook_events: [],
      stt_config: { provider: 'deepgram', model: 'nova-3-general', language: 'en' },
      llm_config: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.7 },
      tts_config: { provider: 'openai', voiceId: 'alloy', voice_id: 'alloy' },
      analysis_plan: null,
      voicemail_detection: false,
      voicemail_message: null,
      autonomous_silence_handling: false,
      max_duration_seconds: 1800,
      webhook_format: null,
      recording_enabled: true,
      gdpr_mode: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: expect.any(String),
    });
  });

  it('stores every field of the contract and returns it', async () => {
    const agent = await create({
      name: 'Full',
      business_name: 'Acme BV',
      notification_email: 'ops@acme.example',
      first_message: 'Goedemiddag, waarmee kan ik helpen?',
      is_active: false,
      webhook_url: 'https://hooks.acme.example/flireo',
      webhook_secret: 'whsec_0123456789abcdef',
      webhook_events: ['status-update', 'end-of-call-report', 'status-update'],
      stt_config: { provider: 'deepgram', model: 'nova-3-general', language: 'nl', keyterms: ['ja', 'nee'] },
      llm_config: { provider: 'mistral', temperature: 0.2, messages: [{ role: 'system', content: 'Je bent een receptionist.' }] },
      tts_config: { provider: '11labs', voice_id: 'EXAVITQu4vr4xnSDxMaL', stability: 0.5 },
      voicemail_detection: true,
      voicemail_message: 'Bel ons terug.',
      silence_timeout_seconds: 8,
      max_duration_seconds: 600,
      webhook_format: 'snake',
      recording_enabled: false,
    });
    expect(agent).toMatchObject({
      business_name: 'Acme BV',
      notification_email: 'ops@acme.example',
      is_active: false,
      webhook_url: 'https://hooks.acme.example/flireo',
      webhook_secret: '…cdef',
      webhook_events: ['status-update', 'end-of-call-report'],
      stt_config: { provider: 'deepgram', model: 'nova-3-general', language: 'nl', keyterms: ['ja', 'nee'] },
      llm_config: { provider: 'mistral', model: 'mistral-small-latest', temperature: 0.2, messages: [{ role: 'system', content: 'Je bent een receptionist.' }] },
      tts_config: { provider: 'elevenlabs', voiceId: 'EXAVITQu4vr4xnSDxMaL', voice_id: 'EXAVITQu4vr4xnSDxMaL', model: 'eleven_flash_v2_5', stability: 0.5 },
      voicemail_detection: true,
      voicemail_message: 'Bel ons terug.',
      silence_timeout_seconds: 8,
      max_duration_seconds: 600,
      webhook_format: 'snake',
      recording_enabled: false,
    });
    const got = await call('GET', `/agents/${agent.id}`);
    expect(got.body.agent).toEqual(agent);
  });

  it('never returns the webhook secret, and keeps it sealed in the database for signing', async () => {
    const agent = await create({ name: 'Secret', webhook_secret: 'my-very-secret-signing-key' });
    expect(JSON.stringify(agent)).not.toContain('my-very-secret');
    expect(agent.webhook_secret).toBe('…-key');
    const row = await t.db.query('SELECT webhook_secret FROM agents WHERE id = $1', [agent.id]);
    expect(row.rows[0].webhook_secret).not.toContain('my-very-secret');
    expect(secretBoxFor(t.config).decrypt(row.rows[0].webhook_secret)).toBe('my-very-secret-signing-key');
    const short = await create({ name: 'Short secret', webhook_secret: 'abc' });
    expect(short.webhook_secret).toBe('…');
  });

  it('runs realtime agents without stt/tts and with a catalogue voice', async () => {
    const refused = await call('POST', '/agents', { name: 'Grok', llm_config: { provider: 'xai_realtime' }, tts_config: { provider: 'openai' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_request', param: 'tts_config' });
    const voiced = await call('POST', '/agents', { name: 'Text', llm_config: { provider: 'openai', voice: 'ara' } });
    expect(voiced.body).toMatchObject({ error: 'invalid_request', param: 'llm_config.voice' });
    const xai = await create({ name: 'Grok', llm_config: { provider: 'xai_realtime' }, stt_config: null, tts_config: null });
    expect(xai.stt_config).toBeNull();
    expect(xai.tts_config).toBeNull();
    expect(xai.llm_config).toEqual({ provider: 'xai_realtime', model: 'grok-voice-latest', temperature: 0.7, voice: 'ara' });
    const oai = await create({ name: 'GPT', llm_config: { provider: 'openai_realtime', voice: 'Cedar' } });
    expect(oai.llm_config).toMatchObject({ provider: 'openai_realtime', model: 'gpt-realtime', voice: 'cedar' });
    const def = await create({ name: 'GPT default', llm_config: { provider: 'openai_realtime', turn_detection: { threshold: 0.6, silence_duration_ms: 500 } } });
    expect(def.llm_config).toMatchObject({ voice: 'marin', turn_detection: { threshold: 0.6, silence_duration_ms: 500 } });
  });

  it('refuses a realtime voice that the provider does not have', async () => {
    for (const [provider, voice] of [['xai_realtime', 'alloy'], ['openai_realtime', 'ara'], ['openai_realtime', 'fable'], ['xai_realtime', 'nobody']]) {
      const res = await call('POST', '/agents', { name: 'x', llm_config: { provider, voice } });
      expect(res.status, `${provider}/${voice}`).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', param: 'llm_config.voice' });
    }
  });

  it('applies stt/tts defaults to pipeline agents that omit them or send null', async () => {
    const agent = await create({ name: 'xai text', llm_config: { provider: 'xai' }, stt_config: null, tts_config: { provider: 'local' } });
    expect(agent.llm_config).toEqual({ provider: 'xai', model: 'grok-4-1-fast-non-reasoning', temperature: 0.7 });
    expect(agent.stt_config).toEqual({ provider: 'deepgram', model: 'nova-3-general', language: 'en' });
    expect(agent.tts_config).toEqual({ provider: 'local', voiceId: 'local-en-us-1', voice_id: 'local-en-us-1' });
    const partial = await create({ name: 'partial', stt_config: { language: 'nl' }, tts_config: { voiceId: 'nova' } });
    expect(partial.stt_config).toEqual({ provider: 'deepgram', model: 'nova-3-general', language: 'nl' });
    expect(partial.tts_config).toEqual({ provider: 'openai', voiceId: 'nova', voice_id: 'nova' });
  });

  it('refuses bad input with the field named', async () => {
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{}, 400, 'missing_field', 'name'],
      [{ name: '' }, 400, 'invalid_request', 'name'],
      [{ name: 'x'.repeat(201) }, 400, 'invalid_request', 'name'],
      [{ name: 42 }, 400, 'invalid_request', 'name'],
      [{ name: 'x', is_active: 'yes' }, 400, 'invalid_request', 'is_active'],
      [{ name: 'x', first_message: 'x'.repeat(5001) }, 400, 'invalid_request', 'first_message'],
      [{ name: 'x', webhook_url: 'ftp://files.example/hook' }, 400, 'invalid_request', 'webhook_url'],
      [{ name: 'x', webhook_url: 'not a url' }, 400, 'invalid_request', 'webhook_url'],
      [{ name: 'x', webhook_events: ['status-update', 'call-started'] }, 400, 'invalid_request', 'webhook_events[1]'],
      [{ name: 'x', notification_email: 'nope' }, 400, 'invalid_request', 'notification_email'],
      [{ name: 'x', webhook_format: 'kebab' }, 400, 'invalid_request', 'webhook_format'],
      [{ name: 'x', max_duration_seconds: 5 }, 400, 'invalid_request', 'max_duration_seconds'],
      [{ name: 'x', max_duration_seconds: 14_401 }, 400, 'invalid_request', 'max_duration_seconds'],
      [{ name: 'x', max_duration_seconds: '600' }, 400, 'invalid_request', 'max_duration_seconds'],
      [{ name: 'x', silence_timeout_seconds: 0 }, 400, 'invalid_request', 'silence_timeout_seconds'],
      [{ name: 'x', llm_config: 'openai' }, 400, 'invalid_request', 'llm_config'],
      [{ name: 'x', llm_config: { provider: 'anthropic' } }, 400, 'invalid_request', 'llm_config.provider'],
      [{ name: 'x', llm_config: { temperature: 2.5 } }, 400, 'invalid_request', 'llm_config.temperature'],
      [{ name: 'x', llm_config: { temperature: -0.1 } }, 400, 'invalid_request', 'llm_config.temperature'],
      [{ name: 'x', llm_config: { messages: [{ role: 'wizard', content: 'hi' }] } }, 400, 'invalid_request', 'llm_config.messages[0].role'],
      [{ name: 'x', stt_config: { provider: 'whisper' } }, 400, 'invalid_request', 'stt_config.provider'],
      [{ name: 'x', stt_config: { language: 'dutch language' } }, 400, 'invalid_request', 'stt_config.language'],
      [{ name: 'x', tts_config: { provider: 'polly' } }, 400, 'invalid_request', 'tts_config.provider'],
      [{ name: 'x', tts_config: { provider: 'elevenlabs' } }, 400, 'missing_field', 'tts_config.voiceId'],
      [{ name: 'x', tts_config: { provider: 'openai', voiceId: 'ara' } }, 400, 'invalid_request', 'tts_config.voiceId'],
      [{ name: 'x', tts_config: { provider: 'local', voice_id: 'local-xx-1' } }, 400, 'invalid_request', 'tts_config.voice_id'],
      [{ name: 'x', tts_config: { provider: 'elevenlabs', voiceId: 'v', speed: 3 } }, 400, 'invalid_request', 'tts_config.speed'],
      [{ name: 'x', analysis_plan: { structuredDataPlan: { enabled: true } } }, 400, 'missing_field', 'analysis_plan.structuredDataPlan.schema'],
      [{ name: 'x', analysis_plan: { min_messages_threshold: -1 } }, 400, 'invalid_request', 'analysis_plan.min_messages_threshold'],
      [{ name: 'x', webhook_secret: '…abcd' }, 400, 'invalid_request', 'webhook_secret'],
    ];
    for (const [payload, status, error, param] of cases) {
      const res = await call('POST', '/agents', payload);
      expect(res.status, JSON.stringify(payload).slice(0, 120)).toBe(status);
      expect(res.body, JSON.stringify(payload).slice(0, 120)).toMatchObject({ error, param });
      expect(res.body.message).toEqual(expect.any(String));
    }
  });

  it('normalises analysis_plan from snake_case to the documented camelCase spelling', async () => {
    const schema = { type: 'object', properties: { interested: { type: 'boolean' } } };
    const agent = await create({
      name: 'Analysis',
      analysis_plan: {
        structured_data_plan: { schema, messages: [{ role: 'system', content: 'Extract.' }] },
        summary_plan: { enabled: false },
        min_messages_threshold: 4,
      },
    });
    expect(agent.analysis_plan).toEqual({
      structuredDataPlan: { enabled: true, schema, messages: [{ role: 'system', content: 'Extract.' }] },
      summaryPlan: { enabled: false },
      minMessagesThreshold: 4,
      // …and the SDK's snake_case spelling of the same plan
      structured_data_plan: { enabled: true, schema, messages: [{ role: 'system', content: 'Extract.' }] },
      summary_plan: { enabled: false },
      min_messages_threshold: 4,
    });
    const camel = await create({ name: 'Camel', analysis_plan: { structuredDataPlan: { enabled: true, schema } } });
    expect(camel.analysis_plan).toEqual({
      structuredDataPlan: { enabled: true, schema },
      minMessagesThreshold: 2,
      structured_data_plan: { enabled: true, schema },
      min_messages_threshold: 2,
    });
  });

  it('answers 401 without a valid key', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/agents', payload: { name: 'x' } });
    expect(res.statusCode).toBe(401);
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/agents', headers: t.auth('vg_live_nope') });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toBe('unauthorized');
  });
});

describe('GET /agents', () => {
  it('lists only the organization’s agents, oldest first, under "agents" (and "assistants" on the alias)', async () => {
    const c = await t.createOrg();
    const first = await create({ name: 'One' }, c.apiKey);
    const second = await create({ name: 'Two' }, c.apiKey);
    const list = await call('GET', '/agents', undefined, c.apiKey);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ agents: [first, second] });
    const alias = await call('GET', '/assistants', undefined, c.apiKey);
    expect(alias.body).toEqual({ assistants: [first, second] });
  });

  it('answers 404 not_found for unknown and malformed ids', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await call('GET', `/agents/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not_found');
    }
  });
});

describe('the SDK’s agent fields (issue #13)', () => {
  // Its own organization: the per-key rate limit counts the other suites' requests on `a`.
  let c: TestOrg;
  beforeAll(async () => {
    c = await t.createOrg();
  });
  const callC = (method: Method, url: string, payload?: unknown) => call(method, url, payload, c.apiKey);
  it('returns voice_id next to voiceId and the plan in both spellings; accepts either back, refuses two that disagree', async () => {
    const agent = await create({ name: 'Voices', tts_config: { provider: 'openai', voice_id: 'coral' } }, c.apiKey);
    expect(agent.tts_config).toEqual({ provider: 'openai', voiceId: 'coral', voice_id: 'coral' });
    const stale = await callC('PATCH', `/agents/${agent.id}`, { tts_config: { ...agent.tts_config, voice_id: 'sage' } });
    expect(stale.status).toBe(400);
    expect(stale.body).toMatchObject({ error: 'invalid_request', param: 'tts_config.voice_id' });
    const back = await callC('PATCH', `/agents/${agent.id}`, { tts_config: agent.tts_config });
    expect(back.status).toBe(200);
    const plan = await callC('PATCH', `/agents/${agent.id}`, { analysis_plan: { structuredDataPlan: { schema: { type: 'object' } }, structured_data_plan: { schema: { type: 'string' } } } });
    expect(plan.body).toMatchObject({ error: 'invalid_request', param: 'analysis_plan.structured_data_plan' });
  });

  it('analysis_plan.structured_data_plan.template_id copies the analysis template and remembers it', async () => {
    const schema = { type: 'object', properties: { score: { type: 'integer' } } };
    const template = (await callC('POST', '/analysis-templates', { name: 'Score', schema, system_prompt: 'Score it.', min_messages_threshold: 3 })).body.analysis_template;
    const agent = await create({ name: 'Scored', analysis_plan: { structured_data_plan: { enabled: true, template_id: template.id } } }, c.apiKey);
    expect(agent.analysis_plan).toMatchObject({
      structuredDataPlan: { enabled: true, schema, messages: [{ role: 'system', content: 'Score it.' }], templateId: template.id },
      structured_data_plan: { enabled: true, schema, template_id: template.id },
      minMessagesThreshold: 3,
      min_messages_threshold: 3,
    });
    const foreign = await callC('POST', '/agents', { name: 'x', analysis_plan: { structured_data_plan: { enabled: true, template_id: '00000000-0000-4000-8000-000000000000' } } });
    expect(foreign.body).toMatchObject({ error: 'invalid_request', param: 'analysis_plan.structured_data_plan.template_id' });
  });

  it('gdpr_mode: false is what voxgate does; true is refused by name', async () => {
    expect((await create({ name: 'No GDPR mode', gdpr_mode: false }, c.apiKey)).gdpr_mode).toBe(false);
    const res = await callC('POST', '/agents', { name: 'x', gdpr_mode: true });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request', param: 'gdpr_mode' });
  });

  it('null resets webhook_events, voicemail_detection and max_duration_seconds (the SDK’s update params allow it)', async () => {
    const agent = await create({ name: 'Resets', webhook_events: ['status-update'], voicemail_detection: true, max_duration_seconds: 60, silence_timeout_seconds: 5 }, c.apiKey);
    expect(agent.silence_timeout_seconds).toBe(5);
    const reset = await callC('PATCH', `/agents/${agent.id}`, { webhook_events: null, voicemail_detection: null, max_duration_seconds: null, silence_timeout_seconds: null });
    expect(reset.body.agent).toMatchObject({ webhook_events: [], voicemail_detection: false, max_duration_seconds: 1800 });
    expect(reset.body.agent).not.toHaveProperty('silence_timeout_seconds');
  });

  it('fields the vendor platform has and voxgate has not are refused by name, not dropped', async () => {
    for (const [payload, param] of [
      [{ name: 'x', speech_config: { end_call_message: 'Bye' } }, 'speech_config'],
      [{ name: 'x', stt_config: { provider: 'deepgram', tag_audio_events: true } }, 'stt_config.tag_audio_events'],
      [{ name: 'x', tts_config: { provider: 'elevenlabs', voice_id: 'v', language: 'nl' } }, 'tts_config.language'],
      [{ name: 'x', llm_config: { provider: 'openai', delegation: { model: 'x' } } }, 'llm_config.delegation'],
      [{ name: 'x', stt_config: { provider: 'gladia' } }, 'stt_config.provider'],
      [{ name: 'x', tts_config: { provider: 'inworld', voice_id: 'v' } }, 'tts_config.provider'],
    ] as const) {
      const res = await callC('POST', '/agents', payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect(res.body.param, JSON.stringify(payload)).toBe(param);
    }
  });
});

describe('/assistants alias', () => {
  it('serves every route with the assistant wrappers', async () => {
    const created = await call('POST', '/assistants', { name: 'Alias' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['assistant']);
    const id = created.body.assistant.id;
    const got = await call('GET', `/assistants/${id}`);
    expect(got.body).toEqual({ assistant: created.body.assistant });
    const viaAgents = await call('GET', `/agents/${id}`);
    expect(viaAgents.body).toEqual({ agent: created.body.assistant });
    const patched = await call('PATCH', `/assistants/${id}`, { first_message: 'Hi' });
    expect(patched.status).toBe(200);
    expect(patched.body.assistant.first_message).toBe('Hi');
    expect(await call('DELETE', `/assistants/${id}`)).toEqual({ status: 200, body: { success: true } });
    expect((await call('GET', `/agents/${id}`)).status).toBe(404);
  });
});

describe('PATCH /agents/{id}', () => {
  it('changes only the supplied fields', async () => {
    const agent = await create({ name: 'Patch me', first_message: 'Hello', business_name: 'Acme', stt_config: { language: 'nl' } });
    const res = await call('PATCH', `/agents/${agent.id}`, { first_message: 'Hoi', max_duration_seconds: 300 });
    expect(res.status).toBe(200);
    const { updated_at: _u, ...rest } = res.body.agent;
    const { updated_at: _v, ...before } = agent;
    expect(rest).toEqual({ ...before, first_message: 'Hoi', max_duration_seconds: 300 });
    expect(Date.parse(res.body.agent.updated_at)).toBeGreaterThanOrEqual(Date.parse(agent.updated_at));
  });

  it('replaces a supplied config block as a whole', async () => {
    const agent = await create({
      name: 'Blocks',
      llm_config: { provider: 'openai', model: 'gpt-4o', temperature: 0.3, messages: [{ role: 'system', content: 'Be brief.' }] },
    });
    const res = await call('PATCH', `/agents/${agent.id}`, { llm_config: { temperature: 1.1 } });
    expect(res.body.agent.llm_config).toEqual({ provider: 'openai', model: 'gpt-4o-mini', temperature: 1.1 });
    expect(res.body.agent.stt_config).toEqual(agent.stt_config);
  });

  it('clears nullable fields with null', async () => {
    const agent = await create({ name: 'Clear', business_name: 'Acme', webhook_url: 'https://x.example/h', webhook_secret: 'abcdefghijklmnop' });
    const res = await call('PATCH', `/agents/${agent.id}`, { business_name: null, webhook_url: '', webhook_secret: null });
    expect(res.body.agent).toMatchObject({ business_name: null, webhook_url: null, webhook_secret: null });
  });

  it('treats the masked secret sent back as unchanged', async () => {
    const agent = await create({ name: 'Roundtrip', webhook_secret: 'roundtrip-secret-0001' });
    const { id: _id, created_at: _c, updated_at: _u, ...everything } = agent;
    const res = await call('PATCH', `/agents/${agent.id}`, everything);
    expect(res.status).toBe(200);
    const row = await t.db.query('SELECT webhook_secret FROM agents WHERE id = $1', [agent.id]);
    expect(secretBoxFor(t.config).decrypt(row.rows[0].webhook_secret)).toBe('roundtrip-secret-0001');
    const rotated = await call('PATCH', `/agents/${agent.id}`, { webhook_secret: 'new-secret-value-0002' });
    expect(rotated.body.agent.webhook_secret).toBe('…0002');
  });

  it('switching to realtime drops stt/tts; switching back applies the defaults', async () => {
    const agent = await create({ name: 'Switch', stt_config: { language: 'de' }, tts_config: { provider: 'local', voiceId: 'local-en-gb-1' } });
    const rt = await call('PATCH', `/agents/${agent.id}`, { llm_config: { provider: 'xai_realtime', voice: 'rex' } });
    expect(rt.body.agent).toMatchObject({ stt_config: null, tts_config: null, llm_config: { provider: 'xai_realtime', voice: 'rex' } });
    const back = await call('PATCH', `/agents/${agent.id}`, { llm_config: { provider: 'openai' } });
    expect(back.body.agent.stt_config).toEqual({ provider: 'deepgram', model: 'nova-3-general', language: 'en' });
    expect(back.body.agent.tts_config).toEqual({ provider: 'openai', voiceId: 'alloy', voice_id: 'alloy' });
    const keep = await call('PATCH', `/agents/${agent.id}`, { name: 'Switched' });
    expect(keep.body.agent.tts_config).toEqual({ provider: 'openai', voiceId: 'alloy', voice_id: 'alloy' });
  });

  it('validates like create and leaves the agent untouched on error', async () => {
    const agent = await create({ name: 'Strict' });
    const bad = await call('PATCH', `/agents/${agent.id}`, { name: 'Changed', llm_config: { provider: 'xai_realtime', voice: 'shimmer' } });
    expect(bad.status).toBe(400);
    expect(bad.body.param).toBe('llm_config.voice');
    expect((await call('GET', `/agents/${agent.id}`)).body.agent.name).toBe('Strict');
    const empty = await call('PATCH', `/agents/${agent.id}`, {});
    expect(empty.status).toBe(200);
    expect(empty.body.agent.name).toBe('Strict');
  });

  it('answers 404 for unknown ids', async () => {
    const res = await call('PATCH', '/agents/00000000-0000-4000-8000-000000000000', { name: 'x' });
    expect(res.status).toBe(404);
  });
});

describe('DELETE /agents/{id}', () => {
  it('deletes the agent and unassigns its numbers', async () => {
    const agent = await create({ name: 'Gone' });
    await t.db.query("INSERT INTO numbers (org_id, phone_number, agent_id) VALUES ($1, '+31850000001', $2)", [a.org.id, agent.id]);
    expect(await call('DELETE', `/agents/${agent.id}`)).toEqual({ status: 200, body: { success: true } });
    const number = await t.db.query("SELECT agent_id FROM numbers WHERE phone_number = '+31850000001'");
    expect(number.rows[0].agent_id).toBeNull();
    expect((await call('DELETE', `/agents/${agent.id}`)).status).toBe(404);
  });

  it('refuses while a scheduled campaign uses the agent (409), allows it once paused', async () => {
    const agent = await create({ name: 'Dialer' });
    const campaign = await t.db.query<{ id: string }>("INSERT INTO campaigns (org_id, name, status, agent_id) VALUES ($1, 'C', 'scheduled', $2) RETURNING id", [
      a.org.id,
      agent.id,
    ]);
    const res = await call('DELETE', `/agents/${agent.id}`);
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('conflict');
    await t.db.query("UPDATE campaigns SET status = 'paused' WHERE id = $1", [campaign.rows[0].id]);
    expect((await call('DELETE', `/agents/${agent.id}`)).status).toBe(200);
    const row = await t.db.query('SELECT agent_id FROM campaigns WHERE id = $1', [campaign.rows[0].id]);
    expect(row.rows[0].agent_id).toBeNull();
  });
});

describe('organization isolation', () => {
  it('another organization gets 404 on every agent route, on both paths', async () => {
    const agent = await create({ name: 'Private' });
    for (const base of ['/api/v1/agents', '/api/v1/assistants']) {
      await expectOrgIsolation(t.app, {
        ownerKey: a.apiKey,
        otherKey: b.apiKey,
        id: agent.id,
        routes: [
          { method: 'GET', url: (id) => `${base}/${id}` },
          { method: 'PATCH', url: (id) => `${base}/${id}`, body: { name: 'Hijacked' } },
          { method: 'DELETE', url: (id) => `${base}/${id}` },
        ],
      });
    }
    expect((await call('GET', `/agents/${agent.id}`)).body.agent.name).toBe('Private');
    const list = await call('GET', '/agents', undefined, b.apiKey);
    expect(list.body.agents.map((x: { id: string }) => x.id)).not.toContain(agent.id);
  });
});
