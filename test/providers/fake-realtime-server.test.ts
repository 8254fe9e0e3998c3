/**
 * The fake realtime server itself, driven by a raw WebSocket client: it must refuse what the real
 * servers refuse, so adapter tests against it mean something.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mulawUtterance, sliceFrames } from '../fakes/audio.js';
import { FakeRealtimeServer } from '../fakes/realtime-server.js';
import { until } from './helpers.js';

type Msg = Record<string, unknown> & { type: string };

class RawClient {
  readonly received: Msg[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.received.push(JSON.parse(data.toString()) as Msg));
  }

  static async connect(server: FakeRealtimeServer, model: string): Promise<RawClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/v1/realtime?model=${model}`, {
      headers: { Authorization: `Bearer ${server.apiKey}` },
    });
    const client = new RawClient(ws);
    await once(ws, 'open');
    return client;
  }

  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  async next(type: string, predicate: (m: Msg) => boolean = () => true): Promise<Msg> {
    let found: Msg | undefined;
    await until(() => (found = this.received.find((m) => m.type === type && predicate(m))) !== undefined, 3000, type);
    return found as Msg;
  }

  appendMulaw(audio: Uint8Array): void {
    for (const frame of sliceFrames(audio)) this.send({ type: 'input_audio_buffer.append', audio: Buffer.from(frame).toString('base64') });
  }
}

const OPENAI_OK = { type: 'realtime', audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } } };
const XAI_OK = { audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } } };

describe('fake realtime server', () => {
  let server: FakeRealtimeServer;
  const clients: RawClient[] = [];
  const connect = async (model: string): Promise<RawClient> => {
    const c = await RawClient.connect(server, model);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    server = await FakeRealtimeServer.start({ pingIntervalMs: 0 });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await server.close();
  });

  it('picks the flavour from the model: session.created for OpenAI, conversation.created + ping for xAI', async () => {
    const openai = await connect('gpt-realtime');
    const xai = await connect('grok-voice-latest');
    expect((await openai.next('session.created')).session).toMatchObject({ type: 'realtime', model: 'gpt-realtime' });
    await xai.next('conversation.created');
    await xai.next('ping');
    expect(openai.received[0].type).toBe('session.created');
    expect(xai.received[0].type).toBe('conversation.created');
  });

  it('answers a wrong key with 401 and a JSON error body, and an unknown path with 404', async () => {
    const answer = async (path: string, key: string): Promise<{ status: number; body: string }> => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers: { Authorization: `Bearer ${key}` } });
      ws.on('error', () => {});
      const [req, res] = (await once(ws, 'unexpected-response')) as [{ destroy(): void }, IncomingMessage];
      let body = '';
      for await (const chunk of res) body += String(chunk);
      req.destroy();
      return { status: res.statusCode ?? 0, body };
    };
    const unauthorized = await answer('/v1/realtime?model=gpt-realtime', 'nope');
    expect(unauthorized.status).toBe(401);
    expect(JSON.parse(unauthorized.body)).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect((await answer('/v1/other', server.apiKey)).status).toBe(404);
  });

  it.each([
    ['missing session.type', { audio: {} }, 'missing_required_parameter', 'session.type'],
    ['GA has no temperature', { ...OPENAI_OK, temperature: 0.8 }, 'unknown_parameter', 'session.temperature'],
    ['beta input_audio_format', { type: 'realtime', input_audio_format: 'g711_ulaw' }, 'unknown_parameter', 'session.input_audio_format'],
    ['voice misplaced at the top', { type: 'realtime', voice: 'marin' }, 'unknown_parameter', 'session.voice'],
    ['turn_detection misplaced at the top', { type: 'realtime', turn_detection: null }, 'unknown_parameter', 'session.turn_detection'],
    ['pcm only at 24 kHz', { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } }, 'invalid_value', 'session.audio.input.format.rate'],
  ])('OpenAI refuses session.update: %s', async (_name, session, code, param) => {
    const client = await connect('gpt-realtime');
    client.send({ type: 'session.update', event_id: 'evt_1', session });
    const error = await client.next('error');
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code, param, event_id: 'evt_1' });
    expect(client.received.some((m) => m.type === 'session.updated')).toBe(false);
  });

  it.each([
    ['no session.type', { ...XAI_OK, type: 'realtime' }, 'unknown_parameter', 'session.type'],
    ['turn_detection under audio.input', { audio: { input: { turn_detection: { type: 'server_vad' } } } }, 'unknown_parameter', 'session.audio.input.turn_detection'],
    ['voice under audio.output', { audio: { output: { voice: 'ara' } } }, 'unknown_parameter', 'session.audio.output.voice'],
    ['no semantic VAD', { turn_detection: { type: 'semantic_vad' } }, 'invalid_value', 'session.turn_detection.type'],
    ['no create_response flag', { turn_detection: { type: 'server_vad', create_response: true } }, 'unknown_parameter', 'session.turn_detection.create_response'],
  ])('xAI refuses session.update: %s', async (_name, session, code, param) => {
    const client = await connect('grok-voice-latest');
    client.send({ type: 'session.update', event_id: 'evt_2', session });
    expect((await client.next('error')).error).toMatchObject({ code, param, event_id: 'evt_2' });
  });

  it('merges updates: only the fields present change', async () => {
    const client = await connect('gpt-realtime');
    client.send({ type: 'session.update', session: { ...OPENAI_OK, instructions: 'one' } });
    await client.next('session.updated');
    client.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice: 'cedar' } } } });
    const updated = await client.next('session.updated', (m) => (m.session as { audio: { output: { voice: string } } }).audio.output.voice === 'cedar');
    expect(updated.session).toMatchObject({ instructions: 'one', audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } } });
  });

  it('finds speech by energy: silence alone starts no turn; speech reports where it began', async () => {
    const client = await connect('gpt-realtime');
    const td = { type: 'server_vad', prefix_padding_ms: 0, silence_duration_ms: 300, create_response: false };
    client.send({ type: 'session.update', session: { ...OPENAI_OK, audio: { ...OPENAI_OK.audio, input: { ...OPENAI_OK.audio.input, turn_detection: td } } } });
    await client.next('session.updated');
    client.appendMulaw(mulawUtterance([{ silence: 500 }]));
    await until(() => server.receivedAudio().length >= 4000);
    expect(client.received.some((m) => m.type === 'input_audio_buffer.speech_started')).toBe(false);
    client.appendMulaw(mulawUtterance([{ speech: 400 }, { silence: 400 }]));
    const started = await client.next('input_audio_buffer.speech_started');
    expect(started.audio_start_ms).toBe(500);
    const stopped = await client.next('input_audio_buffer.speech_stopped');
    expect(stopped.audio_end_ms).toBe(1200);
    await client.next('input_audio_buffer.committed');
    // create_response false: no reply until asked.
    await new Promise((r) => setTimeout(r, 50));
    expect(client.received.some((m) => m.type === 'response.created')).toBe(false);
    client.send({ type: 'response.create' });
    await client.next('response.done');
  });

  it('streams reply audio faster than real time and records when each delta left', async () => {
    server.setScript({ defaultReply: { audioMs: 2000 } });
    const client = await connect('gpt-realtime');
    client.send({ type: 'session.update', session: OPENAI_OK });
    await client.next('session.updated');
    client.send({ type: 'response.create' });
    await client.next('response.done');
    expect(server.deltas).toHaveLength(20);
    const span = server.deltas[19].at - server.deltas[0].at;
    expect(span).toBeLessThan(1000); // 2 s of audio in well under real time
    expect(server.deltas.map((d) => d.offsetMs)).toEqual(Array.from({ length: 20 }, (_, i) => i * 100));
  });

  it('refuses a second response while one is active, an unknown tool call id, and a cancel with nothing active', async () => {
    server.setScript({ defaultReply: { audioMs: 5000 } });
    const client = await connect('gpt-realtime');
    client.send({ type: 'session.update', session: OPENAI_OK });
    await client.next('session.updated');
    client.send({ type: 'response.create' });
    await client.next('response.output_audio.delta');
    client.send({ type: 'response.create' });
    expect((await client.next('error')).error).toMatchObject({ code: 'conversation_already_has_active_response' });
    client.send({ type: 'response.cancel' });
    expect((await client.next('response.done')).response).toMatchObject({ status: 'cancelled', status_details: { reason: 'client_cancelled' } });
    client.send({ type: 'response.cancel' });
    await client.next('error', (m) => (m.error as { code: string }).code === 'response_cancel_not_active');
    client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 'call_nope', output: '{}' } });
    await client.next('error', (m) => (m.error as { param: string }).param === 'item.call_id');
  });
});
