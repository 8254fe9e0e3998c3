/**
 * Pipeline agents through the API and onto the media worker: the turn-taking settings of
 * `stt_config` and the ElevenLabs voice settings are validated, stored, returned, and arrive in the
 * worker's config (`mediaAgentFor` → `parseAgentConfig`) with the defaults filled in; the default
 * agent (only a name) needs the Deepgram and OpenAI keys and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentConfig, TURN_TAKING_DEFAULTS } from '../../media/index.js';
import { loadAgent, resolveAgentConfig } from '../../src/agents/index.js';
import { secretBoxFor } from '../../src/api/deps.js';
import { mediaAgentFor } from '../../src/telephony/media-agent.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

let t: TestApp;
let a: TestOrg;

beforeAll(async () => {
  t = await buildTestApp();
  a = await t.createOrg();
});
afterAll(() => t.close());

const post = (payload: unknown) => t.app.inject({ method: 'POST', url: '/api/v1/agents', headers: t.auth(a.apiKey), payload: payload as object });

describe('pipeline agent settings', () => {
  it('stores the turn-taking and voice settings and hands them to the worker with the defaults', async () => {
    const res = await post({
      name: 'Pipeline',
      stt_config: { language: 'nl', endpointing_ms: 250, on_no_punctuation_ms: 1200, interruption_min_words: 2 },
      tts_config: { provider: 'elevenlabs', voiceId: 'v-1', stability: 0.3, similarity_boost: 0.9, speed: 1.1 },
      llm_config: { provider: 'mistral', messages: [{ role: 'system', content: 'Wees kort.' }, { role: 'user', content: 'Hoi' }, { role: 'assistant', content: 'Hallo!' }] },
    });
    expect(res.statusCode).toBe(201);
    const agent = res.json().agent;
    expect(agent.stt_config).toEqual({ provider: 'deepgram', model: 'nova-3-general', language: 'nl', endpointing_ms: 250, on_no_punctuation_ms: 1200, interruption_min_words: 2 });
    const stored = await loadAgent(t.db, secretBoxFor(t.config), a.org.id, agent.id);
    const resolved = resolveAgentConfig(stored!);
    expect(resolved.keyProviders.sort()).toEqual(['deepgram', 'elevenlabs', 'mistral']);
    const worker = parseAgentConfig(structuredClone(mediaAgentFor(resolved, { direction: 'inbound' })));
    expect(worker).toMatchObject({
      mode: 'pipeline',
      provider: 'mistral',
      model: 'mistral-small-latest',
      instructions: 'Wees kort.',
      seedMessages: [{ role: 'user', content: 'Hoi' }, { role: 'assistant', content: 'Hallo!' }],
      stt: { provider: 'deepgram', language: 'nl', turn: { ...TURN_TAKING_DEFAULTS, endpointingMs: 250, onNoPunctuationMs: 1200, interruptionMinWords: 2 } },
      tts: { provider: 'elevenlabs', voiceId: 'v-1', model: 'eleven_flash_v2_5', stability: 0.3, similarityBoost: 0.9, speed: 1.1 },
    });
  });

  it('refuses settings out of bounds, naming the field', async () => {
    const low = await post({ name: 'x', stt_config: { endpointing_ms: 5 } });
    expect(low.statusCode).toBe(400);
    expect(low.json()).toMatchObject({ error: 'invalid_request', param: 'stt_config.endpointing_ms' });
    const crossed = await post({ name: 'x', stt_config: { min_end_of_turn_ms: 2000, max_end_of_turn_ms: 1000 } });
    expect(crossed.statusCode).toBe(400);
    expect(crossed.json()).toMatchObject({ param: 'stt_config.max_end_of_turn_ms' });
  });

  it('the default agent is a pipeline agent on openai, Deepgram and OpenAI speech', async () => {
    const res = await post({ name: 'Default' });
    const stored = await loadAgent(t.db, secretBoxFor(t.config), a.org.id, res.json().agent.id);
    const resolved = resolveAgentConfig(stored!);
    expect(resolved.mode).toBe('pipeline');
    expect(resolved.keyProviders.sort()).toEqual(['deepgram', 'openai']);
    const worker = parseAgentConfig(structuredClone(mediaAgentFor(resolved, { direction: 'inbound' })));
    expect(worker).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', temperature: 0.7, tts: { provider: 'openai', voiceId: 'alloy' }, stt: { model: 'nova-3-general', turn: TURN_TAKING_DEFAULTS } });
    const local = await post({ name: 'Local', tts_config: { provider: 'local', voiceId: 'local-en-us-2' } });
    const localResolved = resolveAgentConfig((await loadAgent(t.db, secretBoxFor(t.config), a.org.id, local.json().agent.id))!);
    expect(localResolved.keyProviders.sort()).toEqual(['deepgram', 'openai']);
  });
});
