import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { PortAllocator, PortsExhaustedError, evenPortsIn, splitPortRange, type PortAllocatorOptions, type PortPair } from '../../media/ports.js';
import { sleep, waitFor } from './integration-fixtures/caller.js';
import { freePortBlock as freeBlock } from '../helpers/ports.js';
import { StrayStream, canBind } from './integration-fixtures/stray.js';

const pairs: PortPair[] = [];
const allocators: PortAllocator[] = [];
const strays: StrayStream[] = [];
afterEach(() => {
  for (const p of pairs.splice(0)) p.release();
  for (const a of allocators.splice(0)) a.close();
  for (const s of strays.splice(0)) s.stop();
});

/** An allocator closed after the test; without spares or quarantine unless asked (the plain cases). */
function allocator(options: PortAllocatorOptions): PortAllocator {
  const a = new PortAllocator({ bindAddress: '127.0.0.1', spares: 0, quarantineMs: 0, ...options });
  allocators.push(a);
  return a;
}

async function take(a: PortAllocator): Promise<PortPair> {
  const pair = await a.allocate();
  pairs.push(pair);
  return pair;
}

describe('PortAllocator', () => {
  it('hands out even RTP ports with RTCP on +1, both bound', async () => {
    const range = await freeBlock(6);
    const alloc = new PortAllocator({ range, bindAddress: '127.0.0.1' });
    const pair = await take(alloc);
    expect(pair.rtpPort % 2).toBe(0);
    expect(pair.rtcpPort).toBe(pair.rtpPort + 1);
    expect(pair.rtp.address().port).toBe(pair.rtpPort);
    expect(pair.rtcp.address().port).toBe(pair.rtcpPort);
    expect(pair.rtpPort).toBeGreaterThanOrEqual(range.min);
    expect(pair.rtcpPort).toBeLessThanOrEqual(range.max);
  });

  it('rejects with media/ports-exhausted when the range is used up, and reuses returned ports', async () => {
    const range = await freeBlock(4);
    const alloc = allocator({ range }); // no quarantine: a returned pair is free at once
    const a = await take(alloc);
    const b = await take(alloc);
    expect(new Set([a.rtpPort, b.rtpPort]).size).toBe(2);
    const err = await alloc.allocate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortsExhaustedError);
    expect((err as PortsExhaustedError).code).toBe('media/ports-exhausted');

    a.release();
    a.release(); // idempotent
    expect(alloc.used).toBe(1);
    const c = await take(alloc);
    expect(c.rtpPort).toBe(a.rtpPort);
  });

  it('skips a port pair the OS refuses because another process holds it', async () => {
    const range = await freeBlock(4);
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(range.min + 1, '127.0.0.1', () => resolve()));
    try {
      const alloc = allocator({ range });
      const pair = await take(alloc);
      expect(pair.rtpPort).toBe(range.min + 2);
      await expect(alloc.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
      // The RTP half of the refused pair was closed again: the port is bindable.
      const probe = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(range.min, '127.0.0.1', () => resolve());
      });
      probe.close();
    } finally {
      squatter.close();
    }
  });

  it('serves concurrent allocations without handing a port out twice', async () => {
    const range = await freeBlock(10);
    const alloc = allocator({ range });
    const got = await Promise.all([alloc.allocate(), alloc.allocate(), alloc.allocate()]);
    pairs.push(...got);
    expect(new Set(got.map((p) => p.rtpPort)).size).toBe(3);
  });
});

