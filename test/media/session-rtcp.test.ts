/** RTCP of one RTP session under a fake clock: our SR content, the peer's RR turned into loss/jitter/RTT, BYE on close. */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTime } from '../../media/clock/time.js';
import { PortAllocator } from '../../media/ports.js';
import { ntpMiddle } from '../../media/rtcp/ntp.js';
import { RtcpParse, createRtcpCompound, encodeCname, parseRtcp, writeReport } from '../../media/rtcp/packets.js';
import { RtpSession } from '../../media/rtp/session.js';
import { TestCaller, taggedFrame, waitFor } from './integration-fixtures/caller.js';
import { freePortBlock } from '../helpers/ports.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function rtcpPeer(): Promise<{ socket: Socket; port: number; packets: Buffer[] }> {
  const socket = createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (m) => packets.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  closers.push(() => socket.close());
  return { socket, port: socket.address().port, packets };
}

describe('RTP session RTCP', () => {
  it('sends an SR with a report block, turns the peer RR into loss, jitter and RTT, and says BYE', async () => {
    const time = new FakeTime(50_000);
    const ports = await new PortAllocator({ range: await freePortBlock(2), bindAddress: '127.0.0.1' }).allocate();
    const peer = await TestCaller.open();
    closers.push(() => peer.close());
    const rtcp = await rtcpPeer();
    const heard: number[] = [];
    const session = new RtpSession({
      ports,
      remote: { address: '127.0.0.1', port: peer.port, rtcpPort: rtcp.port, payloadType: 0, codec: 'PCMU', clockRate: 8000, ptime: 20, telephoneEventPt: 101, direction: 'sendrecv' },
      handlers: { onAudio: (p) => heard.push(p[1]), onTelephoneEvent: () => undefined },
      time,
    });
    closers.push(() => session.close());

    for (let i = 0; i < 4; i++) peer.send(ports.rtpPort, { seq: 100 + i, ts: i * 160, ssrc: 0xabc, payload: taggedFrame(i) });
    await waitFor(() => heard.length === 4);
    const frame = new Uint8Array(160).fill(0xff);
    for (let i = 0; i < 10; i++) {
      time.advance(20);
      session.sendFrame(frame, 160, i === 0, time.now());
    }
    time.advance(8000);
    session.tick(time.now());
    await waitFor(() => rtcp.packets.length === 1);

    const parsed = createRtcpCompound();
    expect(parseRtcp(rtcp.packets[0], parsed)).toBe(RtcpParse.OK);
    expect(parsed.hasSr).toBe(true);
    expect(parsed.senderSsrc).toBe(session.ssrc);
    expect(parsed.sr.packetCount).toBe(10);
    expect(parsed.sr.octetCount).toBe(1600);
    expect(parsed.blockCount).toBe(1);
    expect(parsed.blocks[0]).toMatchObject({ ssrc: 0xabc, highestSeq: 103, cumulativeLost: 0 });

    // The peer reports on our stream 1 s after our SR reached it; the RR arrives 1.5 s after the SR left.
    const rr = Buffer.alloc(200);
    const n = writeReport(rr, 0, {
      ssrc: 0xabc,
      sender: null,
      block: { ssrc: session.ssrc, fractionLost: 64, cumulativeLost: 5, highestSeq: 10, jitter: 80, lsr: ntpMiddle(parsed.sr.ntpMsw, parsed.sr.ntpLsw), dlsr: 65536 },
      cname: encodeCname('peer@test'),
    });
    time.advance(1500);
    rtcp.socket.send(rr.subarray(0, n), ports.rtcpPort, '127.0.0.1');
    await waitFor(() => session.stats().rttMs !== null);
    const stats = session.stats();
    expect(stats.remoteFractionLost).toBe(0.25);
    expect(stats.remoteCumulativeLost).toBe(5);
    expect(stats.remoteJitterMs).toBe(10);
    expect(stats.rttMs).toBeGreaterThan(499);
    expect(stats.rttMs).toBeLessThan(501);

    session.close();
    await waitFor(() => rtcp.packets.length === 2);
    expect(parseRtcp(rtcp.packets[1], parsed)).toBe(RtcpParse.OK);
    expect(parsed.bye).toBe(true);
  });

  it('ignores RTCP from an address other than the peer', async () => {
    const time = new FakeTime(50_000);
    const ports = await new PortAllocator({ range: await freePortBlock(2), bindAddress: '0.0.0.0' }).allocate();
    const session = new RtpSession({
      ports,
      remote: { address: '192.0.2.1', port: 4000, payloadType: 0, codec: 'PCMU', clockRate: 8000, ptime: 20, telephoneEventPt: null, direction: 'sendrecv' },
      handlers: { onAudio: () => undefined, onTelephoneEvent: () => undefined },
      time,
    });
    closers.push(() => session.close());
    const stranger = await rtcpPeer();
    const rr = Buffer.alloc(200);
    const n = writeReport(rr, 0, { ssrc: 1, sender: null, block: { ssrc: session.ssrc, fractionLost: 255, cumulativeLost: 99, highestSeq: 1, jitter: 1, lsr: 0, dlsr: 0 }, cname: encodeCname('x') });
    stranger.socket.send(rr.subarray(0, n), ports.rtcpPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    expect(session.stats().remoteFractionLost).toBeNull();
  });
});
