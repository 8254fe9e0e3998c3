/**
 * Opus (RFC 6716) for trunks that offer it, through @discordjs/opus (native libopus). The RTP clock
 * is always 48 kHz (RFC 7587 §4.1); the PCM side runs at any rate libopus supports (8, 12, 16, 24,
 * 48 kHz), so a pipeline that wants 8 kHz gets it from libopus's own resampler, with no extra stage.
 *
 * The binding returns a fresh Buffer per call; the payload is copied into the caller's buffer so the
 * interface matches the other codecs. Packet loss concealment is not reachable through the binding:
 * the caller plays silence for a lost frame.
 */

import opus from '@discordjs/opus';
import { CodecResult, type Codec } from './codec.js';

const OPUS_CLOCK = 48000;
const PCM_RATES = new Set([8000, 12000, 16000, 24000, 48000]);
// opus_defines.h request codes.
const OPUS_SET_APPLICATION = 4000;
const OPUS_APPLICATION_VOIP = 2048;
const OPUS_SET_INBAND_FEC = 4012;
const OPUS_SET_PACKET_LOSS_PERC = 4014;

export interface OpusOptions {
  /** PCM sample rate on our side (default 8000: what the G.711-shaped pipeline wants). */
  sampleRate?: number;
  /** Target bitrate in bit/s (default 24000: wideband speech). */
  bitrate?: number;
  /** Expected loss in percent, enables in-band FEC when > 0 (default 0). */
  packetLossPercent?: number;
}

export class OpusCodecError extends Error {
  readonly code = 'OPUS_UNSUPPORTED_RATE';
}

class OpusCodec implements Codec {
  readonly name = 'opus';
  readonly clockRate = OPUS_CLOCK;
  readonly frameSamples: number;
  readonly timestampStep = (OPUS_CLOCK * 20) / 1000;
  private codec: opus.OpusEncoder | null;

  constructor(readonly sampleRate: number, options: OpusOptions) {
    this.frameSamples = (sampleRate * 20) / 1000;
    this.codec = new opus.OpusEncoder(sampleRate, 1);
    this.codec.applyEncoderCTL(OPUS_SET_APPLICATION, OPUS_APPLICATION_VOIP);
    this.codec.setBitrate(options.bitrate ?? 24000);
    const loss = options.packetLossPercent ?? 0;
    if (loss > 0) {
      this.codec.applyEncoderCTL(OPUS_SET_INBAND_FEC, 1);
      this.codec.applyEncoderCTL(OPUS_SET_PACKET_LOSS_PERC, Math.min(100, Math.round(loss)));
    }
  }

  encode(pcm: Int16Array, out: Uint8Array): number {
    if (!this.codec) return CodecResult.CLOSED;
    if (!isOpusFrameSize(pcm.length, this.sampleRate)) return CodecResult.BAD_FRAME_SIZE;
    // libopus reads the samples in place: a Buffer view over the same memory, no copy.
    const packet = this.codec.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    if (packet.length > out.length) return CodecResult.OUTPUT_TOO_SMALL;
    out.set(packet);
    return packet.length;
  }

  decode(payload: Uint8Array, out: Int16Array): number {
    if (!this.codec) return CodecResult.CLOSED;
    if (payload.length === 0) return CodecResult.CORRUPT_PAYLOAD;
    let pcm: Buffer;
    try {
      pcm = this.codec.decode(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    } catch {
      return CodecResult.CORRUPT_PAYLOAD; // libopus rejected the packet (opus_decode < 0)
    }
    const samples = pcm.length >> 1;
    if (samples > out.length) return CodecResult.OUTPUT_TOO_SMALL;
    for (let i = 0; i < samples; i++) out[i] = pcm.readInt16LE(i * 2);
    return samples;
  }

  destroy(): void {
    // The native encoder/decoder are freed when the wrapper is collected; drop our reference.
    this.codec = null;
  }
}

/** Frame durations Opus encodes: 2.5, 5, 10, 20, 40, 60 ms (RFC 6716 §2.1.4). */
function isOpusFrameSize(samples: number, rate: number): boolean {
  const tenthsMs = (samples * 10000) / rate;
  return tenthsMs === 25 || tenthsMs === 50 || tenthsMs === 100 || tenthsMs === 200 || tenthsMs === 400 || tenthsMs === 600;
}

export function createOpusCodec(options: OpusOptions = {}): Codec {
  const rate = options.sampleRate ?? 8000;
  if (!PCM_RATES.has(rate)) throw new OpusCodecError(`opus cannot run at ${rate} Hz`);
  return new OpusCodec(rate, options);
}
