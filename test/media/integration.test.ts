/**
 * The media plane end to end: real worker threads, real RTP over loopback UDP, the loopback
 * (echo) call logic as the consumer, so what the logic received comes back to the test caller.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MediaPool, MediaStartError, type CallEnded, type PoolHealth, type RemoteMedia, type WorkerToMain } from '../../media/index.js';
import { readWavHeader } from '../../media/recording/wav.js';
import { TestCaller, sleep, tagOf, taggedFrame, waitFor } from './integration-fixtures/caller.js';
import { freePortBlock } from '../helpers/ports.js';
import { StrayStream } from './integration-fixtures/stray.js';

const ULAW_SILENCE = 0xff;

function remoteFor(port: number, extra: Partial<RemoteMedia> = {}): RemoteMedia {
  return { address: '127.0.0.1', port, payloadType: 0, codec: 'PCMU', clockRate: 8000, ptime: 20, telephoneEventPt: 101, direction: 'sendrecv', ...extra };
}

class Inbox {
  readonly messages: WorkerToMain[] = [];
  constructor(pool: MediaPool) {
    pool.on('message', (m) => this.messages.push(m));
  }
  async ended(callId: string, timeoutMs = 5000): Promise<CallEnded> {
    await waitFor(() => this.messages.some((m) => m.type === 'call.ended' && m.callId === callId), timeoutMs);
    return this.messages.find((m): m is CallEnded => m.type === 'call.ended' && m.callId === callId)!;
  }
}

/** Echoed frames are the caller's tagged frames; comfort silence is all 0xFF. */
function echoedTags(caller: TestCaller): number[] {
  return caller.received.filter((r) => r.payload[2] !== ULAW_SILENCE).map((r) => tagOf(r.payload));
}

const callers: TestCaller[] = [];
async function openCaller(): Promise<TestCaller> {
  const c = await TestCaller.open();
  callers.push(c);
  return c;
}
afterEach(() => {
  for (const c of callers.splice(0)) c.close();
});

