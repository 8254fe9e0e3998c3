import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaPool,
  isMainToWorker,
  isWorkerToMain,
  type MainToWorker,
  type RemoteMedia,
  type WorkerToMain,
} from '../../media/index.js';
import { TestCaller, sleep, tagOf, taggedFrame, waitFor } from './integration-fixtures/caller.js';
import { freePortBlock } from '../helpers/ports.js';

const remote: RemoteMedia = { address: '192.0.2.10', port: 40000, rtcpPort: 40001, payloadType: 0, codec: 'PCMU', clockRate: 8000, ptime: 20, telephoneEventPt: 101, direction: 'sendrecv' };

const mainToWorker: MainToWorker[] = [
  { type: 'call.start', callId: 'c', direction: 'inbound', remote, agent: { prompt: 'hi', tools: [{ name: 't' }] }, providers: { openai: { apiKey: 'k', baseUrl: 'http://x' } }, media: { record: true, noMediaTimeoutMs: 1000 } },
  { type: 'call.answered', callId: 'c' },
  { type: 'call.remote-sdp', callId: 'c', remote: { ...remote, direction: 'sendonly' } },
  { type: 'call.control', callId: 'c', control: { kind: 'say', content: 'x', endAfter: true } },
  { type: 'call.control', callId: 'c', control: { kind: 'inject-context', content: 'y', triggerResponse: false } },
  { type: 'call.control', callId: 'c', control: { kind: 'end-call', message: 'bye' } },
  { type: 'call.tool-result', callId: 'c', toolCallId: 't1', result: { ok: [1, 2] } },
  { type: 'call.bridge', callId: 'c', peerCallId: 'd' },
  { type: 'call.unbridge', callId: 'c' },
  { type: 'call.stop', callId: 'c', reason: 'caller-bye' },
];

const workerToMain: WorkerToMain[] = [
  { type: 'call.ready', callId: 'c', local: { bindAddress: '0.0.0.0', port: 10000, rtcpPort: 10001 } },
  { type: 'call.start-failed', callId: 'c', code: 'media/ports-exhausted', message: 'none left' },
  { type: 'call.event', callId: 'c', event: { kind: 'transcript', role: 'user', text: 'hello', final: true } },
  { type: 'call.event', callId: 'c', event: { kind: 'latency', mark: 'first-audio-sent', atMs: 12.5, sinceMs: 300 } },
  { type: 'call.tool-call', callId: 'c', toolCallId: 't1', name: 'lookup', arguments: { q: 'x' } },
  { type: 'call.hangup-request', callId: 'c', reason: 'agent' },
  { type: 'call.transfer-request', callId: 'c', destination: 'sip:a@b', message: 'one moment' },
  { type: 'call.ended', callId: 'c', reason: 'no-media', usage: { inputTokens: 3 }, quality: null, recording: { path: '/r/c.wav', durationMs: 10 }, messages: [{ role: 'user', content: 'hi', atMs: 5 }] },
];

describe('protocol', () => {
  it('survives the thread boundary (structured clone) unchanged, and the guards tell the directions apart', () => {
    for (const msg of mainToWorker) {
      const copy = structuredClone(msg);
      expect(copy).toEqual(msg);
      expect(isMainToWorker(copy)).toBe(true);
      expect(isWorkerToMain(copy)).toBe(false);
    }
    for (const msg of workerToMain) {
      const copy = structuredClone(msg);
      expect(copy).toEqual(msg);
      expect(isWorkerToMain(copy)).toBe(true);
      expect(isMainToWorker(copy)).toBe(false);
    }
  });

  it('rejects messages without a type or call id', () => {
    for (const bad of [null, 'call.start', { type: 'call.start' }, { type: 'call.start', callId: '' }, { type: 'call.nope', callId: 'x' }, { type: 'worker.health', requestId: 1 }]) {
      expect(isMainToWorker(bad)).toBe(false);
      expect(isWorkerToMain(bad)).toBe(false);
    }
  });
});

