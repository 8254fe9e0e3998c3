import { describe, expect, it } from 'vitest';
import { Latch, SourceLatch } from '../../media/rtp/latch.js';

describe('SourceLatch (RFC 4961 symmetric RTP, RFC 7362 latching)', () => {
  it('accepts the SDP address, and latches once to a NAT source sending the negotiated payload type', () => {
    const latch = new SourceLatch(3000);
    latch.reset('192.0.2.1', 4000, 0, 0);
    expect(latch.check('203.0.113.9', 5555, 101, 10)).toBe(Latch.FOREIGN); // wrong PT never latches
    expect(latch.check('203.0.113.9', 5555, 0, 20)).toBe(Latch.LATCHED);
    expect(latch).toMatchObject({ address: '203.0.113.9', port: 5555, isLocked: true });
    expect(latch.check('203.0.113.9', 5555, 101, 40)).toBe(Latch.ACCEPT);
    expect(latch.check('192.0.2.1', 4000, 0, 60)).toBe(Latch.FOREIGN); // not even the SDP address any more
    expect(latch.check('198.51.100.7', 6000, 0, 80)).toBe(Latch.FOREIGN);
  });

  it('locks to the SDP address when its own audio comes first', () => {
    const latch = new SourceLatch(3000);
    latch.reset('192.0.2.1', 4000, 0, 0);
    expect(latch.check('192.0.2.1', 4000, 0, 5)).toBe(Latch.ACCEPT);
    expect(latch.check('203.0.113.9', 5555, 0, 10)).toBe(Latch.FOREIGN);
  });

  it('stops latching when the window ends, and reopens it for a new remote (re-INVITE)', () => {
    const latch = new SourceLatch(3000);
    latch.reset('192.0.2.1', 4000, 0, 0);
    expect(latch.check('203.0.113.9', 5555, 0, 3001)).toBe(Latch.FOREIGN);
    expect(latch.check('192.0.2.1', 4000, 0, 3002)).toBe(Latch.ACCEPT);
    latch.reset('192.0.2.50', 4100, 8, 10_000);
    expect(latch.check('203.0.113.9', 5600, 8, 10_010)).toBe(Latch.LATCHED);
  });

  it('accepts nothing before any remote is known', () => {
    const latch = new SourceLatch(3000);
    expect(latch.check('192.0.2.1', 4000, 0, 0)).toBe(Latch.FOREIGN);
  });
});
