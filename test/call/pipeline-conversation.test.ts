/**
 * Pipeline agents end to end (STT → LLM → TTS), over real sockets with the SIP + RTP test phone:
 * for each LLM style (OpenAI, Mistral, xAI) with a TTS (OpenAI speech, ElevenLabs, the local
 * voice), the agent greets, the STT fake receives the caller's audio, the agent answers in its
 * TTS voice as RTP, runs a custom tool through the `tool-calls` webhook and speaks its result,
 * and ends the call with end_call; token usage and the latency waterfall are reported. The
 * default agent (created with only a name) answers when the platform keys point at the fakes.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import type { ChatStyle } from '../fakes/chat-completions.js';
import { endedCall, eventually, hungUpByEngine, voiced, waitForQuiet } from './helpers.js';
import { TestPhone } from './phone.js';
import { pipelineAgent, startPipelineEngine, type PipelineFakes } from './pipeline-helpers.js';

const STOCK_TOOL = { name: 'check_stock', description: 'Checks stock', parameters: { type: 'object', properties: { sku: { type: 'string' } } } };

const CASES: Array<{ llm: ChatStyle; tts: Record<string, unknown>; number: string }> = [
  { llm: 'openai', tts: { provider: 'openai', voiceId: 'alloy' }, number: '+31850001001' },
  { llm: 'mistral', tts: { provider: 'elevenlabs', voiceId: 'voice-abc', stability: 0.4, similarity_boost: 0.8 }, number: '+31850001002' },
  { llm: 'xai', tts: { provider: 'local', voiceId: 'local-en-us-2' }, number: '+31850001003' },
];

describe('pipeline agents in a call', () => {
  let f: PipelineFakes;
  const at = (n: string) => `${n}@127.0.0.1:${f.engine.sipPort}`;

  beforeAll(async () => {
    f = await startPipelineEngine();
    for (const c of CASES) {
      await f.engine.agentWithNumber(
        c.number,
        pipelineAgent(c.llm, c.tts, { first_message: 'Hello, this is the shop.', llm_config: { tools: [STOCK_TOOL, { type: 'endCall' }] } }),
      );
    }
    await f.engine.agentWithNumber('+31850001009', { name: 'Only a name', first_message: null, llm_config: undefined, webhook_url: undefined, webhook_secret: undefined });
  });
  afterAll(() => f?.close());

  async function speak(phone: TestPhone, ms = 700, quietMs = 300): Promise<number> {
    await waitForQuiet(phone, quietMs);
    phone.say(mulawSpeech(ms));
    phone.say(mulawSilence(900), false);
    return performance.now() + ms;
  }

  it.each(CASES)('$llm LLM with $tts.provider TTS: greets, hears, answers, runs a tool, ends with end_call', async (c) => {
    const chat = f.chat[c.llm];
    chat.reset();
    chat.enqueue(
      { content: 'Let me check that for you.', toolCalls: [{ name: 'check_stock', arguments: { sku: 'A1' } }] },
      { content: 'Good news, it is in stock.' },
      { content: 'Goodbye and thank you!', toolCalls: [{ name: 'end_call', arguments: {} }] },
    );
    f.deepgram.setScript(['Do you have the blue chair?', 'Great, that is all, bye.']);
    f.engine.receiver.onToolCalls({ result: { available: true, count: 3 } });
    const phone = await TestPhone.start();
    try {
      await phone.dial(at(c.number), '+31612340001');
      await eventually(() => voiced(phone.heard).length > 10, 8_000, 'the greeting');
      const heardBefore = voiced(phone.heard).length;

      const spokeUntil = await speak(phone);
      await chat.waitForRequests(2, 10_000);
      const first = chat.requests[0];
      expect(JSON.stringify(first.messages)).toContain('Do you have the blue chair?');
      expect(first.tools?.map((t) => t.function.name)).toEqual(['check_stock', 'end_call']);
      const webhook = await f.engine.receiver.waitFor('tool-calls', { timeoutMs: 5_000 });
      expect(JSON.stringify(webhook.json)).toContain('check_stock');
      const second = chat.requests[1];
      const toolMessage = second.messages.find((m) => m.role === 'tool');
      expect(String(toolMessage?.content)).toContain('"available":true');
      await eventually(() => voiced(phone.heard.filter((p) => p.at > spokeUntil)).length > 20, 8_000, 'the answer');
      expect(voiced(phone.heard).length).toBeGreaterThan(heardBefore + 20);
      // The tool's result is spoken after the second LLM request: let it play out before going on.
      const answeredAt = performance.now();
      await eventually(() => voiced(phone.heard.filter((p) => p.at > answeredAt)).length > 20, 8_000, 'the tool result spoken');

      await speak(phone, 700, 600);
      await hungUpByEngine(phone, 15_000);
      const row = await endedCall(f.engine);
      expect(row).toMatchObject({ status: 'ended', end_reason: 'agent-hangup' });
      expect(f.deepgram.audioBytes).toBeGreaterThan(8 * 1000);

      // What the caller said and heard, in order.
      const messages = (await f.engine.database.db.query<{ role: string; content: string }>('SELECT role, content FROM call_messages WHERE call_id = $1 ORDER BY seq', [row.id])).rows;
      expect(messages.map((m) => m.role)).toEqual(['assistant', 'user', 'assistant', 'assistant', 'user', 'assistant']);
      expect(messages[1].content).toBe('Do you have the blue chair?');
      expect(messages[3].content).toBe('Good news, it is in stock.');

      const ended = await waitForEnded(f, row.id);
      expect(ended.agentReached).toBe(true);
      expect(ended.usage.totalTokens).toBeGreaterThan(0);
      expect(ended.usage).toMatchObject({ llmRequests: 3, sttReconnects: 0 });
      expect(ended.usage.sttAudioSeconds).toBeGreaterThan(2);
      expect(ended.usage.ttsCharacters).toBeGreaterThanOrEqual('Hello, this is the shop.Let me check that for you.Good news, it is in stock.Goodbye and thank you!'.length);
      const turns = ended.latency?.turns ?? [];
      expect(turns.length).toBeGreaterThanOrEqual(2);
      for (const t of turns) {
        expect(t.engine).toBe('pipeline');
        expect(t.endOfTurnMs).toBeGreaterThanOrEqual(400);
        expect(t.llmRequestMs).toBeGreaterThanOrEqual(t.endOfTurnMs ?? 0);
        expect(t.firstRtpMs).toBeGreaterThan(t.ttsFirstAudioMs ?? 0);
      }
      expect(ended.latency?.summary.firstRtpMs?.count).toBeGreaterThanOrEqual(2);
      if (c.tts.provider === 'elevenlabs') {
        const contexts = f.elevenlabs.contexts;
        expect(contexts.length).toBeGreaterThanOrEqual(3);
        expect(contexts[0].voiceSettings).toEqual({ stability: 0.4, similarity_boost: 0.8 });
        expect(f.elevenlabs.connections.at(-1)?.params.get('output_format')).toBe('ulaw_8000');
      }
    } finally {
      await phone.close();
    }
  }, 60_000);

  it('the default agent created with only a name answers the caller', async () => {
    f.chat.openai.reset();
    f.chat.openai.enqueue({ content: 'Hi, how can I help you today?' });
    f.deepgram.setScript(['Hello, is anyone there?']);
    const before = f.speech.requests.length;
    const phone = await TestPhone.start();
    try {
      await phone.dial(at('+31850001009'), '+31612340009');
      const spokeUntil = await speak(phone, 600);
      await eventually(() => voiced(phone.heard.filter((p) => p.at > spokeUntil)).length > 20, 10_000, 'the answer');
      const request = f.chat.openai.requests[0];
      expect(request.model).toBe('gpt-4o-mini');
      expect(request.temperature).toBe(0.7);
      expect(f.speech.requests.slice(before).map((r) => r.body)).toEqual([
        expect.objectContaining({ voice: 'alloy', response_format: 'pcm', input: 'Hi, how can I help you today?' }),
      ]);
      await phone.hangup();
      const row = await endedCall(f.engine);
      expect(row).toMatchObject({ status: 'ended', end_reason: 'customer-hangup' });
    } finally {
      await phone.close();
    }
  }, 40_000);
});

async function waitForEnded(f: PipelineFakes, callId: string) {
  await eventually(() => f.ended.some((e) => e.callId === callId), 5_000, 'call.ended');
  return f.ended.find((e) => e.callId === callId)!;
}
