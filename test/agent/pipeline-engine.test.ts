/**
 * The pipeline engine inside the agent runtime (no SIP: a fake media object and host, real
 * sockets to the provider fakes): stage deadlines (an LLM that never sends a token, a TTS that
 * never sends audio) fail with the stage's `timeout` code and the apology; an A-law leg gets its
 * TTS audio as A-law and sends A-law to Deepgram untouched; without a Deepgram key the fault names
 * the stage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentLogic, parseAgentConfig, type AgentLogicOptions } from '../../media/agent/index.js';
import type { CallLogic } from '../../media/call/types.js';
import { alawDecode } from '../../media/codecs/g711.js';
import { FakeChatCompletions } from '../fakes/chat-completions.js';
import { FakeDeepgramServer } from '../fakes/deepgram-server.js';
import { FakeOpenAISpeech } from '../fakes/openai-speech-server.js';
import { FakeCallMedia } from './helpers/fake-media.js';
import { FakeHost } from './helpers/fake-host.js';
import { until } from './helpers/harness.js';

const KEY = 'k';

describe('pipeline engine in the agent runtime', () => {
  let deepgram: FakeDeepgramServer;
  let chat: FakeChatCompletions;
  let speech: FakeOpenAISpeech;
  beforeAll(async () => {
    deepgram = await FakeDeepgramServer.start({ apiKey: KEY });
    chat = await FakeChatCompletions.start({ style: 'openai', apiKey: KEY });
    speech = await FakeOpenAISpeech.start({ apiKey: KEY });
  });
  afterAll(async () => {
    await Promise.all([deepgram.close(), chat.close(), speech.close()]);
  });

  async function start(opts: { firstMessage?: string; codec?: 'PCMU' | 'PCMA'; options?: AgentLogicOptions; noSttKey?: boolean } = {}) {
    const media = new FakeCallMedia(opts.codec ?? 'PCMU');
    const host = new FakeHost();
    const agent = parseAgentConfig({
      provider: 'xai',
      model: 'grok-3-mini',
      direction: 'inbound',
      instructions: 'Be brief.',
      ...(opts.firstMessage && { firstMessage: opts.firstMessage }),
      stt: { provider: 'deepgram', model: 'nova-3-general', language: 'en' },
      tts: { provider: 'openai', voiceId: 'alloy' },
    });
    const providers = {
      ...(opts.noSttKey ? {} : { deepgram: { apiKey: KEY, baseUrl: deepgram.baseUrl } }),
      xai: { apiKey: KEY, baseUrl: chat.baseUrl },
      openai: { apiKey: KEY, baseUrl: speech.baseUrl },
    };
    const logic: CallLogic = createAgentLogic(media, { type: 'call.start', callId: host.callId, direction: 'inbound', remote: null, agent, providers }, host, {
      options: { watchdogMs: 0, ...opts.options },
    });
    await logic.start?.();
    logic.answered?.();
    return { media, host, logic };
  }

  it('an LLM that sends no token within its deadline fails with llm/timeout and the apology', async () => {
    chat.reset();
    chat.enqueue({ fail: 'hang' });
    deepgram.setScript(['Hello?']);
    const { media, host, logic } = await start({ options: { llmTimeoutMs: 300 } });
    media.speak(new Uint8Array(8 * 700).fill(0x10)); // loud enough for both detectors
    media.speak(new Uint8Array(8 * 900).fill(0xff));
    await until(() => media.queued.some((q) => q.itemId === 'voxgate-apology'), 5000, 'the apology');
    media.playAll();
    await until(() => host.hangups.length > 0, 5000, 'the hang-up');
    expect(host.hangups[0]).toMatchObject({ reason: 'provider-error', error: { code: 'llm/timeout' } });
    await logic.close('stopped');
  });

  it('a TTS that sends no audio within its deadline fails with tts/timeout', async () => {
    speech.failNext({ hang: true });
    const { media, host, logic } = await start({ firstMessage: 'Hello there.', options: { ttsTimeoutMs: 300 } });
    await until(() => media.queued.some((q) => q.itemId === 'voxgate-apology'), 5000, 'the apology');
    media.playAll();
    await until(() => host.hangups.length > 0, 5000, 'the hang-up');
    expect(host.hangups[0].error?.code).toBe('tts/timeout');
    expect((await logic.close('stopped')).agentReached).toBe(true);
  });

  it('an A-law leg: Deepgram gets A-law untouched, the agent speaks A-law', async () => {
    const { media, logic } = await start({ codec: 'PCMA', firstMessage: 'Hello there.' });
    await until(() => media.queuedAgentMs > 0, 5000, 'the greeting');
    // The engine keeps only 40 ms queued ahead; each frame sent tops it up from what TTS sent.
    await until(() => (speech.requests.at(-1)?.bytesSent ?? 0) >= 24_000 * 2 * 0.4, 5000, '400 ms of TTS audio');
    await until(() => media.play(1) >= 0 && media.sentFrames.length >= 10, 5000, 'ten frames');
    expect(deepgram.connections.at(-1)?.params.get('encoding')).toBe('alaw');
    const frame = media.sentFrames[5];
    const pcm = new Int16Array(frame.length);
    alawDecode(frame, pcm);
    expect(Math.max(...pcm.map(Math.abs))).toBeGreaterThan(1000);
    await logic.close('stopped');
  });

  it('without a Deepgram key the call apologises with stt/no_api_key and never reaches an agent', async () => {
    const { media, host, logic } = await start({ noSttKey: true });
    await until(() => media.queued.some((q) => q.itemId === 'voxgate-apology'), 5000, 'the apology');
    media.playAll();
    await until(() => host.hangups.length > 0, 5000, 'the hang-up');
    expect(host.hangups[0].error?.code).toBe('stt/no_api_key');
    expect((await logic.close('stopped')).agentReached).toBe(false);
  });
});
