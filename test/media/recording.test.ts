import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArrivalSlots } from '../../media/recording/arrival-slots.js';
import { AGENT_CHANNEL, CALLER_CHANNEL, StereoWavRecorder } from '../../media/recording/stereo-recorder.js';
import { readWavHeader } from '../../media/recording/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'voxgate-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `call-${n++}.wav`);

const FRAME = 160;
const frame = (value: number) => new Int16Array(FRAME).fill(value);

/** Left and right channels of a stereo PCM16 WAV's data chunk. */
function channels(buf: Buffer): { left: Int16Array; right: Int16Array } {
  const frames = (buf.length - 44) / 4;
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    left[i] = buf.readInt16LE(44 + i * 4);
    right[i] = buf.readInt16LE(46 + i * 4);
  }
  return { left, right };
}

describe('StereoWavRecorder', () => {
  it('writes a stereo PCM16 WAV with caller left and agent right', async () => {
    const path = file();
    const rec = new StereoWavRecorder(path);
    expect(rec.path).toBe(path);
    for (let f = 0; f < 100; f++) {
      rec.writePcm(CALLER_CHANNEL, f * FRAME, frame(1000));
      rec.writePcm(AGENT_CHANNEL, f * FRAME, frame(-2000));
    }
    expect(rec.durationMs).toBe(2000);
    const result = await rec.close();
    expect(result).toMatchObject({ path, durationMs: 2000, dataBytes: 64000, lateSamples: 0, error: null });

    const buf = readFileSync(path);
    expect(buf.length).toBe(44 + 64000);
    expect(readWavHeader(buf)).toEqual({ riffSize: 36 + 64000, channels: 2, sampleRate: 8000, bitsPerSample: 16, dataSize: 64000 });
    expect(buf.readUInt16LE(20)).toBe(1); // PCM
    expect(buf.readUInt32LE(28)).toBe(32000); // byte rate
    expect(buf.readUInt16LE(32)).toBe(4); // block align
    const { left, right } = channels(buf);
    expect(left.every((v) => v === 1000)).toBe(true);
    expect(right.every((v) => v === -2000)).toBe(true);
    expect(await rec.close()).toBe(result); // idempotent
  });

  it('keeps the channels aligned when one side is silent for a while', async () => {
    const path = file();
    const rec = new StereoWavRecorder(path);
    for (let f = 0; f < 100; f++) {
      rec.writePcm(AGENT_CHANNEL, f * FRAME, frame(500));
      // The caller speaks only in frames 50–59, and each of its frames lands a bit after the agent's.
      if (f >= 51 && f <= 60) rec.writePcm(CALLER_CHANNEL, (f - 1) * FRAME, frame(-700));
    }
    await rec.close();
    const { left, right } = channels(readFileSync(path));
    expect(left.length).toBe(16000);
    expect(right.every((v) => v === 500)).toBe(true);
    let misplaced = 0;
    for (let i = 0; i < 16000; i++) if (left[i] !== (i >= 50 * FRAME && i < 60 * FRAME ? -700 : 0)) misplaced++;
    expect(misplaced).toBe(0);
  });

  it('inserts silence for gaps in both channels and moves time on with advance()', async () => {
    const path = file();
    const rec = new StereoWavRecorder(path);
    rec.writePcm(AGENT_CHANNEL, 0, frame(100));
    rec.advance(50 * FRAME); // one second of nothing from either side
    rec.writePcm(CALLER_CHANNEL, 50 * FRAME, frame(200));
    const result = await rec.close();
    expect(result.durationMs).toBe(1020);
    const { left, right } = channels(readFileSync(path));
    expect(right.subarray(0, FRAME).every((v) => v === 100)).toBe(true);
    expect(right.subarray(FRAME).every((v) => v === 0)).toBe(true);
    expect(left.subarray(0, 50 * FRAME).every((v) => v === 0)).toBe(true);
    expect(left.subarray(50 * FRAME).every((v) => v === 200)).toBe(true);
  });

  it('drops audio that arrives after its place was written out, and counts it', async () => {
    const rec = new StereoWavRecorder(file(), { lagMs: 200 });
    for (let f = 0; f < 40; f++) rec.writePcm(AGENT_CHANNEL, f * FRAME, frame(1));
    rec.writePcm(CALLER_CHANNEL, 5 * FRAME, frame(9)); // 35 frames (700 ms) behind: too late
    rec.writePcm(CALLER_CHANNEL, 35 * FRAME, frame(9)); // 100 ms behind: still open
    expect(rec.lateSamples).toBe(FRAME);
    const result = await rec.close();
    expect(result.lateSamples).toBe(FRAME);
  });

  it('decodes µ-law and A-law payloads straight into the timeline', async () => {
    const path = file();
    const rec = new StereoWavRecorder(path);
    rec.writeUlaw(CALLER_CHANNEL, 0, new Uint8Array(FRAME).fill(0x80)); // +32124
    rec.writeAlaw(AGENT_CHANNEL, 0, new Uint8Array(FRAME).fill(0x55)); // −8
    await rec.close();
    const { left, right } = channels(readFileSync(path));
    expect(left[0]).toBe(32124);
    expect(right[FRAME - 1]).toBe(-8);
  });

  it('keeps the file playable mid-call: header sizes are rewritten as it grows (simulated crash)', async () => {
    const path = file();
    const rec = new StereoWavRecorder(path, { chunkMs: 1000, lagMs: 200 });
    for (let f = 0; f < 175; f++) {
      // 3.5 s
      rec.writePcm(CALLER_CHANNEL, f * FRAME, frame(f));
      rec.writePcm(AGENT_CHANNEL, f * FRAME, frame(-f));
    }
    await rec.flushed(); // the process "crashes" here: no close()
    const buf = readFileSync(path);
    const header = readWavHeader(buf)!;
    expect(header.dataSize).toBe(buf.length - 44);
    expect(header.riffSize).toBe(buf.length - 8);
    expect(header.dataSize).toBe(3 * 32000); // 3.3 s final → three 1 s chunks on disk; ≤ 0.5 s lost
    const { left, right } = channels(buf);
    expect(left[100 * FRAME]).toBe(100);
    expect(right[149 * FRAME]).toBe(-149);
    await rec.close();
  });

  it('creates the file readable by its owner only (0600), also when a world-readable file was there', async () => {
    const fresh = file();
    const stale = file();
    writeFileSync(stale, 'old');
    chmodSync(stale, 0o644);
    const recs = [new StereoWavRecorder(fresh), new StereoWavRecorder(stale)];
    for (const rec of recs) rec.writePcm(CALLER_CHANNEL, 0, frame(100));
    for (const rec of recs) expect((await rec.close()).error).toBeNull();
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(statSync(stale).mode & 0o777).toBe(0o600);
    expect(readWavHeader(readFileSync(stale))?.dataSize).toBe(FRAME * 4);
  });

  it('reports a file error in the result instead of throwing', async () => {
    const rec = new StereoWavRecorder(join(dir, 'missing-dir', 'x.wav'));
    rec.writePcm(CALLER_CHANNEL, 0, frame(1));
    const result = await rec.close();
    expect(result.error?.code).toBe('ENOENT');
  });
});

describe('ArrivalSlots', () => {
  it('lays jittered packets end to end', () => {
    const slots = new ArrivalSlots(1000);
    const arrivals = [1020, 1043, 1058, 1081, 1100];
    expect(arrivals.map((t) => slots.place(t, FRAME))).toEqual([0, 160, 320, 480, 640]);
  });

  it('jumps over a gap (silence in the recording) and drops audio running ahead', () => {
    const slots = new ArrivalSlots(0, { gapToleranceMs: 60, maxAheadMs: 200 });
    expect(slots.place(20, FRAME)).toBe(0);
    expect(slots.place(40, FRAME)).toBe(160);
    expect(slots.place(1040, FRAME)).toBe(1020 * 8); // a second of nothing: placed by arrival
    // A burst of 20 frames at once: the on-time one plus 10 frames (200 ms) ahead fit, the rest drop.
    const placed = Array.from({ length: 20 }, () => slots.place(1060, FRAME));
    expect(placed.filter((p) => p >= 0)).toEqual(Array.from({ length: 11 }, (_, k) => 8320 + k * FRAME));
    expect(slots.dropped).toBe(9);
    slots.reset();
    expect(slots.place(5000, FRAME)).toBe(5000 * 8 - FRAME);
  });
});
