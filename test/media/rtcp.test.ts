import { describe, expect, it } from 'vitest';
import { ReorderWindow } from '../../media/jitter/reorder-window.js';
import {
  createNtpTime,
  msToNtpShort,
  ntpFromUnixMs,
  ntpMiddle,
  ntpMiddleFromUnixMs,
  roundTripMs,
} from '../../media/rtcp/ntp.js';
import {
  RTCP_BYE,
  RTCP_RR,
  RTCP_SDES,
  RTCP_SR,
  RtcpParse,
  createReportBlock,
  createRtcpCompound,
  encodeCname,
  parseRtcp,
  reportSize,
  rtcpCname,
  writeBye,
  writeReport,
  type SenderInfo,
} from '../../media/rtcp/packets.js';
import { RtcpSessionStats } from '../../media/rtcp/stats.js';
import { writeRtpHeader } from '../../media/rtp/packet.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0) + 0.25; // a wall-clock instant, with a fraction

function senderInfo(unixMs: number): SenderInfo {
  const ntp = ntpFromUnixMs(unixMs, createNtpTime());
  return { ntpMsw: ntp.msw, ntpLsw: ntp.lsw, rtpTimestamp: 123456, packetCount: 500, octetCount: 80000 };
}

describe('NTP helpers', () => {
  it('converts Unix ms to NTP and takes the middle 32 bits', () => {
    const ntp = ntpFromUnixMs(0, createNtpTime());
    expect(ntp).toEqual({ msw: 2208988800, lsw: 0 });
    const half = ntpFromUnixMs(1500, createNtpTime());
    expect(half.msw).toBe(2208988801);
    expect(half.lsw).toBe(0x80000000);
    expect(ntpMiddle(half.msw, half.lsw)).toBe(((2208988801 & 0xffff) << 16 | 0x8000) >>> 0);
    const t = ntpFromUnixMs(T0, createNtpTime());
    expect(ntpMiddleFromUnixMs(T0)).toBe(ntpMiddle(t.msw, t.lsw));
  });

  it('computes RTT = A − LSR − DLSR and refuses reports without LSR', () => {
    const lsr = ntpMiddleFromUnixMs(T0);
    const a = ntpMiddleFromUnixMs(T0 + 1000 + 120);
    expect(roundTripMs(a, lsr, msToNtpShort(1000))).toBeCloseTo(120, 1);
    expect(roundTripMs(a, 0, 0)).toBeNull();
    expect(roundTripMs(lsr, a, 0)).toBeNull(); // arrival before the SR: clock step, not a round trip
  });
});

describe('RTCP packets', () => {
  it('writes SR + report block + SDES CNAME and parses it back', () => {
    const cname = encodeCname('voxgate@10.0.0.1');
    const block = { ...createReportBlock(), ssrc: 0xbbbb, fractionLost: 25, cumulativeLost: -3, highestSeq: 70000, jitter: 42, lsr: 0x12345678, dlsr: 65536 };
    const out = new Uint8Array(reportSize(cname.length) + 10);
    const n = writeReport(out, 4, { ssrc: 0xaaaa, sender: senderInfo(T0), block, cname });
    expect(n % 4).toBe(0);
    const pkt = out.subarray(4, 4 + n);
    expect(pkt[0]).toBe(0x81); // V=2, RC=1
    expect(pkt[1]).toBe(RTCP_SR);
    expect((pkt[2] << 8) | pkt[3]).toBe((28 + 24) / 4 - 1);
    expect(pkt[52 + 1]).toBe(RTCP_SDES);

    const parsed = createRtcpCompound();
    expect(parseRtcp(pkt, parsed)).toBe(RtcpParse.OK);
    expect(parsed).toMatchObject({ senderSsrc: 0xaaaa, hasSr: true, blockCount: 1, bye: false, unknown: 0 });
    expect(parsed.sr).toEqual(senderInfo(T0));
    expect(parsed.blocks[0]).toEqual(block);
    expect(rtcpCname(pkt, parsed)).toBe('voxgate@10.0.0.1');
  });

  it('writes an RR when we have not sent, and RR + SDES + BYE to leave', () => {
    const cname = encodeCname('x');
    const out = new Uint8Array(200);
    const n = writeReport(out, 0, { ssrc: 7, sender: null, block: null, cname });
    expect(out[1]).toBe(RTCP_RR);
    expect(out[0] & 0x1f).toBe(0);
    const parsed = createRtcpCompound();
    expect(parseRtcp(out.subarray(0, n), parsed)).toBe(RtcpParse.OK);
    expect(parsed).toMatchObject({ senderSsrc: 7, hasSr: false, blockCount: 0 });

    const b = writeBye(out, 0, 7, cname);
    expect(out[b - 8 + 1]).toBe(RTCP_BYE);
    expect(parseRtcp(out.subarray(0, b), parsed)).toBe(RtcpParse.OK);
    expect(parsed.bye).toBe(true);
    expect(writeReport(new Uint8Array(10), 0, { ssrc: 7, sender: null, block: null, cname })).toBe(-1);
  });

  it('skips unknown packet types and survives garbage without throwing', () => {
    const out = new Uint8Array(200);
    const n = writeReport(out, 0, { ssrc: 9, sender: null, block: null, cname: encodeCname('c') });
    // Append an APP packet (PT 204, 12 bytes).
    out.set([0x80, 204, 0, 2, 0, 0, 0, 9, 0x41, 0x42, 0x43, 0x44], n);
    const parsed = createRtcpCompound();
    expect(parseRtcp(out.subarray(0, n + 12), parsed)).toBe(RtcpParse.OK);
    expect(parsed.unknown).toBe(1);

    expect(parseRtcp(new Uint8Array(2), parsed)).toBe(RtcpParse.TOO_SHORT);
    expect(parseRtcp(Uint8Array.from([0x40, 201, 0, 1, 0, 0, 0, 1]), parsed)).toBe(RtcpParse.BAD_VERSION);
    expect(parseRtcp(Uint8Array.from([0x80, 201, 0, 9, 0, 0, 0, 1]), parsed)).toBe(RtcpParse.BAD_LENGTH);
    expect(parseRtcp(Uint8Array.from([0x85, 201, 0, 1, 0, 0, 0, 1]), parsed)).toBe(RtcpParse.TRUNCATED_REPORT);
    expect(parseRtcp(Uint8Array.from([0xa0, 201, 0, 1, 0, 0, 0, 0]), parsed)).toBe(RtcpParse.BAD_PADDING);
    let seed = 7;
    for (let i = 0; i < 3000; i++) {
      const buf = new Uint8Array(4 + (i % 80));
      for (let j = 0; j < buf.length; j++) buf[j] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16;
      if (i % 3 === 0) buf[0] = 0x80 | (buf[0] & 0x3f);
      expect(() => parseRtcp(buf, parsed)).not.toThrow();
      expect(parsed.blockCount).toBeLessThanOrEqual(31);
    }
  });
});

