import { describe, expect, it } from 'vitest';
import { CodecResult, createPcmaCodec, createPcmuCodec } from '../../media/codecs/codec.js';
import { OpusCodecError, createOpusCodec } from '../../media/codecs/opus.js';

function amplitudeAt(y: Int16Array, rate: number, freq: number, start: number, n: number): number {
  let c = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const ph = (2 * Math.PI * freq * (start + i)) / rate;
    c += y[start + i] * Math.cos(ph);
    s += y[start + i] * Math.sin(ph);
  }
  return (2 / n) * Math.hypot(c, s);
}

/** Encode then decode `seconds` of a tone frame by frame; returns the decoded PCM. */
function roundTrip(rate: number, freq: number, seconds: number): { pcm: Int16Array; bytes: number } {
  const codec = createOpusCodec({ sampleRate: rate });
  const frame = new Int16Array(codec.frameSamples);
  const packet = new Uint8Array(1500);
  const decoded = new Int16Array(codec.frameSamples * 6);
  const frames = Math.round(seconds * 50);
  const pcm = new Int16Array(frames * codec.frameSamples);
  let bytes = 0;
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < frame.length; i++) {
      frame[i] = Math.round(10000 * Math.sin((2 * Math.PI * freq * (f * frame.length + i)) / rate));
    }
    const n = codec.encode(frame, packet);
    expect(n).toBeGreaterThan(0);
    bytes += n;
    const k = codec.decode(packet.subarray(0, n), decoded);
    expect(k).toBe(codec.frameSamples);
    pcm.set(decoded.subarray(0, k), f * codec.frameSamples);
  }
  codec.destroy();
  return { pcm, bytes };
}

describe('Opus codec', () => {
  it('keeps a 1 kHz tone through encode/decode at 8 kHz PCM (48 kHz RTP clock)', () => {
    const codec = createOpusCodec();
    expect(codec).toMatchObject({ name: 'opus', clockRate: 48000, sampleRate: 8000, frameSamples: 160, timestampStep: 960 });
    codec.destroy();
    const { pcm, bytes } = roundTrip(8000, 1000, 1);
    const level = amplitudeAt(pcm, 8000, 1000, 4000, 4000);
    expect(Math.abs(20 * Math.log10(level / 10000))).toBeLessThan(2);
    expect(bytes / 50).toBeLessThan(120); // ~24 kbit/s: about 60 bytes per 20 ms frame
  });

  it('keeps a tone at 48 kHz PCM', () => {
    const { pcm } = roundTrip(48000, 1000, 0.5);
    expect(Math.abs(20 * Math.log10(amplitudeAt(pcm, 48000, 1000, 12000, 12000) / 10000))).toBeLessThan(2);
  });

  it('returns coded errors for bad input instead of throwing', () => {
    const codec = createOpusCodec();
    const out = new Int16Array(5760);
    expect(codec.decode(Uint8Array.from([0xff, 0xff, 0xff, 1, 2]), out)).toBe(CodecResult.CORRUPT_PAYLOAD);
    expect(codec.decode(new Uint8Array(0), out)).toBe(CodecResult.CORRUPT_PAYLOAD);
    expect(codec.encode(new Int16Array(100), new Uint8Array(1500))).toBe(CodecResult.BAD_FRAME_SIZE);
    expect(codec.encode(new Int16Array(160), new Uint8Array(1))).toBe(CodecResult.OUTPUT_TOO_SMALL);
    codec.destroy();
    expect(codec.encode(new Int16Array(160), new Uint8Array(1500))).toBe(CodecResult.CLOSED);
    expect(() => createOpusCodec({ sampleRate: 44100 })).toThrow(OpusCodecError);
  });
});

describe('G.711 codecs behind the Codec interface', () => {
  it('encode and decode 20 ms frames', () => {
    for (const codec of [createPcmuCodec(), createPcmaCodec()]) {
      expect(codec).toMatchObject({ clockRate: 8000, sampleRate: 8000, frameSamples: 160, timestampStep: 160 });
      const pcm = new Int16Array(160).map((_, i) => Math.round(5000 * Math.sin(i / 3)));
      const payload = new Uint8Array(160);
      expect(codec.encode(pcm, payload)).toBe(160);
      const back = new Int16Array(160);
      expect(codec.decode(payload, back)).toBe(160);
      for (let i = 0; i < 160; i++) expect(Math.abs(back[i] - pcm[i])).toBeLessThan(200);
      expect(codec.decode(payload, new Int16Array(10))).toBe(CodecResult.OUTPUT_TOO_SMALL);
    }
    expect(createPcmuCodec().name).toBe('PCMU');
    expect(createPcmaCodec().name).toBe('PCMA');
  });
});
