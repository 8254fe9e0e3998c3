import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { PortAllocator, PortsExhaustedError, evenPortsIn, splitPortRange, type PortPair } from '../../media/ports.js';
import { freePortBlock as freeBlock } from './integration-fixtures/caller.js';

const pairs: PortPair[] = [];
afterEach(() => {
  for (const p of pairs.splice(0)) p.release();
});

describe('PortAllocator', () => {
  it('hands out even RTP ports with RTCP on +1, both bound', async () => {
    const range = await freeBlock(6);
    const alloc = new PortAllocator({ range, bindAddress: '127.0.0.1' });
    const pair = await alloc.allocate();
    pairs.push(pair);
    expect(pair.rtpPort % 2).toBe(0);
    expect(pair.rtcpPort).toBe(pair.rtpPort + 1);
    expect(pair.rtp.address().port).toBe(pair.rtpPort);
    expect(pair.rtcp.address().port).toBe(pair.rtcpPort);
    expect(pair.rtpPort).toBeGreaterThanOrEqual(range.min);
    expect(pair.rtcpPort).toBeLessThanOrEqual(range.max);
  });

  it('rejects with media/ports-exhausted when the range is used up, and reuses returned ports', async () => {
    const range = await freeBlock(4);
    const alloc = new PortAllocator({ range, bindAddress: '127.0.0.1' });
    const a = await alloc.allocate();
    const b = await alloc.allocate();
    pairs.push(a, b);
    expect(new Set([a.rtpPort, b.rtpPort]).size).toBe(2);
    const err = await alloc.allocate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortsExhaustedError);
    expect((err as PortsExhaustedError).code).toBe('media/ports-exhausted');

    a.release();
    a.release(); // idempotent
    expect(alloc.used).toBe(1);
    const c = await alloc.allocate();
    pairs.push(c);
    expect(c.rtpPort).toBe(a.rtpPort);
  });

  it('skips a port pair the OS refuses because another process holds it', async () => {
    const range = await freeBlock(4);
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(range.min + 1, '127.0.0.1', () => resolve()));
    try {
      const alloc = new PortAllocator({ range, bindAddress: '127.0.0.1' });
      const pair = await alloc.allocate();
      pairs.push(pair);
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
    const alloc = new PortAllocator({ range, bindAddress: '127.0.0.1' });
    const got = await Promise.all([alloc.allocate(), alloc.allocate(), alloc.allocate()]);
    pairs.push(...got);
    expect(new Set(got.map((p) => p.rtpPort)).size).toBe(3);
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
