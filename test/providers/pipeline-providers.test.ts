/**
 * The pipeline's provider adapters against their protocol-faithful fakes over real sockets:
 * Deepgram live (pass-through µ-law, interim and final results, Finalize, KeepAlive while quiet,
 * the idle close, CloseStream, refused upgrades), chat completions in the three vendor styles
 * (text, tool calls, usage, errors), OpenAI speech (PCM in odd-sized chunks, in order) and
 * ElevenLabs multi-context (ulaw_8000, voice settings, a context per reply on one socket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, ChatError } from '../../media/providers/chat/stream.js';
import { DeepgramLive, type SttTranscript } from '../../media/providers/deepgram/live.js';
import { ElevenLabsTts } from '../../media/providers/elevenlabs/adapter.js';
import { OpenAISpeech } from '../../media/providers/openai-speech/adapter.js';
import type { TtsAudio, TtsUtterance } from '../../media/providers/tts.js';
import { mulawUtterance, sliceFrames } from '../fakes/audio.js';
import { FakeChatCompletions, type ChatStyle } from '../fakes/chat-completions.js';
import { FakeDeepgramServer } from '../fakes/deepgram-server.js';
import { FakeElevenLabs } from '../fakes/elevenlabs-server.js';
import { FakeOpenAISpeech } from '../fakes/openai-speech-server.js';
import { until } from './helpers.js';

const sttOptions = (fake: FakeDeepgramServer, over: Partial<ConstructorParameters<typeof DeepgramLive>[0]> = {}) => ({
  apiKey: fake.apiKey,
  baseUrl: fake.baseUrl,
  model: 'nova-3-general',
  language: 'en',
  encoding: 'mulaw' as const,
  sampleRate: 8000,
  endpointingMs: 300,
  utteranceEndMs: 1000,
  ...over,
});

describe('Deepgram live against the fake', () => {
  let fake: FakeDeepgramServer;
  beforeAll(async () => {
    fake = await FakeDeepgramServer.start({ idleTimeoutMs: 400 });
  });
  afterAll(() => fake?.close());

  it('passes the audio through untouched and gets interim, final and UtteranceEnd', async () => {
    fake.setScript(['Hello there, I need help.']);
    const stt = new DeepgramLive(sttOptions(fake, { keyterms: ['voxgate'] }));
    const results: SttTranscript[] = [];
    let utteranceEnds = 0;
    stt.on('transcript', (t) => results.push(t));
    stt.on('utterance-end', () => utteranceEnds++);
    await stt.open();
    const audio = mulawUtterance([{ speech: 1000 }, { silence: 1400 }]);
    for (const frame of sliceFrames(audio)) stt.sendAudio(frame);
    await until(() => utteranceEnds === 1, 3000, 'UtteranceEnd');
    const conn = fake.connections.at(-1)!;
    expect(conn.audioBytes).toBe(audio.length);
    expect(Object.fromEntries(conn.params)).toMatchObject({ encoding: 'mulaw', sample_rate: '8000', interim_results: 'true', endpointing: '300', utterance_end_ms: '1000', vad_events: 'true', keyterm: 'voxgate' });
    expect(results.some((r) => !r.isFinal && r.text !== '')).toBe(true);
    expect(results.find((r) => r.isFinal)).toMatchObject({ text: 'Hello there, I need help.', speechFinal: true, words: 5 });
    await stt.close();
    expect(conn.controls.at(-1)).toBe('{"type":"CloseStream"}');
    await until(() => conn.closedWith !== null, 2000, 'the close');
    expect(conn.closedWith).toBe(1000);
  });

  it('Finalize answers at once; KeepAlive keeps a quiet stream open, without it the server closes', async () => {
    fake.setScript(['Yes.']);
    const stt = new DeepgramLive(sttOptions(fake, { keepAliveMs: 150 }));
    const results: SttTranscript[] = [];
    stt.on('transcript', (t) => results.push(t));
    await stt.open();
    for (const frame of sliceFrames(mulawUtterance([{ speech: 300 }, { silence: 60 }]))) stt.sendAudio(frame);
    stt.finalize();
    await until(() => results.some((r) => r.isFinal), 2000, 'the final');
    expect(results.find((r) => r.isFinal)).toMatchObject({ text: 'Yes.', fromFinalize: true });
    await new Promise((r) => setTimeout(r, 900)); // more than twice the fake's idle timeout
    expect(stt.isOpen).toBe(true);
    expect(fake.connections.at(-1)!.controls.filter((c) => c === '{"type":"KeepAlive"}').length).toBeGreaterThanOrEqual(3);
    await stt.close();

    const silent = new DeepgramLive(sttOptions(fake, { keepAliveMs: 60_000 }));
    const errors: string[] = [];
    silent.on('error', (e) => errors.push(e.code));
    await silent.open();
    // The idle close is a drop: reconnected once, then the second idle close is fatal.
    await until(() => errors.length > 0, 3000, 'the idle close');
    expect(errors).toEqual(['connection_lost']);
    expect(fake.connections.at(-1)!.closedWith).toBe(1011);
    await silent.close();
  });

  it('a stream dropped mid-call reconnects once and sends the audio of the gap first', async () => {
    const stt = new DeepgramLive(sttOptions(fake, { keepAliveMs: 60_000 }));
    let reconnected: { bufferedMs: number } | null = null;
    stt.on('reconnected', (e) => (reconnected = e));
    await stt.open();
    const before = fake.connections.length;
    fake.dropConnections();
    // Frames keep coming in real time while the stream is down and comes back.
    const frames = sliceFrames(mulawUtterance([{ silence: 1000 }]));
    for (const frame of frames) {
      stt.sendAudio(frame);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => reconnected !== null, 3000, 'the reconnect');
    expect(fake.connections.length).toBe(before + 1);
    await until(() => fake.connections.at(-1)!.audioBytes >= (frames.length - 2) * 160, 3000, 'the audio on the new stream');
    expect(stt.stats()).toMatchObject({ reconnects: 1, audioBytesDropped: 0 });
    await stt.close();
  });

  it('a refused upgrade rejects open() with the HTTP class', async () => {
    fake.failNext('auth');
    await expect(new DeepgramLive(sttOptions(fake)).open()).rejects.toMatchObject({ code: 'auth_failed' });
    fake.failNext('refuse');
    await expect(new DeepgramLive(sttOptions(fake)).open()).rejects.toMatchObject({ code: 'handshake_failed' });
  });
});

describe.each<ChatStyle>(['openai', 'mistral', 'xai'])('chat completions, %s style', (style) => {
  let fake: FakeChatCompletions;
  beforeAll(async () => {
    fake = await FakeChatCompletions.start({ style, keepAliveMs: 20 });
  });
  afterAll(() => fake?.close());

  it('streams text, assembles tool calls and reports usage', async () => {
    const client = new ChatClient({ provider: style, apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    fake.enqueue({ content: 'One moment.', toolCalls: [{ name: 'lookup', arguments: { q: 'chair' } }, { name: 'price', arguments: { sku: 'A1' } }], firstTokenDelayMs: 60 });
    const deltas: string[] = [];
    let first = 0;
    const result = await client.stream(
      { model: 'm', messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }, { type: 'function', function: { name: 'price', parameters: { type: 'object' } } }], temperature: 0.5, maxTokens: 100 },
      { firstToken: () => first++, text: (d) => deltas.push(d) },
      new AbortController().signal,
    );
    expect(first).toBe(1);
    expect(deltas.join('')).toBe('One moment.');
    expect(result.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([['lookup', { q: 'chair' }], ['price', { sku: 'A1' }]]);
    if (style === 'mistral') expect(result.toolCalls.every((c) => /^[a-zA-Z0-9]{9}$/.test(c.id))).toBe(true);
    expect(result.usage?.totalTokens).toBeGreaterThan(0);
    const body = fake.requests.at(-1)!.body!;
    expect(body.stream_options).toEqual(style === 'mistral' ? undefined : { include_usage: true });
    expect(body[style === 'openai' ? 'max_completion_tokens' : 'max_tokens']).toBe(100);
  });

  it('classifies refusals and broken streams', async () => {
    const bad = new ChatClient({ provider: style, apiKey: 'wrong', baseUrl: fake.baseUrl });
    await expect(bad.stream({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }, {}, new AbortController().signal)).rejects.toSatisfy(
      (e: unknown) => e instanceof ChatError && ['auth_failed', 'bad_request'].includes(e.code),
    );
    const client = new ChatClient({ provider: style, apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    fake.enqueue({ fail: 'status', status: 503 });
    await expect(client.stream({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }, {}, new AbortController().signal)).rejects.toMatchObject({ code: 'server_error' });
    fake.enqueue({ fail: 'drop', afterChunks: 2 });
    await expect(client.stream({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }, {}, new AbortController().signal)).rejects.toMatchObject({ code: 'connection_lost' });
  });
});

function collect(u: TtsUtterance): { audio: TtsAudio[]; done: Promise<void> } {
  const audio: TtsAudio[] = [];
  const done = new Promise<void>((resolve, reject) => {
    u.events.on('audio', (a) => audio.push(a));
    u.events.on('done', () => resolve());
    u.events.on('error', (e) => reject(new Error(e.code)));
  });
  return { audio, done };
}

describe('OpenAI speech against the fake', () => {
  let fake: FakeOpenAISpeech;
  beforeAll(async () => {
    fake = await FakeOpenAISpeech.start({ msPerChar: 20 });
  });
  afterAll(() => fake?.close());

  it('streams 24 kHz PCM per sentence, in order, whole samples only', async () => {
    const tts = new OpenAISpeech({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, voice: 'alloy', speed: 1.1 });
    const u = tts.utterance();
    const got = collect(u);
    u.push('First sentence here.');
    u.push('And a second one.');
    u.end();
    await got.done;
    expect(fake.requests.map((r) => r.body)).toEqual([
      expect.objectContaining({ model: 'gpt-4o-mini-tts', voice: 'alloy', response_format: 'pcm', input: 'First sentence here.', speed: 1.1 }),
      expect.objectContaining({ input: 'And a second one.' }),
    ]);
    expect(got.audio.every((a) => a.encoding === 'pcm16' && a.sampleRate === 24_000 && a.data.length % 2 === 0)).toBe(true);
    const order = got.audio.map((a) => a.sentence);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(got.audio.reduce((n, a) => n + a.data.length, 0)).toBe(fake.requests.reduce((n, r) => n + r.bytesSent, 0) & ~1);
  });

  it('an HTTP error fails the utterance with its class', async () => {
    fake.failNext({ status: 401 });
    const u = new OpenAISpeech({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, voice: 'alloy' }).utterance();
    const got = collect(u);
    u.push('Hello.');
    await expect(got.done).rejects.toThrow('auth_failed');
  });
});

describe('ElevenLabs multi-context against the fake', () => {
  let fake: FakeElevenLabs;
  beforeAll(async () => {
    fake = await FakeElevenLabs.start({ msPerChar: 20 });
  });
  afterAll(() => fake?.close());

  it('one socket, a context per reply with the voice settings; a cancelled context closes and the next reuses the socket', async () => {
    const tts = new ElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, voiceId: 'voice-1', voiceSettings: { stability: 0.5, speed: 1.1 } });
    await tts.open();
    const first = tts.utterance();
    const got = collect(first);
    first.push('Hello there.');
    await until(() => got.audio.length > 0, 2000, 'audio');
    first.cancel();
    const second = tts.utterance();
    const again = collect(second);
    second.push('Second reply.');
    second.end();
    await again.done;
    expect(fake.connections).toHaveLength(1);
    expect(fake.connections[0].params.get('output_format')).toBe('ulaw_8000');
    expect(fake.contexts.map((c) => [c.closed, c.voiceSettings])).toEqual([
      [true, { stability: 0.5, speed: 1.1 }],
      [true, { stability: 0.5, speed: 1.1 }],
    ]);
    expect(again.audio.every((a) => a.encoding === 'ulaw' && a.sampleRate === 8000 && a.sentence === 0)).toBe(true);
    await tts.close();
  });

  it('a refused key rejects open()', async () => {
    fake.failNext('auth');
    await expect(new ElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, voiceId: 'v' }).open()).rejects.toMatchObject({ code: 'auth_failed' });
  });
});