describe('media pool with the loopback logic', () => {
  let pool: MediaPool;
  let inbox: Inbox;
  let tempDir: string;
  let recordingDir: string;

  beforeAll(async () => {
    tempDir = mkdtempSync(join(tmpdir(), 'voxgate-rec-'));
    recordingDir = join(tempDir, 'data', 'recordings'); // the pool creates it
    pool = await MediaPool.start({ workers: 2, portRange: await freePortBlock(40), bindAddress: '127.0.0.1', recordingDir });
    inbox = new Inbox(pool);
  });

  afterAll(async () => {
    await pool?.stop();
    rmSync(tempDir, { recursive: true, force: true });
  });

  it('delivers caller audio in order through loss, reordering, duplicates and jitter, and paces outbound at 20 ms', async () => {
    const caller = await openCaller();
    const ready = await pool.startCall({ callId: 'jitter', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {} });
    pool.send('jitter', { type: 'call.answered' });
    const lost = new Set([10, 40, 41, 90]);
    const plan: number[] = [];
    for (let i = 0; i < 150; i++) if (!lost.has(i)) plan.push(i);
    const swap = (a: number, b: number): void => {
      const ia = plan.indexOf(a);
      const ib = plan.indexOf(b);
      [plan[ia], plan[ib]] = [plan[ib], plan[ia]];
    };
    swap(20, 21);
    swap(60, 62);
    plan.splice(plan.indexOf(30) + 1, 0, 30); // duplicate right away
    plan.splice(plan.indexOf(100) + 1, 0, 99); // duplicate after its successor
    const t0 = performance.now();
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    let windowEngine: PoolHealth | null = null;
    for (let k = 0; k < plan.length; k++) {
      const due = t0 + k * 20 + Math.random() * 6;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      caller.send(ready.local.port, { seq: 5000 + plan[k], ts: 1000 + plan[k] * 160, payload: taggedFrame(plan[k]) });
      // A one-second window of the engine's own clock account, from 0.5 s to 1.5 s.
      if (k === 25) {
        void pool.health({ reset: true });
        loopDelay.enable();
      }
      if (k === 75) {
        loopDelay.disable();
        void pool.health().then((h) => (windowEngine = h));
      }
    }
    await sleep(300);
    pool.send('jitter', { type: 'call.stop', reason: 'test-done' });
    const ended = await inbox.ended('jitter');

    const expected = [...new Set(plan)].sort((a, b) => a - b);
    expect(echoedTags(caller)).toEqual(expected);
    expect(ended.reason).toBe('stopped');
    expect(ended.stopReason).toBe('test-done');
    expect(ended.quality?.rtp.packetsLost).toBe(4);
    expect(ended.quality?.rtp.duplicates).toBe(2);
    expect(ended.quality?.rtp.reordered).toBeGreaterThanOrEqual(1);
    expect(ended.quality?.callerFrames).toBe(expected.length);

    // Cadence seen by the caller over one second of steady state.
    const steady = caller.received.filter((r) => r.at > t0 + 500 && r.at <= t0 + 1500);
    const intervals = steady.slice(1).map((r, i) => r.at - steady[i].at);
    const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
    expect(mean).toBeGreaterThan(18);
    expect(mean).toBeLessThan(22);
    // No burst of more than 3 packets within 5 ms: from the worker clock's own account (wakes that
    // sent more than one frame, slots skipped) and, when this test process itself was not stalled
    // (a stalled reader sees queued packets as a burst), from the arrival times too.
    expect(windowEngine).not.toBeNull();
    const clocks = windowEngine!.workers.map((w) => w.clock);
    expect(clocks.reduce((n, c) => n + c.burstTicks + c.skippedSlots, 0)).toBeLessThanOrEqual(2);
    if (loopDelay.max / 1e6 < 4) {
      for (let i = 0; i + 3 < steady.length; i++) expect(steady[i + 3].at - steady[i].at).toBeGreaterThan(5);
    }
    // Sequence numbers are consecutive and timestamps advance 160 per packet.
    const all = caller.received;
    for (let i = 1; i < all.length; i++) {
      expect((all[i].seq - all[i - 1].seq) & 0xffff).toBe(1);
      expect((all[i].ts - all[i - 1].ts) >>> 0).toBeGreaterThanOrEqual(160);
    }
    expect(all[0].marker).toBe(true);
  });

  it('takes media only from the peer the SDP names: a stray stream that arrives first is neither heard nor answered', async () => {
    const peer = await openCaller(); // A: pA in the SDP
    const stray = await openCaller(); // B: a dead call's caller still streaming to this port
    const ready = await pool.startCall({ callId: 'strict', direction: 'inbound', remote: remoteFor(peer.port), agent: null, providers: {} });
    pool.send('strict', { type: 'call.answered' });
    for (let i = 0; i < 5; i++) {
      stray.send(ready.local.port, { seq: 7000 + i, ts: i * 160, ssrc: 99, payload: taggedFrame(1000 + i) });
      await sleep(20);
    }
    for (let i = 0; i < 20; i++) {
      peer.send(ready.local.port, { seq: 100 + i, ts: i * 160, payload: taggedFrame(i) });
      stray.send(ready.local.port, { seq: 7005 + i, ts: (5 + i) * 160, ssrc: 99, payload: taggedFrame(1005 + i) });
      await sleep(20);
    }
    await waitFor(() => echoedTags(peer).length === 20);
    pool.send('strict', { type: 'call.stop', reason: 'done' });
    const ended = await inbox.ended('strict');

    // The call logic (here: the echo) heard only A, and everything it said went to A.
    expect(echoedTags(peer)).toEqual([...Array(20).keys()]);
    expect(stray.received).toEqual([]);
    expect(ended.quality?.rtp.foreignSource).toBe(25);
    expect(ended.quality?.callerFrames).toBe(20);
    expect(inbox.messages.some((m) => m.type === 'call.event' && m.callId === 'strict' && m.event.kind === 'media-latched')).toBe(false);
  });

  it('behind NAT (unroutable SDP address, INVITE from elsewhere) latches to the signalling IP on any port, drops other IPs, and sends nothing before', async () => {
    // 0.0.0.0 is as unreachable for the rule as a private address, but what is sent there stays on
    // this machine (Linux delivers it locally), so the test can watch the SDP address for leaks.
    const sdpAddress = await openCaller();
    const natted = await openCaller(); // the NAT's public side: the signalling IP, another port
    const intruder = await TestCaller.open('127.0.0.2'); // another IP
    callers.push(intruder);
    const remote = remoteFor(sdpAddress.port, { address: '0.0.0.0', signalAddress: '127.0.0.1' });
    const ready = await pool.startCall({ callId: 'nat', direction: 'inbound', remote, agent: null, providers: {} });
    pool.send('nat', { type: 'call.answered' });
    intruder.send(ready.local.port, { seq: 1, ts: 0, ssrc: 99, payload: taggedFrame(999) });
    await sleep(100); // five clock slots in which a strict call would already send comfort silence
    for (let i = 0; i < 20; i++) {
      natted.send(ready.local.port, { seq: 100 + i, ts: i * 160, payload: taggedFrame(i) });
      if (i >= 5) intruder.send(ready.local.port, { seq: 7000 + i, ts: i * 160, ssrc: 99, payload: taggedFrame(1000 + i) });
      if (i === 10) pool.send('nat', { type: 'call.remote-sdp', remote }); // a session refresh: same address, the latch stays
      await sleep(20);
    }
    await waitFor(() => echoedTags(natted).length === 20);
    pool.send('nat', { type: 'call.stop', reason: 'done' });
    const ended = await inbox.ended('nat');

    expect(echoedTags(natted)).toEqual([...Array(20).keys()]);
    expect(intruder.received).toEqual([]);
    expect(ended.quality?.rtp.foreignSource).toBe(16);
    const latched = inbox.messages.filter((m) => m.type === 'call.event' && m.callId === 'nat' && m.event.kind === 'media-latched');
    expect(latched).toEqual([{ type: 'call.event', callId: 'nat', event: { kind: 'media-latched', address: '127.0.0.1', port: natted.port } }]);
    // Every packet the call sent reached the NAT'd peer: none went to the SDP address before the latch.
    await waitFor(() => natted.received.length >= (ended.quality?.rtp.packetsSent ?? 0));
    expect(natted.received.length).toBe(ended.quality?.rtp.packetsSent);
    expect(sdpAddress.received).toEqual([]);
  });

  it('counts and drops truncated, oversized and non-RTP datagrams without ending the call', async () => {
    const caller = await openCaller();
    const ready = await pool.startCall({ callId: 'garbage', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {} });
    caller.sendRaw(ready.local.port, new Uint8Array([0x80, 0x00, 0x01]));
    caller.sendRaw(ready.local.port, new Uint8Array(1600).fill(0x80));
    caller.sendRaw(ready.local.port, Buffer.from('INVITE sip:x SIP/2.0\r\n\r\n'));
    caller.send(ready.local.port, { seq: 1, ts: 0, pt: 18, payload: new Uint8Array(20) }); // G.729, not negotiated
    caller.send(ready.local.port, { seq: 2, ts: 160, payload: taggedFrame(7) });
    await waitFor(() => echoedTags(caller).includes(7));
    pool.send('garbage', { type: 'call.stop', reason: 'done' });
    const ended = await inbox.ended('garbage');
    expect(ended.quality?.rtp.malformed).toBe(3);
    expect(ended.quality?.rtp.unexpectedPayloadType).toBe(1);
    expect(ended.quality?.rtp.packetsReceived).toBe(1);
  });

  it('keeps delivering when the caller changes SSRC and sequence base (transfer at the far end)', async () => {
    const caller = await openCaller();
    const ready = await pool.startCall({ callId: 'ssrc', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {} });
    for (let i = 0; i < 6; i++) caller.send(ready.local.port, { seq: 100 + i, ts: i * 160, ssrc: 0x1111, payload: taggedFrame(i) });
    for (let i = 6; i < 12; i++) caller.send(ready.local.port, { seq: 40000 + i, ts: 999_999 + i * 160, ssrc: 0x2222, payload: taggedFrame(i) });
    await waitFor(() => echoedTags(caller).length === 12);
    pool.send('ssrc', { type: 'call.stop', reason: 'done' });
    const ended = await inbox.ended('ssrc');
    expect(echoedTags(caller)).toEqual([...Array(12).keys()]);
    expect(ended.quality?.rtp.ssrcChanges).toBe(1);
    expect(ended.quality?.rtp.packetsLost).toBe(0);
  });

  it('reports RFC 4733 digits once per key press', async () => {
    const caller = await openCaller();
    const ready = await pool.startCall({ callId: 'dtmf', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {} });
    const event = (seq: number, ts: number, code: number, end: boolean, duration: number): void =>
      caller.send(ready.local.port, { seq, ts, pt: 101, marker: seq === 1, payload: new Uint8Array([code, end ? 0x80 : 0, duration >> 8, duration & 0xff]) });
    event(1, 8000, 5, false, 160);
    event(2, 8000, 5, false, 320);
    event(3, 8000, 5, true, 480);
    event(4, 8000, 5, true, 480); // retransmitted end
    event(5, 9600, 11, true, 480);
    await waitFor(() => inbox.messages.filter((m) => m.type === 'call.event' && m.callId === 'dtmf' && m.event.kind === 'dtmf').length === 2);
    pool.send('dtmf', { type: 'call.stop', reason: 'done' });
    const ended = await inbox.ended('dtmf');
    const digits = inbox.messages.flatMap((m) => (m.type === 'call.event' && m.callId === 'dtmf' && m.event.kind === 'dtmf' ? [m.event.digit] : []));
    expect(digits).toEqual(['5', '#']);
    expect(ended.quality?.dtmfDigits).toBe(2);
  });

  it('ends a call whose RTP stops with reason no-media', async () => {
    const caller = await openCaller();
    const ready = await pool.startCall({ callId: 'silent', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {}, media: { noMediaTimeoutMs: 300 } });
    pool.send('silent', { type: 'call.answered' });
    caller.send(ready.local.port, { seq: 1, ts: 0, payload: taggedFrame(1) });
    const ended = await inbox.ended('silent');
    expect(ended.reason).toBe('no-media');
    expect(pool.workerOf('silent')).toBeUndefined();
  });

  it('writes a stereo recording and reports it in call.ended', async () => {
    const caller = await openCaller();
    const ready = await pool.startCall({ callId: 'rec/1', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {}, media: { record: true } });
    for (let i = 0; i < 25; i++) {
      caller.send(ready.local.port, { seq: i, ts: i * 160, payload: taggedFrame(i) });
      await sleep(20);
    }
    pool.send('rec/1', { type: 'call.stop', reason: 'done' });
    const ended = await inbox.ended('rec/1');
    expect(ended.recording).not.toBeNull();
    const path = ended.recording!.path;
    expect(path.startsWith(recordingDir)).toBe(true);
    expect(existsSync(path)).toBe(true);
    // A phone conversation: only the engine's user may read it, or list the directory.
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(recordingDir).mode & 0o777).toBe(0o700);
    // 8 kHz × 2 channels × 2 bytes: at least ~0.4 s of audio plus the 44-byte header.
    expect(statSync(path).size).toBeGreaterThan(44 + 0.4 * 32000);
    expect(ended.recording!.durationMs).toBeGreaterThan(400);
    const wav = readFileSync(path);
    expect(readWavHeader(wav)).toMatchObject({ channels: 2, sampleRate: 8000, bitsPerSample: 16, dataSize: wav.length - 44 });
    // The caller's 25 frames (µ-law 0x55, non-silent) on the left; the echo of them on the right.
    const voiced = [0, 0];
    for (let o = 44; o + 4 <= wav.length; o += 4) {
      if (wav.readInt16LE(o) !== 0) voiced[0]++;
      if (wav.readInt16LE(o + 2) !== 0) voiced[1]++;
    }
    expect(voiced[0]).toBeGreaterThan(20 * 160);
    expect(voiced[1]).toBeGreaterThan(20 * 160);
  });

  it('routes control messages to the logic and answers unknown calls with false', async () => {
    const caller = await openCaller();
    await pool.startCall({ callId: 'ctl', direction: 'inbound', remote: remoteFor(caller.port), agent: { any: 'config' }, providers: {} });
    pool.send('ctl', { type: 'call.control', control: { kind: 'say', content: 'hello there', endAfter: false } });
    pool.send('ctl', { type: 'call.control', control: { kind: 'end-call' } });
    await waitFor(() => inbox.messages.some((m) => m.type === 'call.hangup-request' && m.callId === 'ctl'));
    expect(inbox.messages).toContainEqual({ type: 'call.event', callId: 'ctl', event: { kind: 'transcript', role: 'assistant', text: 'hello there', final: true } });
    expect(pool.send('nope', { type: 'call.answered' })).toBe(false);
    pool.send('ctl', { type: 'call.stop', reason: 'done' });
    await inbox.ended('ctl');
    await expect(pool.startCall({ callId: 'bad', direction: 'inbound', remote: remoteFor(0, { address: 'not-an-ip' }), agent: null, providers: {} })).rejects.toMatchObject({ code: 'media/bad-request' });
  });
});

