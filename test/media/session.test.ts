/**
 * A worker runtime in-process under a fake clock: no-media timer, hold, outbound timestamps and
 * markers, stall handling, barge-in through the CallMedia interface. Sockets are real loopback UDP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTime } from '../../media/clock/time.js';
import { createOpusCodec } from '../../media/codecs/opus.js';
import type { CallLogicFactory, CallMedia } from '../../media/call/types.js';
import type { CallEnded, CallStartMessage, RemoteMedia, WorkerToMain } from '../../media/protocol.js';
import { WorkerRuntime } from '../../media/worker/runtime.js';
import { TestCaller, tagOf, taggedFrame, waitFor } from './integration-fixtures/caller.js';
import { freePortBlock } from '../helpers/ports.js';

function remoteFor(port: number, extra: Partial<RemoteMedia> = {}): RemoteMedia {
  return { address: '127.0.0.1', port, payloadType: 0, codec: 'PCMU', clockRate: 8000, ptime: 20, telephoneEventPt: 101, direction: 'sendrecv', ...extra };
}

function start(callId: string, remote: RemoteMedia | null, media: CallStartMessage['media'] = {}): CallStartMessage {
  return { type: 'call.start', callId, direction: 'inbound', remote, agent: null, providers: {}, media };
}

interface Harness {
  runtime: WorkerRuntime;
  time: FakeTime;
  posted: WorkerToMain[];
  media: Map<string, CallMedia>;
  ended(callId: string): CallEnded | undefined;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A runtime whose logic only records the CallMedia it was given. */
async function harness(): Promise<Harness> {
  const time = new FakeTime(10_000);
  const posted: WorkerToMain[] = [];
  const media = new Map<string, CallMedia>();
  const factory: CallLogicFactory = (m, s) => {
    media.set(s.callId, m);
    return { close: () => ({ usage: { custom: 1 } }) };
  };
  const runtime = new WorkerRuntime(
    { index: 0, portRange: await freePortBlock(10), bindAddress: '127.0.0.1', recordingDir: null, logicModule: null },
    factory,
    (m) => posted.push(m),
    time,
  );
  cleanups.push(() => runtime.shutdown());
  const ended = (callId: string): CallEnded | undefined => posted.find((m): m is CallEnded => m.type === 'call.ended' && m.callId === callId);
  return { runtime, time, posted, media, ended };
}

async function caller(): Promise<TestCaller> {
  const c = await TestCaller.open();
  cleanups.push(() => c.close());
  return c;
}

async function ready(h: Harness, callId: string): Promise<number> {
  await waitFor(() => h.posted.some((m) => (m.type === 'call.ready' || m.type === 'call.start-failed') && m.callId === callId));
  const msg = h.posted.find((m) => m.callId === callId && m.type === 'call.ready');
  if (msg?.type !== 'call.ready') throw new Error('call did not start');
  return msg.local.port;
}

describe('no-media timer', () => {
  it('ends an answered call after 30 s without RTP, and not before the answer', async () => {
    const h = await harness();
    const c = await caller();
    h.runtime.handle(start('a', remoteFor(c.port)));
    await ready(h, 'a');
    h.time.advance(100_000); // ringing: no timer yet
    expect(h.ended('a')).toBeUndefined();
    h.runtime.handle({ type: 'call.answered', callId: 'a' });
    h.time.advance(29_900);
    expect(h.ended('a')).toBeUndefined();
    h.time.advance(200);
    await waitFor(() => h.ended('a') !== undefined);
    expect(h.ended('a')).toMatchObject({ reason: 'no-media', usage: { custom: 1 } });
    expect(h.runtime.callCount).toBe(0);
  });

  it('waits 60 s while the caller holds the call, and an RTP packet restarts the wait', async () => {
    const h = await harness();
    const c = await caller();
    h.runtime.handle(start('held', remoteFor(c.port)));
    const port = await ready(h, 'held');
    h.runtime.handle({ type: 'call.answered', callId: 'held' });
    h.time.advance(20_000);
    c.send(port, { seq: 1, ts: 0, payload: taggedFrame(1) });
    await waitFor(() => h.media.get('held')!.stats().rtp.packetsReceived === 1);
    h.time.advance(25_000); // 45 s after answer, 25 s after the packet
    expect(h.ended('held')).toBeUndefined();
    h.runtime.handle({ type: 'call.remote-sdp', callId: 'held', remote: remoteFor(c.port, { direction: 'sendonly' }) });
    h.time.advance(45_000);
    expect(h.ended('held')).toBeUndefined();
    h.time.advance(16_000);
    await waitFor(() => h.ended('held') !== undefined);
    expect(h.ended('held')?.reason).toBe('no-media');
  });
});

