import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_SIZE, SipStreamFramer, type FramerEvent } from '../../../sip/message/index.js';

const wsinv = readFileSync(fileURLToPath(new URL('../torture/wsinv.dat', import.meta.url)));
const options = (n: number): Buffer =>
  Buffer.from(
    `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK${n}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n` +
      `Call-ID: c${n}\r\nCSeq: ${n} OPTIONS\r\nContent-Length: 3\r\n\r\nabc`,
  );
const types = (events: FramerEvent[]): string[] => events.map((e) => e.type);

describe('SipStreamFramer', () => {
  it('frames several messages in one chunk and one message over many chunks', () => {
    const f = new SipStreamFramer();
    expect(types(f.push(Buffer.concat([options(1), options(2), wsinv])))).toEqual(['message', 'message', 'message']);
    const events: FramerEvent[] = [];
    for (const byte of options(3)) events.push(...f.push(Buffer.from([byte])));
    expect(types(events)).toEqual(['message']);
    const m = events[0].type === 'message' ? events[0].message : undefined;
    expect(m?.body.toString()).toBe('abc');
    expect(f.pendingBytes).toBe(0);
  });

  it('reports RFC 5626 pings and pongs between messages', () => {
    const f = new SipStreamFramer();
    expect(types(f.push(Buffer.from('\r\n\r\n')))).toEqual(['ping']);
    expect(types(f.push(Buffer.from('\r\n')))).toEqual(['pong']);
    expect(types(f.push(Buffer.concat([Buffer.from('\r\n\r\n'), options(4)])))).toEqual(['ping', 'message']);
  });

  it('reports an invalid but well-framed message without closing', () => {
    const f = new SipStreamFramer();
    const bad = Buffer.from(options(5).toString().replace('CSeq: 5 OPTIONS', 'CSeq: 5 BYE'));
    const events = f.push(Buffer.concat([bad, options(6)]));
    expect(types(events)).toEqual(['invalid', 'message']);
    expect(f.closed).toBe(false);
  });

  it('closes on a missing Content-Length', () => {
    const f = new SipStreamFramer();
    const events = f.push(Buffer.from(options(7).toString().replace('Content-Length: 3\r\n', '')));
    expect(events).toEqual([expect.objectContaining({ type: 'error', code: 'missing-content-length' })]);
    expect(f.closed).toBe(true);
    expect(f.push(options(8))).toEqual([]);
  });

  it('never buffers more than the size limit', () => {
    const f = new SipStreamFramer();
    const huge = Buffer.from(options(9).toString().replace('Content-Length: 3', 'Content-Length: 99999999'));
    expect(f.push(huge)).toEqual([expect.objectContaining({ code: 'message-too-large' })]);
    const g = new SipStreamFramer();
    const endless = Buffer.alloc(MAX_MESSAGE_SIZE * 3, 0x61);
    expect(g.push(endless)).toEqual([expect.objectContaining({ code: 'headers-too-large' })]);
    expect(g.pendingBytes).toBe(0);
  });

  it('scans each byte once when a header section trickles in', () => {
    const f = new SipStreamFramer();
    const head = Buffer.from('INVITE sip:a@b SIP/2.0\r\nX-Long: ' + 'a'.repeat(60000));
    const t0 = performance.now();
    for (let i = 0; i < head.length; i += 7) f.push(head.subarray(i, i + 7));
    expect(performance.now() - t0).toBeLessThan(2000); // quadratic rescans would take far longer
    expect(f.pendingBytes).toBe(head.length);
  });
});
