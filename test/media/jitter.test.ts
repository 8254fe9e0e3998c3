import { describe, expect, it } from 'vitest';
import { ReorderPush, ReorderWindow, type ReorderWindowOptions } from '../../media/jitter/reorder-window.js';
import type { ReceptionReport } from '../../media/jitter/reception-stats.js';
import { writeRtpHeader } from '../../media/rtp/packet.js';

function rtp(seq: number, opts: { ts?: number; ssrc?: number; pt?: number; marker?: boolean; fill?: number } = {}): Buffer {
  const buf = Buffer.alloc(12 + 160, opts.fill ?? seq & 0xff);
  writeRtpHeader(buf, 0, {
    marker: opts.marker ?? false,
    pt: opts.pt ?? 0,
    seq: seq & 0xffff,
    ts: (opts.ts ?? seq * 160) >>> 0,
    ssrc: opts.ssrc ?? 0x1234,
  });
  return buf;
}

function harness(options?: ReorderWindowOptions) {
  const out: { seq: number; ts: number; first: number; len: number; marker: boolean; pt: number }[] = [];
  const w = new ReorderWindow((payload, seq, ts, marker, pt) => {
    out.push({ seq, ts, first: payload[0], len: payload.length, marker, pt });
  }, options);
  return { w, out, seqs: () => out.map((o) => o.seq) };
}

function report(): ReceptionReport {
  return { ssrc: 0, fractionLost: 0, cumulativeLost: 0, highestSeq: 0, jitter: 0 };
}