describe('PortAllocator: no port is handed out while it still receives a dead call\'s stream (RTP bleed)', () => {
  it('starts each allocator at a random pair, so a restarted worker does not reuse the dead one\'s first ports', async () => {
    const range = await freeBlock(100); // 50 pairs
    const first: number[] = [];
    for (let i = 0; i < 20; i++) {
      const a = allocator({ range });
      const pair = await a.allocate();
      first.push(pair.rtpPort);
      pair.release();
      a.close();
    }
    // Uniform starts give ~17 distinct ports out of 20; fewer than 5 has probability < 1e-12.
    expect(new Set(first).size).toBeGreaterThanOrEqual(5);
  });

  it('keeps a released pair bound in quarantine: not handed out again until the quarantine ends', async () => {
    const range = await freeBlock(6); // 3 pairs
    const a = allocator({ range, quarantineMs: 400, spareQuietMs: 60_000 });
    const first = await a.allocate();
    first.release();
    // Still bound and listening: nobody else can take the port meanwhile.
    expect(await canBind(first.rtpPort)).toBe(false);
    const others = [await take(a), await take(a)];
    expect(others.map((p) => p.rtpPort)).not.toContain(first.rtpPort);
    await expect(a.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
    expect(a.stats()).toMatchObject({ used: 2, quarantined: 1, heldSockets: 2 });

    await waitFor(() => a.stats().quarantined === 0, 5000);
    expect((await take(a)).rtpPort).toBe(first.rtpPort);
  });

  it('never hands out a released port while packets keep arriving on it, and frees it once they stop', async () => {
    const range = await freeBlock(4); // 2 pairs: without quarantine the old port would be next
    const a = allocator({ range, quarantineMs: 250, spareQuietMs: 100 });
    const old = await a.allocate();
    const stray = await StrayStream.aimAt([old.rtpPort]);
    strays.push(stray);
    old.release();
    const handedOut: number[] = [];
    const until = performance.now() + 1200; // almost five quarantine periods
    while (performance.now() < until) {
      const pair = await a.allocate().catch(() => null);
      if (pair) {
        handedOut.push(pair.rtpPort);
        pair.release();
      }
      await sleep(30);
    }
    expect(handedOut.length).toBeGreaterThan(5);
    expect(handedOut).not.toContain(old.rtpPort);
    expect(a.stats().strayPackets).toBeGreaterThan(20);

    stray.stop();
    let reused = false;
    const end = performance.now() + 5000;
    while (!reused && performance.now() < end) {
      const pair = await a.allocate().catch(() => null);
      reused = pair?.rtpPort === old.rtpPort;
      pair?.release();
      await sleep(30);
    }
    expect(reused).toBe(true);
  });

  it('after a restart, hands out a spare only once it has been silent, never a port a stray stream hits', async () => {
    const range = await freeBlock(16); // 8 pairs; strays hit all but one
    const silent = range.min + 10;
    const targets: number[] = [];
    for (let port = range.min; port < range.max; port += 2) if (port !== silent) targets.push(port);
    const stray = await StrayStream.aimAt(targets);
    strays.push(stray);
    await stray.sent(3 * targets.length); // the "old calls" stream before the engine comes back
    const a = allocator({ range, spares: 2, spareQuietMs: 150, quarantineMs: 15_000 });
    await waitFor(() => a.stats().sparesReady >= 1, 5000);
    const pair = await take(a);
    expect(pair.rtpPort).toBe(silent);
    const stats = a.stats();
    expect(stats.busySpares).toBeGreaterThanOrEqual(1); // at most one of the two spares can be silent
    expect(stats.quarantined).toBe(stats.busySpares);
    expect(stats.spares + stats.quarantined).toBeLessThanOrEqual(7);
  });

  it('bounds held sockets: at most maxQuarantined pairs, closing the quietest first', async () => {
    const range = await freeBlock(12);
    const a = allocator({ range, quarantineMs: 60_000, maxQuarantined: 2 });
    const [p1, p2, p3] = [await a.allocate(), await a.allocate(), await a.allocate()];
    p1.release();
    await sleep(5);
    p2.release();
    p3.release();
    expect(a.stats()).toMatchObject({ quarantined: 2, heldSockets: 4 });
    expect(await canBind(p1.rtpPort)).toBe(true);
    expect(await canBind(p2.rtpPort)).toBe(false);
    expect(await canBind(p3.rtpPort)).toBe(false);
    const next = await take(a);
    expect([p1.rtpPort, p2.rtpPort, p3.rtpPort]).not.toContain(next.rtpPort); // p1's quarantine is remembered
  });

  it('keeps the default number of spares: min(8, pairs / 8)', async () => {
    const small = allocator({ range: await freeBlock(20), spares: undefined });
    const big = allocator({ range: await freeBlock(200), spares: undefined });
    await waitFor(() => big.stats().spares === 8 && small.stats().spares === 1, 5000);
    expect(big.stats().heldSockets).toBe(16);
    expect(small.stats().heldSockets).toBe(2);
  });
});

describe('splitPortRange', () => {
  it('gives each worker a disjoint slice of whole pairs covering the range', () => {
    const slices = splitPortRange({ min: 10000, max: 20000 }, 3);
    expect(slices).toHaveLength(3);
    let total = 0;
    for (let i = 0; i < slices.length; i++) {
      expect(slices[i].min % 2).toBe(0);
      expect(slices[i].max % 2).toBe(1);
      if (i > 0) expect(slices[i].min).toBe(slices[i - 1].max + 1);
      total += evenPortsIn(slices[i]);
    }
    expect(slices[0].min).toBe(10000);
    expect(total).toBe(evenPortsIn({ min: 10000, max: 20000 }));
  });

  it('refuses a range too small for the workers', () => {
    expect(() => splitPortRange({ min: 10000, max: 10003 }, 3)).toThrow(/invalid RTP port range/);
  });
});