describe('media pool failure handling', () => {
  it('reports media/ports-exhausted when a worker has no free pair', async () => {
    const range = await freePortBlock(2);
    const pool = await MediaPool.start({ workers: 1, portRange: range, bindAddress: '127.0.0.1' });
    try {
      const caller = await openCaller();
      await pool.startCall({ callId: 'one', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {} });
      const err = await pool.startCall({ callId: 'two', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MediaStartError);
      expect((err as MediaStartError).code).toBe('media/ports-exhausted');
    } finally {
      await pool.stop();
    }
  });

  it('reports the calls of a crashed worker as ended with an error, and replaces the worker', async () => {
    const pool = await MediaPool.start({
      workers: 1,
      portRange: await freePortBlock(20),
      bindAddress: '127.0.0.1',
      logicModule: new URL('./integration-fixtures/crash-logic.ts', import.meta.url),
    });
    const inbox = new Inbox(pool);
    const exits: number[] = [];
    pool.on('worker-exit', (e) => exits.push(e.exitCode));
    try {
      const caller = await openCaller();
      await pool.startCall({ callId: 'doomed', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {} });
      await pool.startCall({ callId: 'doomed-too', direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {} });
      pool.send('doomed', { type: 'call.control', control: { kind: 'say', content: 'crash', endAfter: false } });
      const ended = await inbox.ended('doomed');
      expect(ended).toMatchObject({ reason: 'error', error: { code: 'media/worker-died' } });
      expect(ended.error?.message).toMatch(/simulated crash/);
      expect((await inbox.ended('doomed-too')).reason).toBe('error');

      // The replacement serves the next call, end to end.
      const next = await retryStart(pool, 'after', caller.port);
      caller.send(next.local.port, { seq: 1, ts: 0, payload: taggedFrame(42) });
      await waitFor(() => echoedTags(caller).includes(42));

      // process.exit inside the worker is a death too.
      pool.send('after', { type: 'call.control', control: { kind: 'say', content: 'exit', endAfter: false } });
      expect((await inbox.ended('after')).error?.code).toBe('media/worker-died');
      expect(exits).toEqual([1, 7]);
      await retryStart(pool, 'after-exit', caller.port);
    } finally {
      await pool.stop();
    }
  });
});

describe('media pool restarted while the callers of its dead calls keep streaming (kill -9, issue #8)', () => {
  it('gives new calls ports nobody else sends to, and each new call hears and answers only its own caller', async () => {
    const range = await freePortBlock(32); // 16 pairs in one worker: without care a restart reuses the same ones
    const options = { workers: 1, portRange: range, bindAddress: '127.0.0.1', portReuse: { spares: 3, spareQuietMs: 200 } };
    const oldCallers = await Promise.all([StrayStream.open(), StrayStream.open(), StrayStream.open()]);
    const before = await MediaPool.start(options);
    const oldPorts: number[] = [];
    for (const [i, old] of oldCallers.entries()) {
      const ready = await before.startCall({ callId: `old-${i}`, direction: 'inbound', remote: remoteFor(old.port), agent: null, providers: {} });
      oldPorts.push(ready.local.port);
    }
    await before.stop(); // the engine is gone; its callers got no BYE and keep sending
    try {
      oldCallers.forEach((old, i) => old.stream([oldPorts[i]]));
      await Promise.all(oldCallers.map((old) => old.sent(5)));
      for (const old of oldCallers) old.received = 0;

      const after = await MediaPool.start(options);
      try {
        const inbox = new Inbox(after);
        await until(async () => (await after.health()).workers[0]?.ports.sparesReady >= 3);
        const calls = await Promise.all([0, 1, 2].map(async (k) => {
          const caller = await openCaller();
          const ready = await after.startCall({ callId: `new-${k}`, direction: 'inbound', remote: remoteFor(caller.port), agent: null, providers: {} });
          return { k, caller, port: ready.local.port };
        }));
        for (let i = 0; i < 20; i++) {
          for (const { k, caller, port } of calls) caller.send(port, { seq: i, ts: i * 160, payload: taggedFrame(k * 100 + i) });
          await sleep(20);
        }
        await waitFor(() => calls.every(({ caller }) => echoedTags(caller).length === 20)).catch(() => undefined); // asserted below
        for (const { k } of calls) after.send(`new-${k}`, { type: 'call.stop', reason: 'done' });
        const ended = await Promise.all(calls.map(({ k }) => inbox.ended(`new-${k}`)));

        // Each new caller hears itself (the echo logic: what the call logic heard), and only itself;
        // the old callers hear nothing of the new calls.
        for (const { k, caller } of calls) expect(echoedTags(caller)).toEqual([...Array(20).keys()].map((i) => k * 100 + i));
        expect(oldCallers.map((old) => old.received)).toEqual([0, 0, 0]);
        // And no new call even sits on a port an old caller streams to.
        for (const e of ended) expect(e.quality?.rtp.foreignSource).toBe(0);
        expect(calls.map((c) => c.port).filter((p) => oldPorts.includes(p))).toEqual([]);
      } finally {
        await after.stop();
      }
    } finally {
      for (const old of oldCallers) old.stop();
    }
  });
});

/** Polls an asynchronous condition (pool health answers through the worker). */
async function until(cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('until timed out');
    await sleep(20);
  }
}

/** The replacement worker takes a moment to load: retry while no worker is available. */
async function retryStart(pool: MediaPool, callId: string, port: number): Promise<{ local: { port: number } }> {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      return await pool.startCall({ callId, direction: 'inbound', remote: remoteFor(port), agent: null, providers: {} });
    } catch (err) {
      if (Date.now() > end || (err as MediaStartError).code !== 'media/start-error') throw err;
      await sleep(50);
    }
  }
}
