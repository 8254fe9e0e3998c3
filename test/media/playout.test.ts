import { describe, expect, it } from 'vitest';
import { Frame, PlayoutQueue, type ItemPlayed } from '../../media/playout/index.js';
import { measureAllocation } from './integration-fixtures/allocation.js';

const ULAW = { frameBytes: 160, bytesPerMs: 8, silenceByte: 0xff };

function chunk(bytes: number, value: number): Uint8Array {
  return new Uint8Array(bytes).fill(value);
}

describe('PlayoutQueue', () => {
  it('plays chunks of any size as exact 20 ms frames, in order', () => {
    const q = new PlayoutQueue({ format: ULAW });
    q.enqueue(chunk(100, 1), 'a');
    q.enqueue(chunk(300, 2), 'a');
    const out = new Uint8Array(160);
    expect(q.pull(out)).toBe(Frame.AUDIO);
    expect(Array.from(out.subarray(98, 102))).toEqual([1, 1, 2, 2]);
    expect(q.pull(out)).toBe(Frame.AUDIO);
    expect(out.every((b) => b === 2)).toBe(true);
    // 80 bytes left: a partial frame padded with µ-law silence.
    expect(q.pull(out)).toBe(Frame.AUDIO);
    expect(out[79]).toBe(2);
    expect(out[80]).toBe(0xff);
    expect(q.stats().underruns).toBe(1);
    expect(q.pull(out)).toBe(Frame.SILENCE);
    expect(q.stats().playedMs).toBe(50);
  });

  it('sends comfort silence (µ-law 0xFF, A-law 0xD5) or nothing when empty, as configured', () => {
    const out = new Uint8Array(160);
    const alaw = new PlayoutQueue({ format: { ...ULAW, silenceByte: 0xd5 } });
    expect(alaw.pull(out)).toBe(Frame.SILENCE);
    expect(out.every((b) => b === 0xd5)).toBe(true);
    const quiet = new PlayoutQueue({ format: ULAW, whenEmpty: 'nothing' });
    expect(quiet.pull(out)).toBe(Frame.NONE);
    expect(quiet.stats().silenceFrames).toBe(0);
  });

  it('marks the first frame after silence as a talkspurt start', () => {
    const q = new PlayoutQueue({ format: ULAW });
    const out = new Uint8Array(160);
    q.pull(out);
    q.enqueue(chunk(320, 7), 'a');
    q.pull(out);
    expect(q.startsTalkspurt).toBe(true);
    q.pull(out);
    expect(q.startsTalkspurt).toBe(false);
    q.pull(out); // silence
    q.enqueue(chunk(160, 7), 'b');
    q.pull(out);
    expect(q.startsTalkspurt).toBe(true);
  });

  it('flush() reports the item being played with the ms the caller heard, and empties everything', () => {
    const q = new PlayoutQueue({ format: ULAW });
    const played: ItemPlayed[] = [];
    q.onItemPlayed((p) => played.push(p));
    q.enqueue(chunk(160 * 3, 1), 'first');
    q.enqueue(chunk(8000, 2), 'second');
    q.enqueue(chunk(8000, 3), 'third');
    const out = new Uint8Array(160);
    for (let i = 0; i < 3 + 7; i++) q.pull(out); // all of "first", 7 frames of "second"
    expect(played).toEqual([{ itemId: 'first', playedMs: 60 }]);
    expect(q.flush()).toEqual({ itemId: 'second', playedMs: 140 });
    expect(q.queuedMs).toBe(0);
    expect(q.pull(out)).toBe(Frame.SILENCE);
    expect(q.flush()).toBeNull();
    // Late chunks of the interrupted response are dropped, not played.
    expect(q.enqueue(chunk(160, 9), 'second')).toBe(false);
    expect(q.enqueue(chunk(160, 9), 'third')).toBe(false);
    expect(q.stats().droppedAfterFlush).toBe(320);
    expect(played).toHaveLength(1);
  });

  it('flush() counts a partly played frame only by the bytes that were sent', () => {
    const q = new PlayoutQueue({ format: ULAW });
    q.enqueue(chunk(100, 1), 'a');
    q.enqueue(chunk(1000, 2), 'b');
    const out = new Uint8Array(160);
    q.pull(out); // 100 bytes of a, 60 of b
    expect(q.flush()).toEqual({ itemId: 'b', playedMs: 7 });
  });

  it('fires item-played when an item finishes, once per item, and continues an item resumed after a gap', () => {
    const q = new PlayoutQueue({ format: ULAW });
    const played: ItemPlayed[] = [];
    q.onItemPlayed((p) => played.push(p));
    const out = new Uint8Array(160);
    q.enqueue(chunk(320, 1), 'goodbye');
    q.pull(out);
    expect(played).toEqual([]);
    q.pull(out);
    expect(played).toEqual([{ itemId: 'goodbye', playedMs: 40 }]);
    q.pull(out);
    expect(played).toHaveLength(1);
    q.enqueue(chunk(160, 1), 'goodbye'); // the model streamed slower than real time
    q.pull(out);
    expect(played[1]).toEqual({ itemId: 'goodbye', playedMs: 60 });
  });

  it('grows past its initial ring and keeps byte order across the wrap', () => {
    const q = new PlayoutQueue({ format: ULAW, initialBufferMs: 40 });
    const src = new Uint8Array(160 * 50);
    for (let i = 0; i < src.length; i++) src[i] = i % 251;
    const out = new Uint8Array(160);
    q.enqueue(src.subarray(0, 200), 'x');
    q.pull(out);
    q.enqueue(src.subarray(200), 'x');
    const got: number[] = Array.from(out);
    for (let i = 1; i < 50; i++) {
      q.pull(out);
      got.push(...out);
    }
    expect(got).toEqual(Array.from(src));
  });

  it('drops and counts audio beyond its cap instead of growing without bound', () => {
    const q = new PlayoutQueue({ format: ULAW, initialBufferMs: 20, maxBufferedMs: 100 });
    expect(q.enqueue(chunk(800, 1), 'a')).toBe(true);
    expect(q.enqueue(chunk(8, 1), 'a')).toBe(false);
    expect(q.stats().overflowBytes).toBe(8);
    expect(q.queuedMs).toBe(100);
  });

  it('pulls frames without allocating', () => {
    const q = new PlayoutQueue({ format: ULAW });
    const out = new Uint8Array(160);
    q.enqueue(chunk(160 * 40_000, 3), 'long');
    const report = measureAllocation(15_000, () => q.pull(out));
    // One 16-byte object per frame would be 240 kB and show here; what remains is the probe's own.
    expect(report.collections).toBe(0);
    expect(report.youngBytes).toBeLessThan(32_000);
  });
});
