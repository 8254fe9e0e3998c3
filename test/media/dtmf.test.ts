import { describe, expect, it } from 'vitest';
import {
  createTelephoneEvent,
  dtmfDigit,
  dtmfEventCode,
  parseTelephoneEvent,
  writeTelephoneEvent,
  type DtmfDigit,
} from '../../media/dtmf/events.js';
import { DtmfReceiver, type DtmfEndReason } from '../../media/dtmf/receiver.js';
import { DtmfSender } from '../../media/dtmf/sender.js';

function payload(event: number, end: boolean, duration: number, volume = 10): Uint8Array {
  const b = new Uint8Array(4);
  writeTelephoneEvent(b, 0, event, end, volume, duration);
  return b;
}

function receiver(options?: { timeoutMs?: number; clockRate?: number }) {
  const starts: [DtmfDigit, number][] = [];
  const ends: [DtmfDigit, number, DtmfEndReason][] = [];
  const r = new DtmfReceiver(
    { onDigit: (d, ts) => starts.push([d, ts]), onDigitEnd: (d, ms, why) => ends.push([d, ms, why]) },
    options,
  );
  return { r, starts, ends, digits: () => starts.map((s) => s[0]).join('') };
}

describe('telephone-event payload (RFC 4733 §2.3)', () => {
  it('parses event, E bit, volume and duration', () => {
    const e = createTelephoneEvent();
    expect(parseTelephoneEvent(Uint8Array.from([0x0b, 0x8a, 0x03, 0x20]), e)).toBe(true);
    expect(e).toEqual({ event: 11, end: true, volume: 10, duration: 800 });
    expect(parseTelephoneEvent(Uint8Array.from([5, 0x3f, 0, 160]), e)).toBe(true);
    expect(e).toEqual({ event: 5, end: false, volume: 63, duration: 160 });
    expect(parseTelephoneEvent(Uint8Array.from([1, 2, 3]), e)).toBe(false);
  });

  it('maps events 0–9, *, #, A–D and flash', () => {
    expect([...Array(17).keys()].map((c) => dtmfDigit(c))).toEqual([
      '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D', 'flash',
    ]);
    expect(dtmfDigit(17)).toBeUndefined();
    expect(dtmfEventCode('*')).toBe(10);
    expect(dtmfEventCode('#')).toBe(11);
    expect(dtmfEventCode('d')).toBe(15);
    expect(dtmfEventCode('flash')).toBe(16);
    expect(dtmfEventCode('x')).toBe(-1);
    expect(dtmfEventCode('')).toBe(-1);
  });
});

describe('DtmfReceiver', () => {
  it('emits one digit per event and drops the triple end packets', () => {
    const { r, starts, ends, digits } = receiver();
    r.push(payload(5, false, 160), 8000, 0);
    r.push(payload(5, false, 320), 8000, 20);
    r.push(payload(5, false, 480), 8000, 40);
    r.push(payload(5, true, 800), 8000, 60);
    r.push(payload(5, true, 800), 8000, 61);
    r.push(payload(5, true, 800), 8000, 62);
    expect(digits()).toBe('5');
    expect(starts[0]).toEqual(['5', 8000]);
    expect(ends).toEqual([['5', 100, 'end-bit']]);
    expect(r.stats).toMatchObject({ digits: 1, duplicates: 2, missingEnds: 0 });
  });

  it('treats a new timestamp as a new digit even for the same key', () => {
    const { r, digits, ends } = receiver();
    for (const ts of [1000, 3000]) {
      r.push(payload(1, false, 160), ts, 0);
      r.push(payload(1, true, 640), ts, 80);
      r.push(payload(1, true, 640), ts, 81);
    }
    expect(digits()).toBe('11');
    expect(ends.map((e) => e[2])).toEqual(['end-bit', 'end-bit']);
  });

  it('ends an event whose end packets were lost, by the next event or by timeout', () => {
    const { r, digits, ends } = receiver({ timeoutMs: 300 });
    r.push(payload(2, false, 160), 1000, 0);
    r.push(payload(2, false, 320), 1000, 20);
    r.push(payload(3, false, 160), 5000, 200); // "3" starts: "2" never got its E bit
    expect(ends).toEqual([['2', 40, 'new-event']]);
    r.tick(499);
    expect(ends.length).toBe(1);
    r.tick(500);
    expect(ends[1]).toEqual(['3', 20, 'timeout']);
    // A straggling end packet of "3" after the timeout is a duplicate, not a new digit.
    r.push(payload(3, true, 800), 5000, 600);
    expect(digits()).toBe('23');
    expect(r.stats).toMatchObject({ digits: 2, missingEnds: 2, duplicates: 1 });
  });

  it('reports an event seen only through its end packets (start packets lost)', () => {
    const { r, digits, ends } = receiver();
    r.push(payload(11, true, 800), 4000, 0);
    r.push(payload(11, true, 800), 4000, 1);
    expect(digits()).toBe('#');
    expect(ends).toEqual([['#', 100, 'end-bit']]);
  });

  it('ignores stragglers of an older event, short payloads and unknown codes', () => {
    const { r, digits } = receiver();
    r.push(payload(7, false, 160), 9000, 0);
    r.push(payload(6, true, 800), 1000, 10); // older timestamp
    r.push(Uint8Array.from([1, 2]), 9000, 20);
    r.push(payload(40, false, 160), 20000, 30);
    expect(digits()).toBe('7');
    expect(r.stats.ignored).toBe(3);
  });

  it('handles timestamp wrap-around between events', () => {
    const { r, digits } = receiver();
    r.push(payload(1, true, 800), 0xffffff00, 0);
    r.push(payload(2, true, 800), 0x00000100, 100);
    expect(digits()).toBe('12');
  });

  it('uses the negotiated clock rate for durations', () => {
    const { r, ends } = receiver({ clockRate: 48000 });
    r.push(payload(9, true, 4800), 0, 0);
    expect(ends[0][1]).toBe(100);
  });
});

