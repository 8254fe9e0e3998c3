/** src/agents as the call path uses it: the runtime config of a stored agent, with and without an assistant-request override. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentConfigError,
  applyAgentOverride,
  defaultAgentFields,
  loadAgent,
  normalizeAgentFields,
  providerSettings,
  resolveAgentConfig,
  resolveProviderKeys,
} from '../../src/agents/index.js';
import { secretBoxFor } from '../../src/api/deps.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

let t: TestApp;
let a: TestOrg;

beforeAll(async () => {
  t = await buildTestApp({ env: { XAI_API_KEY: 'xai-platform', XAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
  a = await t.createOrg();
});
afterAll(() => t.close());

describe('resolveAgentConfig', () => {
  it('flattens a stored realtime agent for the media worker', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: t.auth(a.apiKey),
      payload: {
        name: 'Runtime',
        first_message: 'Hallo!',
        webhook_url: 'https://hooks.example/x',
        webhook_secret: 'sign-me-please-1234',
        webhook_events: ['tool-calls'],
        autonomous_silence_handling: true,
        llm_config: {
          provider: 'xai_realtime',
          voice: 'eve',
          messages: [
            { role: 'system', content: 'Rule one.' },
            { role: 'assistant', content: 'Example.' },
            { role: 'system', content: 'Rule two.' },
          ],
          tools: [
            { name: 'lookup', description: 'Look up', url: 'https://tools.example' },
            { type: 'transferCall', destinations: [{ number: '+31850835037' }] },
          ],
        },
      },
    });
    const stored = await loadAgent(t.db, secretBoxFor(t.config), a.org.id, res.json().agent.id);
    expect(stored).not.toBeNull();
    const config = resolveAgentConfig(stored!);
    expect(config).toMatchObject({
      agentId: stored!.id,
      name: 'Runtime',
      mode: 'realtime',
      firstMessage: 'Hallo!',
      instructions: 'Rule one.\n\nRule two.',
      llm: { provider: 'xai_realtime', model: 'grok-voice-latest', voice: 'eve' },
      stt: null,
      tts: null,
      tools: { endCall: true, transfer: [{ type: 'number', number: '+31850835037' }] },
      maxDurationSeconds: 1800,
      recordingEnabled: true,
      webhook: { url: 'https://hooks.example/x', secret: 'sign-me-please-1234', events: ['tool-calls'], format: 'camel' },
      keyProviders: ['xai'],
      metadata: {},
    });
    expect(config.tools.functions.map((f) => f.name)).toEqual(['lookup']);
    expect(config.messages).toHaveLength(3);

    const { keys, missing } = await resolveProviderKeys({ db: t.db, secrets: t.app.deps.secrets, config: t.config }, a.org.id, config.keyProviders);
    expect(missing).toEqual([]);
    expect(providerSettings(keys)).toEqual({ xai: { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'xai-platform' } });
  });

  it('names every provider a pipeline call needs a key for (local TTS needs none)', () => {
    const fields = normalizeAgentFields({ name: 'p', llm_config: { provider: 'mistral' }, tts_config: { provider: 'elevenlabs', voiceId: 'v1' } }, null);
    expect(resolveAgentConfig({ ...fields, id: 'x' }).keyProviders).toEqual(['mistral', 'deepgram', 'elevenlabs']);
    const local = normalizeAgentFields({ name: 'p', tts_config: { provider: 'local' } }, null);
    const config = resolveAgentConfig({ ...local, id: 'x' });
    expect(config.mode).toBe('pipeline');
    expect(config.keyProviders).toEqual(['openai', 'deepgram']);
    expect(config.tools).toEqual({ functions: [], endCall: false, transfer: null });
  });
});

describe('applyAgentOverride (assistant-request)', () => {
  const saved = () => ({ ...normalizeAgentFields({ name: 'Saved', first_message: 'Hi', llm_config: { provider: 'xai_realtime', voice: 'rex', temperature: 0.5 } }, null), id: 'a1' });

  it('replaces the supplied blocks, in camel or snake keys, and keeps the rest', () => {
    const config = resolveAgentConfig(saved(), { firstMessage: 'Welkom terug, Jan', maxDurationSeconds: 300, metadata: { crm_id: 42 } });
    expect(config).toMatchObject({ firstMessage: 'Welkom terug, Jan', maxDurationSeconds: 300, metadata: { crm_id: 42 }, llm: { provider: 'xai_realtime', voice: 'rex' } });
  });

  it('keeps the saved provider and model when an llm_config override names none', () => {
    const merged = applyAgentOverride(saved(), { llm_config: { temperature: 0.9, voice: 'leo' } });
    expect(merged.llm_config).toEqual({ provider: 'xai_realtime', model: 'grok-voice-latest', temperature: 0.9, voice: 'leo' });
    const switched = applyAgentOverride(saved(), { llmConfig: { provider: 'openai', model: 'gpt-4o' }, tts_config: { voice_id: 'coral' } });
    expect(switched.llm_config.provider).toBe('openai');
    expect(switched.stt_config).toEqual({ provider: 'deepgram', model: 'nova-3-general', language: 'en' });
    expect(switched.tts_config).toEqual({ provider: 'openai', voiceId: 'coral' });
  });

  it('refuses an invalid override with a typed error, leaving the saved agent usable', () => {
    const agent = saved();
    expect(() => applyAgentOverride(agent, { llm_config: { voice: 'alloy' } })).toThrow(AgentConfigError);
    expect(() => applyAgentOverride(agent, 'nope')).toThrow(AgentConfigError);
    const thrown = (() => {
      try {
        applyAgentOverride(agent, { max_duration_seconds: 1 });
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(thrown).toMatchObject({ code: 'invalid_request', param: 'max_duration_seconds' });
    expect(resolveAgentConfig(agent).llm.voice).toBe('rex');
  });

  it('ignores fields that are not agent fields', () => {
    const merged = applyAgentOverride(defaultAgentFields('d'), { id: 'other', org_id: 'x', unknownThing: true });
    expect(merged).toEqual(defaultAgentFields('d'));
  });
});