describe('RTCP round trip', () => {
  it('A sends SR, B answers RR with LSR/DLSR, A measures the simulated round trip', () => {
    const oneWayMs = 37;
    const holdMs = 1234; // B reports that long after receiving A's SR
    const ssrcA = 0x0a0a0a0a;
    const ssrcB = 0x0b0b0b0b;

    // B receives A's RTP, so B's report block about A carries loss and jitter from its window.
    const windowB = new ReorderWindow(() => {});
    const rtp = Buffer.alloc(172);
    for (let seq = 100; seq < 150; seq++) {
      if (seq === 120 || seq === 121) continue; // two lost
      writeRtpHeader(rtp, 0, { marker: false, pt: 0, seq, ts: seq * 160, ssrc: ssrcA });
      windowB.push(rtp, seq * 20 + (seq % 2) * 4); // alternate 4 ms of arrival jitter
    }

    // A → B: SR at T0.
    const cnameA = encodeCname('a');
    const buf = new Uint8Array(200);
    const n1 = writeReport(buf, 0, { ssrc: ssrcA, sender: senderInfo(T0), block: null, cname: cnameA });
    const statsB = new RtcpSessionStats(ssrcB, 8000);
    const parsedB = createRtcpCompound();
    expect(parseRtcp(buf.subarray(0, n1), parsedB)).toBe(RtcpParse.OK);
    const arrivalAtB = T0 + oneWayMs + 5000; // B's wall clock may be offset: only differences matter
    statsB.onRtcp(parsedB, arrivalAtB);

    // B → A: RR with the block about A.
    const block = createReportBlock();
    windowB.fillReport(block);
    statsB.fillLsrDlsr(block, arrivalAtB + holdMs);
    const n2 = writeReport(buf, 0, { ssrc: ssrcB, sender: null, block, cname: encodeCname('b') });

    const statsA = new RtcpSessionStats(ssrcA, 8000);
    const parsedA = createRtcpCompound();
    expect(parseRtcp(buf.subarray(0, n2), parsedA)).toBe(RtcpParse.OK);
    statsA.onRtcp(parsedA, T0 + oneWayMs + holdMs + oneWayMs);

    expect(statsA.remote.rttMs).not.toBeNull();
    expect(statsA.remote.rttMs!).toBeCloseTo(2 * oneWayMs, 0);
    expect(Math.abs(statsA.remote.rttMs! - 2 * oneWayMs)).toBeLessThan(0.05);
    expect(statsA.remote.cumulativeLost).toBe(2);
    expect(statsA.remote.fractionLost).toBeCloseTo(Math.floor((2 * 256) / 50) / 256, 6);
    expect(statsA.remote.jitterMs).toBeGreaterThan(1);
    expect(statsA.remote.jitterMs).toBeLessThan(5);
    expect(statsA.remote.reports).toBe(1);
  });

  it('ignores blocks about other SSRCs and reports no RTT before an SR was echoed', () => {
    const stats = new RtcpSessionStats(1, 8000);
    const parsed = createRtcpCompound();
    const buf = new Uint8Array(200);
    const other = { ...createReportBlock(), ssrc: 2, fractionLost: 128 };
    parseRtcp(buf.subarray(0, writeReport(buf, 0, { ssrc: 3, sender: null, block: other, cname: encodeCname('z') })), parsed);
    stats.onRtcp(parsed, T0);
    expect(stats.remote.reports).toBe(0);
    const aboutUs = { ...createReportBlock(), ssrc: 1, fractionLost: 64 };
    parseRtcp(buf.subarray(0, writeReport(buf, 0, { ssrc: 3, sender: null, block: aboutUs, cname: encodeCname('z') })), parsed);
    stats.onRtcp(parsed, T0);
    expect(stats.remote).toMatchObject({ reports: 1, fractionLost: 0.25, rttMs: null });
    const mine = createReportBlock();
    stats.fillLsrDlsr(mine, T0);
    expect(mine).toMatchObject({ lsr: 0, dlsr: 0 });
  });
});
