/**
 * Pure pieces of the providers: the input audio batcher with backpressure, URL derivation,
 * wire-to-event helpers, error classification.
 */
import { describe, expect, it } from 'vitest';
import { AudioSender, bytesPerMs } from '../../media/providers/audio-sender.js';
import type { AudioSink } from '../../media/providers/audio-sender.js';
import { errorForSocketFailure, errorForUpgradeStatus } from '../../media/providers/errors.js';
import { RealtimeProviderError, realtimeWsUrl } from '../../media/providers/index.js';
import { classifyServerError, mapUsage, parseToolArguments } from '../../media/providers/openai/events.js';
import { buildOpenAISession } from '../../media/providers/openai/session-config.js';
import { buildXaiSession } from '../../media/providers/xai/session-config.js';

class SinkStub implements AudioSink {
  readonly sent: string[] = [];
  buffered = 0;
  isReady = true;
  ready(): boolean {
    return this.isReady;
  }
  bufferedAmount(): number {
    return this.buffered;
  }
  send(message: string): void {
    this.sent.push(message);
  }
}

/** A 20 ms µ-law frame whose bytes all equal `n`, so appends can be told apart. */
const frame = (n: number): Uint8Array => new Uint8Array(160).fill(n);
const audioOf = (message: string): Buffer => Buffer.from((JSON.parse(message) as { audio: string }).audio, 'base64');

describe('AudioSender', () => {
  it('sends one append per 20 ms batch, joining smaller frames and splitting larger ones', () => {
    const sink = new SinkStub();
    const sender = new AudioSender({ batchBytes: 160, maxPendingAppends: 10, maxBufferedBytes: 1000 }, sink);
    sender.push(new Uint8Array(80).fill(1)); // 10 ms: held until the batch is full
    expect(sink.sent).toHaveLength(0);
    sender.push(new Uint8Array(80).fill(2));
    sender.push(new Uint8Array(320).fill(3)); // 40 ms: two appends
    expect(sink.sent).toHaveLength(3);
    expect(JSON.parse(sink.sent[0])).toEqual({ type: 'input_audio_buffer.append', audio: expect.any(String) });
    expect([...audioOf(sink.sent[0])]).toEqual([...new Array(80).fill(1), ...new Array(80).fill(2)]);
    expect(sender.stats()).toEqual({ audioBytesSent: 480, appendsSent: 3, audioBytesDropped: 0 });
  });

  it('holds audio while the socket is backed up, drops the oldest when full, and sends the rest in order', () => {
    const sink = new SinkStub();
    const sender = new AudioSender({ batchBytes: 160, maxPendingAppends: 3, maxBufferedBytes: 1000 }, sink);
    sink.buffered = 5000;
    for (let n = 1; n <= 5; n++) sender.push(frame(n));
    expect(sink.sent).toHaveLength(0);
    expect(sender.stats().audioBytesDropped).toBe(320); // frames 1 and 2
    sink.buffered = 0;
    sender.push(frame(6));
    expect(sink.sent.map((m) => audioOf(m)[0])).toEqual([3, 4, 5, 6]);
    expect(sender.stats()).toEqual({ audioBytesSent: 640, appendsSent: 4, audioBytesDropped: 320 });
  });

  it('bounds held audio in bytes whatever the append sizes: voiced frames one by one, then a batch', () => {
    const sink = new SinkStub();
    const sender = new AudioSender({ batchBytes: 480, urgentQuietBytes: 0, maxPendingAppends: 20, maxPendingBytes: 800, maxBufferedBytes: 1000 }, sink);
    sink.buffered = 5000; // backed up
    for (let n = 1; n <= 8; n++) sender.push(frame(n), true); // each voiced frame is its own append
    expect(sender.stats().audioBytesDropped).toBe(3 * 160); // 800 bytes kept: frames 4…8
    for (let n = 9; n <= 11; n++) sender.push(frame(n), false); // long silence: one 480-byte append
    expect(sender.stats().audioBytesDropped).toBe(6 * 160); // frames 4…6 made room for it
    sink.buffered = 0;
    sender.drain();
    expect(sink.sent.map((m) => [...new Set(audioOf(m))])).toEqual([[7], [8], [9, 10, 11]]);
  });

  it('holds audio until the session is ready, then drains it', () => {
    const sink = new SinkStub();
    sink.isReady = false;
    const sender = new AudioSender({ batchBytes: 160, maxPendingAppends: 20, maxBufferedBytes: 1000 }, sink);
    sender.push(frame(1));
    sender.push(frame(2));
    expect(sink.sent).toHaveLength(0);
    sink.isReady = true;
    sender.drain();
    expect(sink.sent.map((m) => audioOf(m)[0])).toEqual([1, 2]);
  });

  it('forgets held and partial audio on reset', () => {
    const sink = new SinkStub();
    sink.isReady = false;
    const sender = new AudioSender({ batchBytes: 160, maxPendingAppends: 20, maxBufferedBytes: 1000 }, sink);
    sender.push(frame(1));
    sender.push(new Uint8Array(100));
    sender.reset();
    sink.isReady = true;
    sender.drain();
    sender.push(frame(9));
    expect(sink.sent.map((m) => audioOf(m)[0])).toEqual([9]);
  });

  it('knows the byte rate of each format', () => {
    expect(bytesPerMs('pcmu')).toBe(8);
    expect(bytesPerMs('pcma')).toBe(8);
    expect(bytesPerMs('pcm16@24k')).toBe(48);
    expect(bytesPerMs('pcm16@16k')).toBe(32);
  });
});

