/**
 * The audio format a call's logic works in, and the per-frame conversions between it and the
 * RTP leg's codec. G.711 legs use G.711 of the same law on both sides, so the usual path converts
 * nothing (DESIGN §8); an Opus leg is decoded to / encoded from PCM16 at 24 kHz (the rate realtime
 * models speak) by libopus, which resamples internally.
 */
import { createOpusCodec } from '../codecs/opus.js';
import type { Codec } from '../codecs/codec.js';
import { ALAW_SILENCE, ULAW_SILENCE, alawToUlaw, ulawToAlaw } from '../codecs/g711.js';
import type { PlayoutFormat } from '../playout/playout-queue.js';
import type { AudioCodecName } from '../protocol.js';
import type { AudioFormat } from './types.js';

export class UnsupportedCodecError extends Error {
  readonly code = 'media/unsupported-codec' as const;
  constructor(what: string) {
    super(`unsupported codec change or format: ${what}`);
    this.name = 'UnsupportedCodecError';
  }
}

const OPUS_PCM_RATE = 24000;
const MAX_PACKET = 1500;

export function audioFormatFor(codec: AudioCodecName): AudioFormat {
  if (codec === 'PCMU') return { encoding: 'pcmu', sampleRate: 8000 };
  if (codec === 'PCMA') return { encoding: 'pcma', sampleRate: 8000 };
  if (codec === 'opus') return { encoding: 'pcm16', sampleRate: OPUS_PCM_RATE };
  throw new UnsupportedCodecError(String(codec));
}

export function playoutFormatFor(format: AudioFormat): PlayoutFormat {
  if (format.encoding === 'pcmu') return { frameBytes: 160, bytesPerMs: 8, silenceByte: ULAW_SILENCE };
  if (format.encoding === 'pcma') return { frameBytes: 160, bytesPerMs: 8, silenceByte: ALAW_SILENCE };
  return { frameBytes: (format.sampleRate / 50) * 2, bytesPerMs: (format.sampleRate * 2) / 1000, silenceByte: 0 };
}

/** A leg codec change the logic's format can follow: G.711 law swaps only. */
function compatible(format: AudioFormat, leg: AudioCodecName): boolean {
  return format.encoding === 'pcm16' ? leg === 'opus' : leg === 'PCMU' || leg === 'PCMA';
}

/**
 * Converts between the logic's format and the leg: `encode` turns one playout frame into an RTP
 * payload (in `payload`, `encode`'s return is its length); `decode` turns one RTP payload into
 * the logic's format (a view valid until the next call). Nothing allocates per frame except the
 * rare non-20 ms Opus packet.
 */
export class FrameConverter {
  payload: Uint8Array;
  private readonly scratch = new Uint8Array(MAX_PACKET);
  private readonly decoded = new Uint8Array(MAX_PACKET);
  private readonly pcm: Int16Array;
  private readonly pcmBytes: Uint8Array;
  private opus: Codec | null = null;

  constructor(
    private readonly format: AudioFormat,
    private leg: AudioCodecName,
  ) {
    this.payload = this.scratch;
    // 120 ms at 24 kHz: the longest Opus packet (RFC 6716 §3.2.5).
    this.pcm = new Int16Array((OPUS_PCM_RATE * 120) / 1000);
    this.pcmBytes = new Uint8Array(this.pcm.buffer, 0, (format.sampleRate / 50) * 2);
    this.setLeg(leg);
  }

  /** The remote switched codec (re-INVITE): G.711 laws convert into each other byte by byte. */
  setLeg(leg: AudioCodecName): void {
    if (!compatible(this.format, leg)) throw new UnsupportedCodecError(`${this.format.encoding} audio on a ${leg} leg`);
    this.leg = leg;
    if (leg === 'opus' && !this.opus) this.opus = createOpusCodec({ sampleRate: this.format.sampleRate });
  }

  /** One playout frame → `this.payload`; returns its length (≤ 0: nothing to send). */
  encode(frame: Uint8Array, pcmView: Int16Array | null): number {
    const enc = this.format.encoding;
    if (this.leg === 'opus') return pcmView && this.opus ? this.opus.encode(pcmView, this.scratch) : 0;
    if ((enc === 'pcmu' && this.leg === 'PCMU') || (enc === 'pcma' && this.leg === 'PCMA')) {
      this.payload = frame;
      return frame.length;
    }
    this.payload = this.scratch;
    return enc === 'pcmu' ? ulawToAlaw(frame, this.scratch) : alawToUlaw(frame, this.scratch);
  }

  /** One RTP payload → the logic's format; null when it cannot be decoded. */
  decode(payload: Uint8Array): Uint8Array | null {
    const enc = this.format.encoding;
    if (this.leg !== 'opus') {
      if ((enc === 'pcmu') === (this.leg === 'PCMU')) return payload;
      const n = enc === 'pcmu' ? alawToUlaw(payload, this.decoded) : ulawToAlaw(payload, this.decoded);
      return this.decoded.subarray(0, n);
    }
    const samples = this.opus ? this.opus.decode(payload, this.pcm) : -1;
    if (samples <= 0) return null;
    return samples * 2 === this.pcmBytes.length ? this.pcmBytes : new Uint8Array(this.pcm.buffer, 0, samples * 2);
  }

  close(): void {
    this.opus?.destroy();
  }
}
