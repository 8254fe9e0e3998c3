import { describe, expect, it } from 'vitest';
import {
  RtpParse,
  createRtpHeader,
  isNewer,
  isNewerTs,
  looksLikeRtcp,
  parseRtp,
  rtpCsrc,
  rtpParseResultName,
  seqAdd,
  seqDiff,
  tsAdd,
  tsDiff,
  writeRtpHeader,
} from '../../media/rtp/packet.js';

function packet(fields: { marker: boolean; pt: number; seq: number; ts: number; ssrc: number }, payload: number[]): Buffer {
  const buf = Buffer.alloc(12 + payload.length);
  writeRtpHeader(buf, 0, fields);
  Buffer.from(payload).copy(buf, 12);
  return buf;
}

describe('writeRtpHeader / parseRtp', () => {
  it('round-trips the fixed header and exposes the payload', () => {
    const buf = packet({ marker: true, pt: 8, seq: 0xfffe, ts: 0xfffffff0, ssrc: 0xdeadbeef }, [1, 2, 3]);
    expect(buf.subarray(0, 2)).toEqual(Buffer.from([0x80, 0x88]));
    const h = createRtpHeader();
    expect(parseRtp(buf, h)).toBe(RtpParse.OK);
    expect(h).toMatchObject({
      version: 2,
      marker: true,
      payloadType: 8,
      sequenceNumber: 0xfffe,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      csrcCount: 0,
      payloadOffset: 12,
      payloadLength: 3,
    });
    expect([...buf.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)]).toEqual([1, 2, 3]);
  });

  it('writes at an offset inside a larger buffer and returns 12', () => {
    const buf = Buffer.alloc(40, 0xaa);
    expect(writeRtpHeader(buf, 10, { marker: false, pt: 0, seq: 1, ts: 2, ssrc: 3 })).toBe(12);
    expect(buf[9]).toBe(0xaa);
    expect(buf[22]).toBe(0xaa);
    const h = createRtpHeader();
    expect(parseRtp(buf.subarray(10, 30), h)).toBe(RtpParse.OK);
    expect(h.marker).toBe(false);
    expect(h.sequenceNumber).toBe(1);
  });

  it('skips CSRCs and a header extension, and strips padding', () => {
    // V=2 P=1 X=1 CC=2, M=0 PT=0, seq 7, ts 160, ssrc 1, 2 CSRCs, extension 0xBEDE with 1 word,
    // payload 4 bytes, 3 padding bytes (last byte = 3).
    const bytes = [
      0xb2, 0x00, 0x00, 0x07, 0, 0, 0, 160, 0, 0, 0, 1,
      0, 0, 0, 0x11, 0, 0, 0, 0x22,
      0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0, 0,
      9, 8, 7, 6,
      0, 0, 3,
    ];
    const h = createRtpHeader();
    expect(parseRtp(Uint8Array.from(bytes), h)).toBe(RtpParse.OK);
    expect(h.padding).toBe(true);
    expect(h.extension).toBe(true);
    expect(h.csrcCount).toBe(2);
    expect(rtpCsrc(Uint8Array.from(bytes), 1)).toBe(0x22);
    expect(h.extensionProfile).toBe(0xbede);
    expect(h.extensionOffset).toBe(24);
    expect(h.extensionLength).toBe(4);
    expect(h.paddingLength).toBe(3);
    expect(h.payloadOffset).toBe(28);
    expect(h.payloadLength).toBe(4);
  });

  it('rejects malformed packets with a reason code and never throws', () => {
    const h = createRtpHeader();
    const good = packet({ marker: false, pt: 0, seq: 1, ts: 1, ssrc: 1 }, new Array(160).fill(0xff));
    expect(parseRtp(good.subarray(0, 11), h)).toBe(RtpParse.TOO_SHORT);
    expect(parseRtp(new Uint8Array(0), h)).toBe(RtpParse.TOO_SHORT);
    expect(parseRtp(Buffer.alloc(1501, 0x80), h)).toBe(RtpParse.TOO_LONG);
    expect(parseRtp(good, h, 100)).toBe(RtpParse.TOO_LONG);

    const v1 = Buffer.from(good);
    v1[0] = 0x40;
    expect(parseRtp(v1, h)).toBe(RtpParse.BAD_VERSION);

    const csrc = Buffer.from(good.subarray(0, 20));
    csrc[0] = 0x80 | 0x0f; // 15 CSRCs = 60 bytes, only 8 present
    expect(parseRtp(csrc, h)).toBe(RtpParse.TRUNCATED_CSRC);

    const ext = Buffer.from(good.subarray(0, 20));
    ext[0] = 0x90;
    ext.writeUInt16BE(100, 14); // 400 bytes of extension promised
    expect(parseRtp(ext, h)).toBe(RtpParse.TRUNCATED_EXTENSION);
    expect(parseRtp(ext.subarray(0, 14), h)).toBe(RtpParse.TRUNCATED_EXTENSION);

    const pad0 = Buffer.from(good);
    pad0[0] = 0xa0;
    pad0[pad0.length - 1] = 0;
    expect(parseRtp(pad0, h)).toBe(RtpParse.BAD_PADDING);
    const padBig = Buffer.from(good);
    padBig[0] = 0xa0;
    padBig[padBig.length - 1] = 200;
    expect(parseRtp(padBig, h)).toBe(RtpParse.BAD_PADDING);
    expect(rtpParseResultName(RtpParse.BAD_PADDING)).toBe('bad_padding');
  });

  it('survives random garbage', () => {
    const h = createRtpHeader();
    let seed = 1;
    for (let i = 0; i < 2000; i++) {
      const buf = new Uint8Array(i % 64);
      for (let j = 0; j < buf.length; j++) buf[j] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      const r = parseRtp(buf, h);
      if (r === RtpParse.OK) {
        expect(h.payloadOffset + h.payloadLength + h.paddingLength).toBe(buf.length);
        expect(h.payloadLength).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('tells RTCP from RTP on a multiplexed port (RFC 5761)', () => {
    expect(looksLikeRtcp(Uint8Array.from([0x80, 200, 0, 6]))).toBe(true);
    expect(looksLikeRtcp(Uint8Array.from([0x81, 201, 0, 7]))).toBe(true);
    expect(looksLikeRtcp(packet({ marker: true, pt: 0, seq: 1, ts: 1, ssrc: 1 }, []))).toBe(false);
    expect(looksLikeRtcp(packet({ marker: true, pt: 101, seq: 1, ts: 1, ssrc: 1 }, []))).toBe(false);
  });
});

describe('sequence and timestamp arithmetic', () => {
  it('handles 16-bit wrap-around', () => {
    expect(seqDiff(0, 65535)).toBe(1);
    expect(seqDiff(65535, 0)).toBe(-1);
    expect(seqDiff(5, 65530)).toBe(11);
    expect(seqDiff(100, 100)).toBe(0);
    expect(seqDiff(32767, 0)).toBe(32767);
    expect(seqDiff(32768, 0)).toBe(-32768);
    expect(isNewer(0, 65535)).toBe(true);
    expect(isNewer(65535, 0)).toBe(false);
    expect(isNewer(7, 7)).toBe(false);
    expect(seqAdd(65535, 1)).toBe(0);
    expect(seqAdd(0, -1)).toBe(65535);
  });

  it('handles 32-bit timestamp wrap-around', () => {
    expect(tsDiff(80, 0xffffffb0)).toBe(160);
    expect(tsDiff(0xffffffb0, 80)).toBe(-160);
    expect(isNewerTs(80, 0xffffffb0)).toBe(true);
    expect(tsAdd(0xffffffb0, 160)).toBe(80);
    expect(tsAdd(1, -2)).toBe(0xffffffff);
  });
});