describe('outbound stream', () => {
  it('sends nothing while on hold and resumes with a timestamp gap, not a sequence gap', async () => {
    const h = await harness();
    const c = await caller();
    h.runtime.handle(start('hold', remoteFor(c.port)));
    await ready(h, 'hold');
    h.time.advance(100);
    await waitFor(() => c.received.length === 5);
    h.runtime.handle({ type: 'call.remote-sdp', callId: 'hold', remote: remoteFor(c.port, { direction: 'sendonly' }) });
    h.time.advance(200);
    h.runtime.handle({ type: 'call.remote-sdp', callId: 'hold', remote: remoteFor(c.port) });
    h.time.advance(20);
    await waitFor(() => c.received.length === 6);
    const [before, after] = [c.received[4], c.received[5]];
    expect((after.seq - before.seq) & 0xffff).toBe(1);
    expect((after.ts - before.ts) >>> 0).toBe(160 * 11);
    expect(after.marker).toBe(true);
  });

  it('after a stall skips the missed slots instead of bursting them out', async () => {
    const h = await harness();
    const c = await caller();
    h.runtime.handle(start('stall', remoteFor(c.port)));
    await ready(h, 'stall');
    h.time.advance(100);
    await waitFor(() => c.received.length === 5);
    h.time.stall(500); // the worker's loop was blocked for 25 slots
    h.time.advance(0);
    await waitFor(() => c.received.length === 7);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.received).toHaveLength(7); // maxBurst 2, not 25
    const gap = (c.received[5].ts - c.received[4].ts) >>> 0;
    expect(gap).toBe(160 * 24); // 23 skipped + 1
    expect(h.runtime.health().clock.skippedSlots).toBe(23);
    expect(h.media.get('stall')!.stats().rtp.framesSkipped).toBe(23);
  });

  it('plays agent audio in 20 ms frames with a marker on the talkspurt, and flush reports what was heard', async () => {
    const h = await harness();
    const c = await caller();
    h.runtime.handle(start('agent', remoteFor(c.port), { emptyPlayout: 'nothing' }));
    await ready(h, 'agent');
    const media = h.media.get('agent')!;
    const played: string[] = [];
    media.onItemPlayed((p) => played.push(`${p.itemId}:${p.playedMs}`));
    h.time.advance(60);
    expect(c.received).toHaveLength(0);
    const speech = new Uint8Array(160 * 10);
    for (let i = 0; i < 10; i++) speech.set(taggedFrame(i), i * 160);
    media.playAgentAudio(speech.subarray(0, 800), 'greeting');
    media.playAgentAudio(speech.subarray(800), 'greeting');
    media.playAgentAudio(new Uint8Array(160 * 50).fill(0x11), 'answer');
    h.time.advance(20 * 13);
    await waitFor(() => c.received.length === 13);
    expect(c.received.slice(0, 10).map((r) => tagOf(r.payload))).toEqual([...Array(10).keys()]);
    expect(c.received.map((r) => r.marker)).toEqual([true, ...Array(12).fill(false)]);
    expect(played).toEqual(['greeting:200']);
    expect(media.flushAgentAudio()).toEqual({ itemId: 'answer', playedMs: 60 });
    expect(media.queuedAgentMs).toBe(0);
    h.time.advance(100);
    await new Promise((r) => setTimeout(r, 30));
    expect(c.received).toHaveLength(13);
    expect(media.stats().agentAudioMs).toBe(260);
  });

  it('carries an Opus leg: PCM16 at 24 kHz for the logic both ways, 48 kHz RTP timestamps', async () => {
    const h = await harness();
    const c = await caller();
    h.runtime.handle(start('opus', remoteFor(c.port, { payloadType: 111, codec: 'opus', clockRate: 48000 }), { emptyPlayout: 'nothing' }));
    const port = await ready(h, 'opus');
    const media = h.media.get('opus')!;
    expect(media.agentFormat).toEqual({ encoding: 'pcm16', sampleRate: 24000 });
    const heard: number[] = [];
    media.onCallerAudio((pcm) => heard.push(pcm.length));
    const tone = new Int16Array(480 * 5);
    for (let i = 0; i < tone.length; i++) tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24000));
    media.playAgentAudio(new Uint8Array(tone.buffer), 'tone');
    h.time.advance(100);
    await waitFor(() => c.received.length === 5);
    expect(c.received.map((r) => r.pt)).toEqual([111, 111, 111, 111, 111]);
    expect((c.received[1].ts - c.received[0].ts) >>> 0).toBe(960);
    const codec = createOpusCodec({ sampleRate: 24000 });
    const decoded = new Int16Array(5760);
    const samples = codec.decode(c.received[2].payload, decoded);
    expect(samples).toBe(480);
    expect(Math.max(...decoded.subarray(0, samples).map(Math.abs))).toBeGreaterThan(2000);

    // The caller's Opus comes to the logic as 20 ms of PCM16 (960 bytes); garbage is counted, not fatal.
    const payload = new Uint8Array(400);
    const n = codec.encode(tone.subarray(0, 480), payload);
    c.send(port, { seq: 1, ts: 0, pt: 111, payload: payload.subarray(0, n) });
    await waitFor(() => heard.length === 1);
    expect(heard).toEqual([960]);
    expect(media.stats().decodeErrors).toBe(0);
  });

  it('answers a start without a remote (outbound) and sends once the answer arrives', async () => {
    const h = await harness();
    const c = await caller();
    h.runtime.handle({ ...start('out', null), direction: 'outbound', codec: 'PCMA' });
    await ready(h, 'out');
    h.time.advance(100);
    h.runtime.handle({ type: 'call.remote-sdp', callId: 'out', remote: remoteFor(c.port, { payloadType: 8, codec: 'PCMA' }) });
    h.time.advance(40);
    await waitFor(() => c.received.length === 2);
    expect(c.received[0]).toMatchObject({ pt: 8, marker: true });
    expect(c.received[0].payload[0]).toBe(0xd5); // A-law silence
  });
});
