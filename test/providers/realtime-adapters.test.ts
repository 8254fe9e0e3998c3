/**
 * The OpenAI GA and xAI adapters against the fake realtime server: configuration the fake
 * validates, caller audio in, turns detected by energy, response audio and transcripts out,
 * tools, truncation, barge-in and usage.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RealtimeSession } from '../../media/providers/index.js';
import { mulawDurationMs } from '../fakes/audio.js';
import { FakeRealtimeServer } from '../fakes/realtime-server.js';
import { EventLog, FLAVOURS, makeSession, speak, until } from './helpers.js';

/** The fields of a `session.update` the tests look at (either vendor). */
interface SessionShape {
  type?: string;
  voice?: string;
  turn_detection?: unknown;
  tool_choice?: string;
  output_modalities?: string[];
  tools: unknown;
  audio: { input: { format: unknown; turn_detection?: unknown }; output: { format: unknown; voice?: string } };
}

const UTTERANCE = [{ silence: 100 }, { speech: 600 }, { silence: 700 }];

describe.each(FLAVOURS)('$provider adapter', (flavour) => {
  let server: FakeRealtimeServer;
  let session: RealtimeSession;
  let log: EventLog;
  const isOpenAI = flavour.provider === 'openai_realtime';

  beforeEach(async () => {
    server = await FakeRealtimeServer.start();
    session = makeSession(flavour, server);
    log = new EventLog(session);
  });

  afterEach(async () => {
    await session.close();
    await server.close();
  });

  it('connects, and the fake accepts its session.update in the vendor shape', async () => {
    await session.connect();
    expect(session.state).toBe('ready');
    const update = (await server.waitFor('session.update')).event.session as SessionShape;
    expect(server.serverEvents.some((e) => e.type === 'error')).toBe(false);
    expect(update.audio.input.format).toEqual({ type: 'audio/pcmu' });
    expect(update.audio.output.format).toEqual({ type: 'audio/pcmu' });
    expect(update.tools).toEqual([{ type: 'function', ...LOOKUP_TOOL_SHAPE }]);
    if (isOpenAI) {
      expect(update.type).toBe('realtime');
      expect(update.audio.output.voice).toBe('marin');
      expect(update.audio.input.turn_detection).toMatchObject({ type: 'server_vad', create_response: true, interrupt_response: true });
      expect(update.tool_choice).toBe('auto');
      expect(update.output_modalities).toEqual(['audio']);
    } else {
      expect(update.type).toBeUndefined();
      expect(update.voice).toBe('ara');
      expect(update.turn_detection).toEqual({ type: 'server_vad' });
    }
    expect(server.connection()?.effective.inputFormat.kind).toBe('pcmu');
  });

  it('delivers the appended caller audio to the server byte for byte', async () => {
    await session.connect();
    const sent = speak(session, [{ speech: 300 }, { silence: 100 }]);
    await until(() => server.receivedAudio().length >= sent.length);
    expect(Buffer.from(server.receivedAudio()).equals(Buffer.from(sent))).toBe(true);
    expect(session.stats().audioBytesSent).toBe(sent.length);
    // 20 ms batches: one append per RTP frame, no added latency.
    expect(server.eventsOfType('input_audio_buffer.append')).toHaveLength(sent.length / 160);
  });

  it('turns energy in the caller audio into a turn, a reply with audio in order, and both transcripts', async () => {
    server.setScript({ turns: [{ transcript: 'What time do you open?', reply: { text: 'We open at nine.', audioMs: 800 } }] });
    await session.connect();
    speak(session, UTTERANCE);

    const started = await log.next('speech-started');
    const stopped = await log.next('speech-stopped');
    expect(stopped.itemId).toBe(started.itemId);
    expect(stopped.audioEndMs).toBeGreaterThan(started.audioStartMs);
    const user = await log.next('transcript', (t) => t.role === 'user' && t.final);
    expect(user.text).toBe('What time do you open?');

    const done = await log.next('response-done');
    expect(done.status).toBe('completed');
    const audio = log.of('audio');
    expect(audio.length).toBe(8);
    expect(new Set(audio.map((a) => a.itemId)).size).toBe(1);
    expect(audio.every((a) => a.responseId === done.responseId)).toBe(true);
    expect(mulawDurationMs(audio.reduce((n, a) => n + a.audio.length, 0))).toBe(800);
    // Chunks arrive in the order the server sent them.
    const sentDeltas = server.deltas.map((d) => d.bytes);
    expect(audio.map((a) => a.audio.length)).toEqual(sentDeltas);

    const partial = log.of('transcript').filter((t) => t.role === 'assistant' && !t.final).map((t) => t.text).join('');
    const final = await log.next('transcript', (t) => t.role === 'assistant' && t.final);
    expect(partial).toBe('We open at nine.');
    expect(final.text).toBe('We open at nine.');
    expect(final.itemId).toBe(audio[0].itemId);
    await log.next('audio-done');

    // Order: the turn ends before the reply starts; the reply ends last.
    const order = log.all.map((e) => e.type);
    expect(order.indexOf('speech-stopped')).toBeLessThan(order.indexOf('response-started'));
    expect(order.lastIndexOf('audio')).toBeLessThan(order.indexOf('response-done'));
  });

  it('reports token usage where the vendor gives it', async () => {
    await session.connect();
    speak(session, UTTERANCE);
    const done = await log.next('response-done');
    if (session.capabilities.tokenUsage) {
      expect(done.usage?.outputTokens).toBeGreaterThan(0);
      expect(done.usage?.inputTokens).toBeGreaterThan(0);
      expect(done.usage?.inputTokenDetails?.audioTokens).toBeGreaterThan(0);
      expect(done.usage?.totalTokens).toBe((done.usage?.inputTokens ?? 0) + (done.usage?.outputTokens ?? 0));
    } else {
      // xAI sends an empty usage object: no usage rather than zeros.
      expect(done.usage).toBeUndefined();
    }
  });

  it('runs a tool call: parsed arguments out, the result back, a reply that uses it', async () => {
    server.setScript({ turns: [{ reply: { toolCall: { name: 'lookup_contact', arguments: { query: 'Jan de Vries' } } } }] });
    await session.connect();
    speak(session, UTTERANCE);
    const call = await log.next('tool-call');
    expect(call.name).toBe('lookup_contact');
    expect(call.arguments).toEqual({ query: 'Jan de Vries' });
    expect(call.argumentsError).toBeUndefined();
    await log.next('response-done');

    expect(session.sendToolResult(call.callId, '{"phone":"+31612345678"}')).toBe(true);
    const output = await server.waitFor('conversation.item.create', { predicate: (e) => (e.event.item as { type?: string }).type === 'function_call_output' });
    expect(output.event.item).toEqual({ type: 'function_call_output', call_id: call.callId, output: '{"phone":"+31612345678"}' });
    const reply = await log.next('transcript', (t) => t.role === 'assistant' && t.final);
    expect(reply.text).toContain('+31612345678');
  });

  it('surfaces arguments that are not JSON as an error on the tool call', async () => {
    server.setScript({ turns: [{ reply: { toolCall: { name: 'lookup_contact', arguments: '{"query": "Jan' } } }] });
    await session.connect();
    speak(session, UTTERANCE);
    const call = await log.next('tool-call');
    expect(call.argumentsError).toMatch(/not valid JSON/);
    expect(call.arguments).toEqual({});
    expect(call.rawArguments).toBe('{"query": "Jan');
  });

  it('speaks a fixed text with say() and a first message with createResponse()', async () => {
    await session.connect();
    expect(session.say('Goedemiddag, u spreekt met de assistent.')).toBe(true);
    const said = await log.next('transcript', (t) => t.role === 'assistant' && t.final);
    expect(said.text).toContain('Goedemiddag, u spreekt met de assistent.');
    await log.next('response-done');
    expect(session.createResponse({ instructions: 'Greet the caller.' })).toBe(true);
    await log.next('transcript', (t) => t.role === 'assistant' && t.final && t.text.includes('Greet the caller.'));
  });

  it('adds context as a system message and answers when asked to', async () => {
    await session.connect();
    expect(session.addContext('The caller is a premium customer.', { triggerResponse: true })).toBe(true);
    await log.next('response-done');
    expect(server.connection()?.contextMessages).toEqual([{ role: 'system', text: 'The caller is a premium customer.' }]);
  });

  it('cancels a response in progress and refuses to cancel when none is', async () => {
    server.setScript({ defaultReply: { audioMs: 5000 } });
    await session.connect();
    expect(session.cancelResponse()).toBe(false);
    session.createResponse();
    await log.next('audio');
    expect(session.cancelResponse()).toBe(true);
    const done = await log.next('response-done');
    expect(done.status).toBe('cancelled');
    expect(done.statusReason).toBe('client_cancelled');
    expect(log.of('audio').length).toBeLessThan(50);
  });

  it('lets the caller barge in: speech during a reply cancels it', async () => {
    server.setScript({ defaultReply: { audioMs: 20_000 } });
    await session.connect();
    session.createResponse();
    await log.next('audio');
    speak(session, [{ speech: 400 }]);
    await log.next('speech-started');
    const done = await log.next('response-done');
    expect(done.status).toBe('cancelled');
    expect(done.statusReason).toBe('turn_detected');
  });

  it('truncates what the caller heard where supported, and only there', async () => {
    server.setScript({ defaultReply: { audioMs: 3000 } });
    await session.connect();
    session.createResponse();
    const first = await log.next('audio');
    await log.next('response-done');
    const sent = session.truncate(first.itemId, 240);
    expect(sent).toBe(session.capabilities.truncate);
    if (!session.capabilities.truncate) {
      await new Promise((r) => setTimeout(r, 50));
      expect(server.eventsOfType('conversation.item.truncate')).toHaveLength(0);
      return;
    }
    const truncated = await log.next('truncated');
    expect(truncated).toEqual({ itemId: first.itemId, audioEndMs: 240 });
    expect(server.truncations).toEqual([expect.objectContaining({ itemId: first.itemId, audioEndMs: 240, accepted: true })]);
    // Beyond the item's audio: the server refuses, the session goes on.
    session.truncate(first.itemId, 60_000);
    const error = await log.next('error');
    expect(error).toMatchObject({ code: 'invalid_request', fatal: false, providerCode: 'invalid_value', param: 'audio_end_ms' });
    expect(session.state).toBe('ready');
  });

  it('closes cleanly: closed with expected true, and nothing is sent afterwards', async () => {
    await session.connect();
    await session.close();
    const closed = await log.next('closed');
    expect(closed).toMatchObject({ code: 1000, expected: true });
    expect(session.state).toBe('closed');
    expect(session.createResponse()).toBe(false);
    session.appendAudio(new Uint8Array(160));
    await session.close(); // idempotent
    expect(log.of('closed')).toHaveLength(1);
  });
});

const LOOKUP_TOOL_SHAPE = {
  name: 'lookup_contact',
  description: 'Find a contact by name',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};
