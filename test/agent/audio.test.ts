/**
 * The audio path of the agent runtime against the fake realtime server: the first message, caller
 * audio to the model, barge-in with the exact milliseconds heard, late deltas of an interrupted
 * response, G.711 A-law legs and latency marks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ulawToAlaw } from '../../media/codecs/g711.js';
import { mulawUtterance, pcm16ToBytes, silencePcm, speechPcm } from '../fakes/audio.js';
import { AgentHarness, FLAVOURS, OPENAI, XAI, until } from './helpers/harness.js';

let harness: AgentHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe.each(FLAVOURS)('$provider audio', (flavour) => {
  it('has the first message ready at answer and plays it with the model item id', async () => {
    harness = await AgentHarness.start(flavour, { config: { firstMessage: 'Hello, you are speaking with Ada.' } });
    const h = harness;
    // Generated while the phone rings, held until answer.
    const created = await h.server.waitFor('response.create');
    expect(String((created.event.response as { instructions: string }).instructions)).toContain('Hello, you are speaking with Ada.');
    await h.server.waitForServer('response.done');
    await until(() => h.streamedBytes() > 0);
    expect(h.media.queued).toHaveLength(0);

    h.answer();
    const itemId = h.server.deltas[0].itemId;
    await until(() => h.queuedBytes(itemId) === h.streamedBytes(itemId), 5000, 'first message queued');
    expect(h.media.queued.every((q) => q.itemId === itemId)).toBe(true);
    expect(h.media.queuedAgentMs).toBe(600);

    expect(h.media.play(5)).toBe(5);
    expect(h.host.eventsOf('speech-started')).toContainEqual({ kind: 'speech-started', who: 'assistant' });
    expect(h.host.eventsOf('latency').map((e) => e.mark)).toEqual(expect.arrayContaining(['first-audio-delta', 'first-audio-sent']));
    h.media.playAll();
    expect(h.media.playedMs).toBe(600);
    await h.agentTurns(1);
    expect(h.finalTurns('assistant')).toEqual(['Hello, you are speaking with Ada.']);
    const agentSpeech = h.host.events.filter((e) => (e.kind === 'speech-started' || e.kind === 'speech-stopped') && e.who === 'assistant');
    expect(agentSpeech.map((e) => e.kind)).toEqual(['speech-started', 'speech-stopped']);
  });

  it('without a first message waits for the caller, and forwards caller audio only after answer', async () => {
    harness = await AgentHarness.start(flavour);
    const h = harness;
    h.media.speak(mulawUtterance([{ speech: 200 }]));
    expect(h.server.receivedAudio()).toHaveLength(0);

    h.answer();
    const utterance = mulawUtterance([{ speech: 600 }, { silence: 800 }]);
    h.media.speak(utterance);
    await until(() => h.server.receivedAudio().length === utterance.length, 5000, 'caller audio at the fake');
    expect(Buffer.from(h.server.receivedAudio()).equals(Buffer.from(utterance))).toBe(true);
    expect(h.clientCount('response.create')).toBe(0);

    // The fake's VAD ends the turn and answers it.
    await h.agentTurns(1);
    expect(h.host.eventsOf('speech-started')).toContainEqual({ kind: 'speech-started', who: 'user' });
    expect(h.host.eventsOf('speech-stopped')).toContainEqual({ kind: 'speech-stopped', who: 'user' });
    expect(h.finalTurns('user')).toEqual(['User turn 1.']);
    const marks = h.host.eventsOf('latency');
    expect(marks.map((m) => m.mark)).toEqual(expect.arrayContaining(['caller-speech-end', 'agent-response-start', 'first-audio-delta']));
    expect(marks.find((m) => m.mark === 'first-audio-delta')?.sinceMs).toBeGreaterThanOrEqual(0);
  });
});

describe('barge-in', () => {
  it('openai: flushes at once and truncates to exactly the milliseconds played', async () => {
    harness = await AgentHarness.start(OPENAI, { config: { firstMessage: 'Welcome to the test line, how can I help you today?' }, server: { responseAudioMs: 2000 } });
    const h = harness;
    h.answer();
    await h.agentTurns(1);
    const itemId = h.server.deltas[0].itemId;
    await until(() => h.queuedBytes(itemId) === 16_000);
    h.media.play(17); // 340 ms heard

    h.say([{ speech: 400 }]);
    await until(() => h.media.flushes.length > 0, 5000, 'flush');
    expect(h.media.flushes[0]).toMatchObject({ played: { itemId, playedMs: 340 }, queuedMsBefore: 1660 });
    expect(h.media.queuedAgentMs).toBe(0);
    await until(() => h.server.truncations.length > 0, 5000, 'truncate');
    expect(h.server.truncations[0]).toMatchObject({ itemId, audioEndMs: 340, accepted: true });
    expect(h.clientCount('response.cancel')).toBe(0);
    const messages = (await h.close()).messages ?? [];
    harness = null;
    expect(messages).toContainEqual(expect.objectContaining({ role: 'assistant', interrupted: true }));
  });

  it('drops the late deltas of the interrupted response', async () => {
    // Real-time streaming: the response is still being generated when the caller speaks.
    harness = await AgentHarness.start(OPENAI, { server: { responseAudioMs: 3000, chunkIntervalMs: 100 } });
    const h = harness;
    h.answer();
    h.say();
    await until(() => h.streamedBytes() >= 1600, 5000, 'response streaming');
    const { itemId, responseId } = h.server.deltas[0];
    h.media.play(5);
    h.say([{ speech: 400 }]);
    await until(() => h.media.flushes.length > 0, 5000, 'flush');
    const queuedBefore = h.queuedBytes();
    // A delta the server had in flight when it saw the barge-in.
    h.server.inject({ type: 'response.output_audio.delta', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, delta: Buffer.alloc(800, 0x55).toString('base64') });
    await until(() => h.server.truncations.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.queuedBytes()).toBe(queuedBefore);
    expect(h.media.queuedAgentMs).toBe(0);
    const usage = (await h.close()).usage ?? {};
    harness = null;
    expect(usage.interruptedAudioBytesDropped).toBeGreaterThanOrEqual(800);
    expect(usage.bargeIns).toBe(1);
  });

  it('xai (no truncate): flushes and cancels the response instead', async () => {
    harness = await AgentHarness.start(XAI, { server: { responseAudioMs: 3000, chunkIntervalMs: 100 } });
    const h = harness;
    h.answer();
    h.say();
    await until(() => h.queuedBytes() >= 3200, 5000, 'response streaming');
    h.media.play(10);
    h.say([{ speech: 400 }]);
    await until(() => h.media.flushes.length > 0, 5000, 'flush');
    expect(h.media.flushes[0].played?.playedMs).toBe(200);
    await h.server.waitFor('response.cancel');
    expect(h.clientCount('conversation.item.truncate')).toBe(0);
    expect(h.media.queuedAgentMs).toBe(0);
  });

  it('does not barge in when the agent is silent', async () => {
    harness = await AgentHarness.start(OPENAI);
    const h = harness;
    h.answer();
    h.say();
    await h.agentTurns(1);
    h.media.playAll();
    h.say();
    await h.agentTurns(2);
    expect(h.media.flushes).toHaveLength(0);
    expect(h.clientCount('conversation.item.truncate')).toBe(0);
  });
});

describe('A-law legs', () => {
  it.each(FLAVOURS)('$provider: the session takes audio/pcma, caller and agent bytes pass untouched', async (flavour) => {
    harness = await AgentHarness.start(flavour, { codec: 'PCMA' });
    const h = harness;
    const update = await h.server.waitFor('session.update');
    const audio = (update.event.session as { audio: { input: { format: unknown }; output: { format: unknown } } }).audio;
    expect(audio.input.format).toEqual({ type: 'audio/pcma' });
    expect(audio.output.format).toEqual({ type: 'audio/pcma' });
    h.answer();
    const ulaw = mulawUtterance([{ speech: 600 }, { silence: 800 }]);
    const alaw = new Uint8Array(ulaw.length);
    ulawToAlaw(ulaw, alaw);
    h.media.speak(alaw);
    await until(() => h.server.receivedAudio().length === alaw.length);
    expect(Buffer.from(h.server.receivedAudio()).equals(Buffer.from(alaw))).toBe(true);
    await h.agentTurns(1);
    await until(() => h.queuedBytes() === h.streamedBytes());
    expect(h.queuedBytes()).toBe(4800);
  });
});

describe('Opus legs (PCM16 24 kHz for the logic)', () => {
  it.each(FLAVOURS)('$provider: the session takes audio/pcm at 24 kHz both ways, no conversion', async (flavour) => {
    harness = await AgentHarness.start(flavour, { codec: 'opus' });
    const h = harness;
    const update = await h.server.waitFor('session.update');
    const audio = (update.event.session as { audio: { input: { format: unknown }; output: { format: unknown } } }).audio;
    expect(audio.input.format).toEqual({ type: 'audio/pcm', rate: 24000 });
    expect(audio.output.format).toEqual({ type: 'audio/pcm', rate: 24000 });
    h.answer();
    const pcm = new Uint8Array([...pcm16ToBytes(speechPcm(600, { sampleRate: 24_000 })), ...pcm16ToBytes(silencePcm(800, 24_000))]);
    h.media.speak(pcm);
    await until(() => h.server.receivedAudio().length === pcm.length);
    expect(Buffer.from(h.server.receivedAudio()).equals(Buffer.from(pcm))).toBe(true);
    await h.agentTurns(1);
    await until(() => h.queuedBytes() === h.streamedBytes());
    expect(h.media.queuedAgentMs).toBe(600);
  });
});
