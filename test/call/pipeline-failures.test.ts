/**
 * Pipeline stage failures end to end: Deepgram refused at start, the LLM failing mid-call, TTS
 * refused — each gives the built-in apology (never silence), a hang-up request naming the stage
 * and reason (`stt/…`, `llm/…`, `tts/…`), `ended-with-error`, and the reports; a call that never
 * reached a working agent says so in `call.ended.agentReached` (not billed). A Deepgram stream
 * dropped mid-call is reconnected once and the caller's turn is still answered. A local voice
 * speaks with no TTS key configured at all.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { endedCall, eventually, hungUpByEngine, voiced, waitForQuiet, webhookMessages } from './helpers.js';
import { TestPhone } from './phone.js';
import { pipelineAgent, startPipelineEngine, type PipelineFakes } from './pipeline-helpers.js';

async function failedCall(f: PipelineFakes, number: string, speak: boolean, beforeSpeaking: () => void = () => {}): Promise<{ code: string; agentReached: boolean | undefined; heardMs: number }> {
  const phone = await TestPhone.start();
  try {
    await phone.dial(`${number}@127.0.0.1:${f.engine.sipPort}`, '+31612340300');
    if (speak) {
      await eventually(() => voiced(phone.heard).length > 10, 8_000, 'the greeting');
      await waitForQuiet(phone, 300);
      beforeSpeaking();
      phone.say(mulawSpeech(700));
      phone.say(mulawSilence(900), false);
    }
    await hungUpByEngine(phone, 25_000);
    const row = await endedCall(f.engine);
    expect(row).toMatchObject({ status: 'ended-with-error', end_reason: 'provider-error' });
    const report = await f.engine.receiver.waitFor((r) => r.event === 'end-of-call-report' && (r.json as { message: { call: { id: string } } }).message.call.id === row.id, { timeoutMs: 10_000 });
    expect((report.json as { message: Record<string, unknown> }).message).toMatchObject({ endReason: 'provider-error' });
    expect(webhookMessages(f.engine, 'status-update', row.id).at(-1)?.status).toBe('ended-with-error');
    await eventually(() => f.ended.some((e) => e.callId === row.id), 5_000, 'call.ended');
    const hangup = f.hangups.find((h) => h.callId === row.id);
    return { code: hangup?.error?.code ?? '', agentReached: f.ended.find((e) => e.callId === row.id)?.agentReached, heardMs: voiced(phone.heard).length * 20 };
  } finally {
    await phone.close();
  }
}

describe('pipeline stage failures', () => {
  let f: PipelineFakes;

  beforeAll(async () => {
    f = await startPipelineEngine();
    await f.engine.agentWithNumber('+31850003001', pipelineAgent('openai', { provider: 'openai', voiceId: 'alloy' }, { first_message: 'Hello there.' }));
    await f.engine.agentWithNumber('+31850003002', pipelineAgent('mistral', { provider: 'elevenlabs', voiceId: 'v1' }, { first_message: 'Hello there.' }));
  });
  afterAll(() => f?.close());

  it('Deepgram refused at start: apology, stt/handshake_failed, never reached an agent', async () => {
    f.deepgram.failNext('refuse');
    const result = await failedCall(f, '+31850003001', false);
    expect(result.code).toBe('stt/handshake_failed');
    expect(result.agentReached).toBe(false);
    expect(result.heardMs).toBeGreaterThan(3_000); // the apology prompt, about 6 s
  }, 40_000);

  it('ElevenLabs refused at start: apology, tts/auth_failed', async () => {
    f.elevenlabs.failNext('auth');
    const result = await failedCall(f, '+31850003002', false);
    expect(result.code).toBe('tts/auth_failed');
    expect(result.agentReached).toBe(false);
  }, 40_000);

  it('the LLM failing mid-call: apology, llm/server_error', async () => {
    f.chat.openai.reset();
    f.chat.openai.enqueue({ fail: 'status', status: 500 });
    const result = await failedCall(f, '+31850003001', true);
    expect(result.code).toBe('llm/server_error');
    expect(result.agentReached).toBe(true);
  }, 40_000);

  it('OpenAI speech failing on a reply: apology, tts/server_error', async () => {
    f.chat.openai.reset();
    f.chat.openai.enqueue({ content: 'Sure, one moment.' });
    // The greeting goes through; the failure comes with the reply's speech.
    const result = await failedCall(f, '+31850003001', true, () => f.speech.failNext({ status: 500 }));
    expect(result.code).toBe('tts/server_error');
    expect(result.agentReached).toBe(true);
  }, 40_000);

  it('a Deepgram stream dropped mid-call reconnects once; the caller is still answered', async () => {
    f.chat.openai.reset();
    f.chat.openai.enqueue({ content: 'I heard you fine.' });
    f.deepgram.setScript(['Can you hear me?']);
    const connections = f.deepgram.connections.length;
    f.deepgram.dropAfter(600);
    const phone = await TestPhone.start();
    try {
      await phone.dial('+31850003001@127.0.0.1:' + f.engine.sipPort, '+31612340301');
      await f.deepgram.waitFor(() => f.deepgram.connections.length >= connections + 2, 10_000, 'the reconnect');
      await eventually(() => voiced(phone.heard).length > 10, 8_000, 'the greeting');
      await waitForQuiet(phone, 300);
      phone.say(mulawSpeech(700));
      phone.say(mulawSilence(900), false);
      const spoke = performance.now();
      await f.chat.openai.waitForRequests(1, 10_000);
      expect(JSON.stringify(f.chat.openai.requests[0].messages)).toContain('Can you hear me?');
      await eventually(() => voiced(phone.heard.filter((p) => p.at > spoke + 700)).length > 10, 8_000, 'the answer');
      await phone.hangup();
      expect((await endedCall(f.engine)).status).toBe('ended');
    } finally {
      await phone.close();
    }
  }, 40_000);
});

describe('a local voice needs no TTS key', () => {
  let f: PipelineFakes;

  beforeAll(async () => {
    f = await startPipelineEngine({ env: { OPENAI_API_KEY: '', ELEVENLABS_API_KEY: '' } });
    await f.engine.agentWithNumber('+31850003101', pipelineAgent('xai', { provider: 'local', voiceId: 'local-en-us-1' }, { first_message: 'Hello, you are speaking with the local voice.' }));
  });
  afterAll(() => f?.close());

  it('speaks its first message with no OpenAI or ElevenLabs key', async () => {
    const phone = await TestPhone.start();
    try {
      await phone.dial(`+31850003101@127.0.0.1:${f.engine.sipPort}`, '+31612340302');
      await eventually(() => voiced(phone.heard).length * 20 > 1_500, 10_000, 'the first message');
      await waitForQuiet(phone, 800);
      await phone.hangup();
      const row = await endedCall(f.engine);
      expect(row.status).toBe('ended');
      const first = (await f.engine.database.db.query<{ content: string }>("SELECT content FROM call_messages WHERE call_id = $1 AND role = 'assistant'", [row.id])).rows;
      expect(first[0]?.content).toBe('Hello, you are speaking with the local voice.');
      expect(f.speech.requests).toHaveLength(0);
      expect(f.elevenlabs.connections).toHaveLength(0);
    } finally {
      await phone.close();
    }
  }, 40_000);
});
