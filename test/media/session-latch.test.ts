import { describe, expect, it } from 'vitest';
import { isBehindNat } from '../../media/rtp/addresses.js';
import { Latch, SourceLatch } from '../../media/rtp/latch.js';

const PCMU = 0;
const EVENT = 101;

describe('SourceLatch: strict by default (RFC 4961 symmetric RTP, RFC 7362 §5 RTP bleed)', () => {
  it('accepts and sends only to the SDP address and port, whoever sends first', () => {
    const latch = new SourceLatch(3000);
    latch.reset('192.0.2.1', 4000, PCMU, undefined, 0);
    expect(latch.sendable).toBe(true);
    // A dead call's caller still streaming to our port, from another port and from another host.
    expect(latch.check('192.0.2.1', 4002, PCMU, 10)).toBe(Latch.FOREIGN);
    expect(latch.check('198.51.100.7', 4000, PCMU, 20)).toBe(Latch.FOREIGN);
    expect(latch.check('192.0.2.1', 4000, PCMU, 30)).toBe(Latch.ACCEPT);
    expect(latch.check('192.0.2.1', 4000, EVENT, 40)).toBe(Latch.ACCEPT);
    expect(latch).toMatchObject({ address: '192.0.2.1', port: 4000 });
  });

  it('stays strict when the SDP address is public, even if it differs from the signalling source (carrier media gateway)', () => {
    const latch = new SourceLatch(3000);
    latch.reset('198.51.100.20', 30000, PCMU, '198.51.100.5', 0);
    expect(latch.natMode).toBe(false);
    expect(latch.check('198.51.100.5', 30002, PCMU, 10)).toBe(Latch.FOREIGN);
    expect(latch.check('198.51.100.20', 30002, PCMU, 20)).toBe(Latch.FOREIGN);
    expect(latch.check('198.51.100.20', 30000, PCMU, 30)).toBe(Latch.ACCEPT);
  });

  it('accepts nothing before any remote is known', () => {
    const latch = new SourceLatch(3000);
    expect(latch.sendable).toBe(false);
    expect(latch.check('192.0.2.1', 4000, PCMU, 0)).toBe(Latch.FOREIGN);
  });
});

describe('SourceLatch: NAT (private SDP address, INVITE from elsewhere)', () => {
  it('latches once to the signalling IP on any port, on the audio payload type only, and sends nothing before', () => {
    const latch = new SourceLatch(3000);
    latch.reset('192.168.1.20', 4000, PCMU, '203.0.113.9', 0);
    expect(latch.natMode).toBe(true);
    expect(latch.sendable).toBe(false); // 192.168.1.20 is not reachable from here
    expect(latch.check('198.51.100.7', 6000, PCMU, 5)).toBe(Latch.FOREIGN); // another IP never latches
    expect(latch.check('203.0.113.9', 5555, EVENT, 10)).toBe(Latch.FOREIGN); // nor another payload type
    expect(latch.sendable).toBe(false);
    expect(latch.check('203.0.113.9', 5555, PCMU, 20)).toBe(Latch.LATCHED);
    expect(latch).toMatchObject({ address: '203.0.113.9', port: 5555, isLocked: true, sendable: true });
    expect(latch.check('203.0.113.9', 5555, EVENT, 40)).toBe(Latch.ACCEPT);
    // Never re-latched: not another port of the same NAT, not the SDP address.
    expect(latch.check('203.0.113.9', 5557, PCMU, 60)).toBe(Latch.FOREIGN);
    expect(latch.check('192.168.1.20', 4000, PCMU, 80)).toBe(Latch.FOREIGN);
  });

  it('locks to the SDP address when the peer is reachable there after all (same private network)', () => {
    const latch = new SourceLatch(3000);
    latch.reset('10.0.0.5', 4000, PCMU, '10.0.0.1', 0);
    expect(latch.check('10.0.0.5', 4000, PCMU, 5)).toBe(Latch.ACCEPT);
    expect(latch.sendable).toBe(true);
    expect(latch.check('10.0.0.1', 7000, PCMU, 10)).toBe(Latch.FOREIGN);
  });

  it('stops latching when the window ends; a new remote (re-INVITE) re-applies the rule', () => {
    const latch = new SourceLatch(3000);
    latch.reset('192.168.1.20', 4000, PCMU, '203.0.113.9', 0);
    expect(latch.check('203.0.113.9', 5555, PCMU, 3001)).toBe(Latch.FOREIGN);
    expect(latch.sendable).toBe(false);
    latch.reset('100.64.3.4', 4100, 8, '203.0.113.9', 10_000); // CGNAT address, PCMA
    expect(latch.check('203.0.113.9', 5600, PCMU, 10_005)).toBe(Latch.FOREIGN);
    expect(latch.check('203.0.113.9', 5600, 8, 10_010)).toBe(Latch.LATCHED);
    latch.reset('192.0.2.50', 4200, 8, '203.0.113.9', 20_000); // now a public address: strict
    expect(latch.check('203.0.113.9', 5600, 8, 20_010)).toBe(Latch.FOREIGN);
    expect(latch.check('192.0.2.50', 4200, 8, 20_020)).toBe(Latch.ACCEPT);
  });

  it('latches on the new payload type after a codec change on the same address', () => {
    const latch = new SourceLatch(3000);
    latch.reset('192.168.1.20', 4000, PCMU, '203.0.113.9', 0);
    latch.setAudioPayloadType(8);
    expect(latch.check('203.0.113.9', 5555, PCMU, 10)).toBe(Latch.FOREIGN);
    expect(latch.check('203.0.113.9', 5555, 8, 20)).toBe(Latch.LATCHED);
  });
});

describe('isBehindNat', () => {
  it('is true only for a non-public SDP address that differs from the signalling source', () => {
    const signal = '203.0.113.9';
    for (const sdp of ['10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.0.10', '100.64.0.1', '100.127.255.1', '169.254.1.1', '0.0.0.0', '127.0.0.1', 'fd00::1', 'fe80::1', '::ffff:192.168.1.2']) {
      expect(isBehindNat(sdp, signal), sdp).toBe(true);
    }
    for (const sdp of ['172.32.0.1', '100.128.0.1', '192.169.0.1', '8.8.8.8', '2001:db8::1', '203.0.113.9']) {
      expect(isBehindNat(sdp, signal), sdp).toBe(false);
    }
    expect(isBehindNat('192.168.1.2', '192.168.1.2')).toBe(false); // the INVITE came from the SDP host itself
    expect(isBehindNat('127.0.0.1', '127.0.0.1')).toBe(false);
    expect(isBehindNat('127.0.0.5', '127.0.0.1')).toBe(false); // loopback counts only for a non-loopback signalling source
    expect(isBehindNat('192.168.1.2', '::ffff:203.0.113.9')).toBe(true);
    expect(isBehindNat('192.168.1.2', 'not-an-ip')).toBe(false);
  });
});