describe('MediaPool', () => {
  let pool: MediaPool;
  const messages: WorkerToMain[] = [];
  const callers: TestCaller[] = [];

  beforeAll(async () => {
    pool = await MediaPool.start({ workers: 2, portRange: await freePortBlock(20), bindAddress: '127.0.0.1' });
    pool.on('message', (m) => messages.push(m));
  });

  afterAll(async () => {
    await pool?.stop();
    for (const c of callers) c.close();
  });

  async function call(callId: string, colocateWith?: string): Promise<{ caller: TestCaller; port: number }> {
    const caller = await TestCaller.open();
    callers.push(caller);
    const ready = await pool.startCall({ callId, direction: 'inbound', remote: { ...remote, address: '127.0.0.1', port: caller.port }, agent: null, providers: {}, colocateWith });
    return { caller, port: ready.local.port };
  }

  it('spreads calls over the least-loaded workers and splits the port range between them', async () => {
    const a = await call('spread-a');
    const b = await call('spread-b');
    expect(pool.workerOf('spread-a')).not.toBe(pool.workerOf('spread-b'));
    const health = await pool.health();
    expect(health.workers).toHaveLength(2);
    expect(health.calls).toBe(2);
    expect(health.workers.map((w) => w.calls)).toEqual([1, 1]);
    expect(health.workers.map((w) => w.portsCapacity)).toEqual([5, 5]);
    expect(Math.abs(a.port - b.port)).toBeGreaterThanOrEqual(2);
    pool.send('spread-a', { type: 'call.stop', reason: 'done' });
    pool.send('spread-b', { type: 'call.stop', reason: 'done' });
    await waitFor(() => pool.activeCalls === 0);
  });

  it('bridges two calls in one worker both ways, then hands audio back to the logic', async () => {
    const a = await call('leg-a');
    const b = await call('leg-b', 'leg-a');
    expect(pool.workerOf('leg-b')).toBe(pool.workerOf('leg-a'));
    pool.send('leg-a', { type: 'call.bridge', peerCallId: 'leg-b' });
    await sleep(30);
    for (let i = 0; i < 5; i++) {
      a.caller.send(a.port, { seq: i, ts: i * 160, payload: taggedFrame(100 + i) });
      b.caller.send(b.port, { seq: i, ts: i * 160, payload: taggedFrame(200 + i) });
      await sleep(20);
    }
    await sleep(150);
    const tags = (c: TestCaller): number[] => c.received.filter((r) => r.payload[2] !== 0xff).map((r) => tagOf(r.payload));
    expect(tags(b.caller)).toEqual([100, 101, 102, 103, 104]);
    expect(tags(a.caller)).toEqual([200, 201, 202, 203, 204]);

    pool.send('leg-b', { type: 'call.unbridge' });
    await sleep(30);
    a.caller.send(a.port, { seq: 10, ts: 1600, payload: taggedFrame(300) });
    await waitFor(() => tags(a.caller).includes(300));
    expect(tags(b.caller)).not.toContain(300);
    pool.send('leg-a', { type: 'call.stop', reason: 'done' });
    pool.send('leg-b', { type: 'call.stop', reason: 'done' });
    await waitFor(() => pool.activeCalls === 0);
  });

  it('stop() ends live calls with reason stopped/shutdown', async () => {
    const local = await MediaPool.start({ workers: 1, portRange: await freePortBlock(4), bindAddress: '127.0.0.1' });
    const seen: WorkerToMain[] = [];
    local.on('message', (m) => seen.push(m));
    await local.startCall({ callId: 'live', direction: 'inbound', remote: { ...remote, address: '127.0.0.1' }, agent: null, providers: {} });
    await local.stop();
    expect(seen.find((m) => m.type === 'call.ended')).toMatchObject({ callId: 'live', reason: 'stopped', stopReason: 'shutdown' });
    await expect(local.startCall({ callId: 'late', direction: 'inbound', remote, agent: null, providers: {} })).rejects.toMatchObject({ code: 'media/start-error' });
  });

  it('fails to start with a clear error when the logic module cannot be loaded', async () => {
    await expect(
      MediaPool.start({ workers: 1, portRange: await freePortBlock(4), logicModule: new URL('./integration-fixtures/missing.ts', import.meta.url) }),
    ).rejects.toThrow(/cannot load call logic module/);
  });
});