describe('realtimeWsUrl', () => {
  it('derives the WebSocket URL from the HTTP base URL', () => {
    expect(realtimeWsUrl('https://api.openai.com/v1', 'gpt-realtime')).toBe('wss://api.openai.com/v1/realtime?model=gpt-realtime');
    expect(realtimeWsUrl('https://api.x.ai/v1/', 'grok-voice-latest')).toBe('wss://api.x.ai/v1/realtime?model=grok-voice-latest');
    expect(realtimeWsUrl('http://127.0.0.1:4010/v1', 'm')).toBe('ws://127.0.0.1:4010/v1/realtime?model=m');
    expect(realtimeWsUrl('wss://proxy.example/openai/v1', 'a b')).toBe('wss://proxy.example/openai/v1/realtime?model=a+b');
  });

  it('refuses a scheme it cannot speak', () => {
    expect(() => realtimeWsUrl('ftp://x/v1', 'm')).toThrow(TypeError);
  });
});

describe('wire helpers', () => {
  it('maps usage, and treats an empty usage object as none', () => {
    expect(mapUsage({})).toBeUndefined();
    expect(mapUsage(null)).toBeUndefined();
    expect(
      mapUsage({
        total_tokens: 30,
        input_tokens: 20,
        output_tokens: 10,
        input_token_details: { text_tokens: 5, audio_tokens: 15, cached_tokens: 4 },
        output_token_details: { text_tokens: 2, audio_tokens: 8 },
      }),
    ).toEqual({
      totalTokens: 30,
      inputTokens: 20,
      outputTokens: 10,
      inputTokenDetails: { textTokens: 5, audioTokens: 15, imageTokens: undefined, cachedTokens: 4 },
      outputTokenDetails: { textTokens: 2, audioTokens: 8 },
    });
  });

  it('parses tool arguments without throwing', () => {
    expect(parseToolArguments('{"a":1}')).toEqual({ arguments: { a: 1 } });
    expect(parseToolArguments('')).toEqual({ arguments: {} });
    expect(parseToolArguments('[1]').argumentsError).toMatch(/not a JSON object/);
    expect(parseToolArguments('{').argumentsError).toMatch(/not valid JSON/);
  });

  it('classifies server errors: fatal, rate limits, benign races', () => {
    expect(classifyServerError({ type: 'invalid_request_error', code: 'session_expired', message: 'x' })).toMatchObject({
      code: 'session_expired',
      fatal: true,
    });
    expect(classifyServerError({ type: 'invalid_request_error', code: 'rate_limit_exceeded', message: 'x' })).toMatchObject({
      code: 'rate_limited',
      fatal: false,
    });
    expect(classifyServerError({ type: 'invalid_request_error', code: 'unknown_parameter', param: 'session.x', message: 'x' })).toEqual({
      code: 'invalid_request',
      fatal: false,
      message: 'x',
      providerCode: 'unknown_parameter',
      param: 'session.x',
    });
    expect(classifyServerError({ type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'x' })).toBeUndefined();
  });

  it('classifies connection failures', () => {
    expect(errorForUpgradeStatus(401, 'Unauthorized')).toMatchObject({ code: 'auth_failed', retryable: false, httpStatus: 401 });
    expect(errorForUpgradeStatus(429, '')).toMatchObject({ code: 'rate_limited', retryable: true });
    expect(errorForUpgradeStatus(503, '')).toMatchObject({ code: 'handshake_failed', retryable: true });
    expect(errorForUpgradeStatus(404, '')).toMatchObject({ code: 'handshake_failed', retryable: false });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(errorForSocketFailure(refused)).toBeInstanceOf(RealtimeProviderError);
    expect(errorForSocketFailure(refused)).toMatchObject({ code: 'connect_refused', retryable: true });
  });
});

describe('session builders', () => {
  const config = {
    model: 'm',
    voice: 'ara',
    temperature: 0.7,
    turnDetection: { type: 'server_vad' as const, threshold: 0.6, silenceDurationMs: 400, createResponse: true },
    transcription: { language: 'nl' },
  };

  it('OpenAI GA: audio nested, session.type set, temperature dropped', () => {
    const s = buildOpenAISession(config);
    expect(s.type).toBe('realtime');
    expect(s).not.toHaveProperty('temperature');
    expect(s.audio?.input?.turn_detection).toEqual({
      type: 'server_vad',
      threshold: 0.6,
      silence_duration_ms: 400,
      create_response: true,
      interrupt_response: true,
    });
    expect(s.audio?.input?.transcription).toEqual({ model: 'gpt-4o-mini-transcribe', language: 'nl' });
    expect(s.audio?.output?.voice).toBe('ara');
    expect(buildOpenAISession({ model: 'm', transcription: null }).audio?.input).not.toHaveProperty('transcription');
  });

  it('xAI: voice and turn detection at the top level, language as a hint', () => {
    const s = buildXaiSession(config);
    expect(s).not.toHaveProperty('type');
    expect(s).not.toHaveProperty('temperature');
    expect(s.voice).toBe('ara');
    expect(s.turn_detection).toEqual({ type: 'server_vad', threshold: 0.6, silence_duration_ms: 400 });
    expect(s.audio?.input?.transcription).toEqual({ language_hint: 'nl' });
    expect(buildXaiSession({ model: 'm', turnDetection: null }).turn_detection).toBeNull();
  });
});