describe('DtmfSender', () => {
  it('produces the RFC 4733 packet sequence for a digit', () => {
    const s = new DtmfSender({ durationMs: 100, packetMs: 20 });
    expect(s.start('9', 123456)).toBe(true);
    expect(s.totalPackets).toBe(8);
    const out = new Uint8Array(8);
    const e = createTelephoneEvent();
    const seen: { marker: boolean; ts: number; end: boolean; duration: number }[] = [];
    while (s.active) {
      expect(s.next(out, 4)).toBe(4);
      parseTelephoneEvent(out.subarray(4), e);
      expect(e.event).toBe(9);
      expect(e.volume).toBe(10);
      seen.push({ marker: s.marker, ts: s.timestamp, end: e.end, duration: e.duration });
    }
    expect(s.next(out)).toBe(0);
    expect(seen.map((p) => p.duration)).toEqual([160, 320, 480, 640, 800, 800, 800, 800]);
    expect(seen.map((p) => p.end)).toEqual([false, false, false, false, false, true, true, true]);
    expect(seen.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false, false]);
    expect(new Set(seen.map((p) => p.ts))).toEqual(new Set([123456]));
    expect(s.durationUnits).toBe(800);
  });

  it('honours the packet interval and clock rate, and refuses non-events', () => {
    const s = new DtmfSender({ durationMs: 120, packetMs: 50, clockRate: 48000 });
    expect(s.start('x', 0)).toBe(false);
    expect(s.active).toBe(false);
    s.start('flash', 0);
    const out = new Uint8Array(4);
    const e = createTelephoneEvent();
    const durations: number[] = [];
    while (s.next(out)) {
      parseTelephoneEvent(out, e);
      durations.push(e.duration);
    }
    expect(durations).toEqual([2400, 4800, 7200, 7200, 7200, 7200]);
    expect(e.event).toBe(16);
  });

  it('stop() cuts the tone short with proper end packets', () => {
    const s = new DtmfSender({ durationMs: 1000 });
    s.start('4', 0);
    const out = new Uint8Array(4);
    s.next(out);
    s.next(out);
    s.stop();
    const e = createTelephoneEvent();
    const rest: [boolean, number][] = [];
    while (s.next(out)) {
      parseTelephoneEvent(out, e);
      rest.push([e.end, e.duration]);
    }
    expect(rest).toEqual([[true, 320], [true, 320], [true, 320]]);
  });

  it('round-trips through the receiver as one digit per key, repeated keys included', () => {
    const s = new DtmfSender();
    const { r, digits, ends } = receiver();
    const out = new Uint8Array(4);
    let ts = 1000;
    let now = 0;
    for (const key of '1#1*') {
      s.start(key, ts);
      while (s.next(out)) r.push(out, s.timestamp, (now += 20));
      ts += s.durationUnits + 800;
    }
    expect(digits()).toBe('1#1*');
    expect(ends.every((e) => e[2] === 'end-bit' && e[1] === 100)).toBe(true);
  });
});