describe('ReorderWindow', () => {
  it('forwards in-order packets at once with their payload, marker and payload type', () => {
    const { w, out, seqs } = harness();
    expect(w.push(rtp(10, { marker: true }), 0)).toBe(ReorderPush.FORWARDED);
    expect(w.push(rtp(11, { pt: 101 }), 20)).toBe(ReorderPush.FORWARDED);
    expect(seqs()).toEqual([10, 11]);
    expect(out[0]).toMatchObject({ ts: 1600, first: 10, len: 160, marker: true, pt: 0 });
    expect(out[1]).toMatchObject({ marker: false, pt: 101 });
    expect(w.heldCount).toBe(0);
    expect(w.stats).toMatchObject({ received: 2, forwarded: 2, lost: 0, expected: 2 });
  });

  it('reorders a swapped pair and counts it', () => {
    const { w, seqs } = harness();
    w.push(rtp(1), 0);
    expect(w.push(rtp(3), 20)).toBe(ReorderPush.HELD);
    expect(seqs()).toEqual([1]);
    expect(w.push(rtp(2), 25)).toBe(ReorderPush.FORWARDED);
    expect(seqs()).toEqual([1, 2, 3]);
    expect(w.stats).toMatchObject({ reordered: 1, lost: 0, forwarded: 3 });
  });

  it('reorders across the 65535 → 0 wrap', () => {
    const { w, seqs } = harness();
    for (const s of [65533, 65534, 0, 65535, 2, 1, 3]) w.push(rtp(s), 0);
    expect(seqs()).toEqual([65533, 65534, 65535, 0, 1, 2, 3]);
    const r = report();
    w.fillReport(r);
    expect(r.highestSeq).toBe(65536 + 3);
    expect(r.cumulativeLost).toBe(0);
  });

  it('gives up on a missing packet when the window fills, and drops it as late afterwards', () => {
    const { w, seqs } = harness({ depth: 3 });
    w.push(rtp(1), 0);
    w.push(rtp(3), 40);
    w.push(rtp(4), 60);
    expect(seqs()).toEqual([1]);
    expect(w.push(rtp(5), 80)).toBe(ReorderPush.FORWARDED);
    expect(seqs()).toEqual([1, 3, 4, 5]);
    expect(w.stats.lost).toBe(1);
    expect(w.push(rtp(2), 90)).toBe(ReorderPush.LATE);
    expect(w.stats.late).toBe(1);
    expect(seqs()).toEqual([1, 3, 4, 5]);
  });

  it('releases held packets when the deadline passes', () => {
    const { w, seqs } = harness({ depth: 3, maxWaitMs: 60 });
    w.push(rtp(1), 0);
    w.push(rtp(3), 40);
    w.tick(99);
    expect(seqs()).toEqual([1]);
    w.tick(100);
    expect(seqs()).toEqual([1, 3]);
    expect(w.stats.lost).toBe(1);
    expect(w.push(rtp(4), 101)).toBe(ReorderPush.FORWARDED);
    expect(seqs()).toEqual([1, 3, 4]);
  });

  it('handles a second gap behind the first one with its own deadline', () => {
    const { w, seqs } = harness({ depth: 5, maxWaitMs: 60 });
    w.push(rtp(1), 0);
    w.push(rtp(3), 40); // 2 missing
    w.push(rtp(5), 80); // 4 missing
    w.tick(100); // 3 waited 60 ms: give up 2, release 3; 5 waited 20 ms
    expect(seqs()).toEqual([1, 3]);
    w.tick(140);
    expect(seqs()).toEqual([1, 3, 5]);
    expect(w.stats.lost).toBe(2);
  });

  it('drops duplicates, whether already released or still held', () => {
    const { w, seqs } = harness();
    w.push(rtp(1), 0);
    expect(w.push(rtp(1), 1)).toBe(ReorderPush.DUPLICATE);
    w.push(rtp(3), 40);
    expect(w.push(rtp(3), 41)).toBe(ReorderPush.DUPLICATE);
    w.push(rtp(2), 42);
    expect(w.push(rtp(2), 43)).toBe(ReorderPush.DUPLICATE);
    expect(seqs()).toEqual([1, 2, 3]);
    expect(w.stats.duplicate).toBe(3);
    // A.3: duplicates count as received, so cumulative lost goes negative.
    const r = report();
    w.fillReport(r);
    expect(r.cumulativeLost).toBe(-3);
  });

  it('copies held payloads: the caller may reuse its receive buffer', () => {
    const { w, out } = harness();
    w.push(rtp(1), 0);
    const reused = rtp(3, { fill: 0x33 });
    w.push(reused, 20);
    reused.fill(0x00);
    w.push(rtp(2, { fill: 0x22 }), 21);
    expect(out.map((o) => o.first)).toEqual([1, 0x22, 0x33]);
    expect(out[2].len).toBe(160);
  });

  it('resets on an SSRC change, releasing what the old stream left', () => {
    const { w, seqs } = harness();
    w.push(rtp(1, { ssrc: 0xa }), 0);
    w.push(rtp(3, { ssrc: 0xa }), 20);
    expect(w.push(rtp(9000, { ssrc: 0xb }), 40)).toBe(ReorderPush.FORWARDED);
    expect(w.push(rtp(9001, { ssrc: 0xb }), 60)).toBe(ReorderPush.FORWARDED);
    expect(seqs()).toEqual([1, 3, 9000, 9001]);
    expect(w.stats.resets).toBe(1);
    expect(w.source.ssrc).toBe(0xb);
    expect(w.stats.expected).toBe(3 + 2);
  });

  it('resets on a confirmed sequence restart (two consecutive packets after a far jump)', () => {
    const { w, seqs } = harness();
    w.push(rtp(1), 0);
    w.push(rtp(2), 20);
    expect(w.push(rtp(30000), 40)).toBe(ReorderPush.PROBATION);
    expect(seqs()).toEqual([1, 2]);
    expect(w.push(rtp(30001), 60)).toBe(ReorderPush.FORWARDED);
    expect(seqs()).toEqual([1, 2, 30000, 30001]);
    expect(w.stats.resets).toBe(1);
    expect(w.stats.lost).toBe(0);
  });

  it('drops a stray far packet when the stream goes on where it was', () => {
    const { w, seqs } = harness();
    w.push(rtp(1), 0);
    w.push(rtp(2), 20);
    expect(w.push(rtp(40000), 30)).toBe(ReorderPush.PROBATION);
    expect(w.push(rtp(3), 40)).toBe(ReorderPush.FORWARDED);
    expect(seqs()).toEqual([1, 2, 3]);
    expect(w.stats).toMatchObject({ invalid: 1, resets: 0 });
  });

  it('skips ahead over an outage wider than the ring, counting the loss', () => {
    const { w, seqs } = harness();
    w.push(rtp(65530), 0);
    expect(w.push(rtp(200), 3000)).toBe(ReorderPush.FORWARDED);
    expect(seqs()).toEqual([65530, 200]);
    expect(w.stats.lost).toBe(205);
    const r = report();
    w.fillReport(r);
    expect(r.cumulativeLost).toBe(205);
    expect(r.fractionLost).toBe(Math.floor((205 * 256) / 207));
  });

  it('counts invalid packets without disturbing the stream', () => {
    const { w, seqs } = harness({ maxPayloadBytes: 100 });
    expect(w.push(Buffer.from([1, 2, 3]), 0)).toBe(ReorderPush.INVALID);
    expect(w.push(rtp(1), 0)).toBe(ReorderPush.INVALID); // 160-byte payload > 100
    expect(w.stats.invalid).toBe(2);
    expect(seqs()).toEqual([]);
  });

  it('computes RFC 3550 inter-arrival jitter on a synthetic arrival pattern', () => {
    const { w } = harness();
    // 20 ms packets; the third arrives 5 ms late. Transit (8 kHz units): 0, 0, 40, 0.
    // J1 = 0; J2 = 0 + (40 − 0)/16 = 2.5; J3 = 2.5 + (40 − 2.5)/16 = 4.84375.
    w.push(rtp(0, { ts: 0 }), 1000);
    w.push(rtp(1, { ts: 160 }), 1020);
    w.push(rtp(2, { ts: 320 }), 1045);
    w.push(rtp(3, { ts: 480 }), 1060);
    expect(w.source.jitter).toBeCloseTo(4.84375, 10);
    expect(w.source.jitterMs).toBeCloseTo(4.84375 / 8, 10);
    const r = report();
    w.fillReport(r);
    expect(r.jitter).toBe(4);
  });

  it('keeps telephone-event packets out of the jitter estimate', () => {
    const { w } = harness({ telephoneEventPt: 101 });
    w.push(rtp(0, { ts: 0 }), 0);
    w.push(rtp(1, { ts: 160 }), 20);
    for (let i = 2; i < 6; i++) w.push(rtp(i, { ts: 320, pt: 101 }), i * 20); // one event, one timestamp
    w.push(rtp(6, { ts: 960 }), 120);
    expect(w.source.jitter).toBe(0);
  });

  it('reports interval fraction lost per RTCP report (A.3)', () => {
    const { w } = harness({ depth: 1 });
    for (let s = 0; s < 10; s++) if (s !== 4) w.push(rtp(s), s * 20);
    const r = report();
    w.fillReport(r);
    expect(r).toMatchObject({ ssrc: 0x1234, highestSeq: 9, cumulativeLost: 1, fractionLost: Math.floor(256 / 10) });
    for (let s = 10; s < 20; s++) w.push(rtp(s), s * 20);
    w.fillReport(r);
    expect(r).toMatchObject({ highestSeq: 19, cumulativeLost: 1, fractionLost: 0 });
  });

  it('flush releases everything held; reset discards', () => {
    const { w, seqs } = harness({ depth: 5 });
    w.push(rtp(1), 0);
    w.push(rtp(3), 20);
    w.push(rtp(5), 40);
    w.flush();
    expect(seqs()).toEqual([1, 3, 5]);
    w.push(rtp(7), 60);
    w.reset();
    expect(w.heldCount).toBe(0);
    expect(w.push(rtp(100), 80)).toBe(ReorderPush.FORWARDED);
    expect(seqs()).toEqual([1, 3, 5, 100]);
  });
});
