/**
 * One small interface for every payload codec, so the media chain never branches on codec names
 * per frame: encode PCM16 into a caller buffer, decode a payload into a caller buffer. Errors are
 * negative return values with stable codes, never exceptions (a bad payload comes off the network).
 */

import { alawDecode, alawEncode, ulawDecode, ulawEncode } from './g711.js';

/** Negative results of `encode`/`decode`. */
export const CodecResult = {
  /** Input is not a frame size the codec can encode. */
  BAD_FRAME_SIZE: -1,
  /** The payload could not be decoded. */
  CORRUPT_PAYLOAD: -2,
  /** `out` cannot hold the result. */
  OUTPUT_TOO_SMALL: -3,
  /** The codec was destroyed. */
  CLOSED: -4,
} as const;

export type CodecName = 'PCMU' | 'PCMA' | 'opus';

export interface Codec {
  /** RTP encoding name as in SDP a=rtpmap (RFC 3551 §6, RFC 7587 §7). */
  readonly name: CodecName;
  /** RTP timestamp clock (8000 for G.711, 48000 for Opus whatever the audio bandwidth). */
  readonly clockRate: number;
  /** Sample rate of the PCM16 this codec takes and gives. */
  readonly sampleRate: number;
  /** PCM samples in one 20 ms frame at `sampleRate`. */
  readonly frameSamples: number;
  /** RTP timestamp increase per 20 ms frame. */
  readonly timestampStep: number;
  /** Encode PCM16 (mono) into `out`; returns bytes written or a negative `CodecResult`. */
  encode(pcm: Int16Array, out: Uint8Array): number;
  /** Decode one payload into `out`; returns samples written or a negative `CodecResult`. */
  decode(payload: Uint8Array, out: Int16Array): number;
  /** Release native resources. Idempotent. */
  destroy(): void;
}

const FRAME_MS = 20;

class G711Codec implements Codec {
  readonly clockRate = 8000;
  readonly sampleRate = 8000;
  readonly frameSamples = (8000 * FRAME_MS) / 1000;
  readonly timestampStep = this.frameSamples;

  constructor(
    readonly name: 'PCMU' | 'PCMA',
    private readonly enc: (pcm: Int16Array, out: Uint8Array) => number,
    private readonly dec: (payload: Uint8Array, out: Int16Array) => number,
  ) {}

  encode(pcm: Int16Array, out: Uint8Array): number {
    return out.length < pcm.length ? CodecResult.OUTPUT_TOO_SMALL : this.enc(pcm, out);
  }

  decode(payload: Uint8Array, out: Int16Array): number {
    return out.length < payload.length ? CodecResult.OUTPUT_TOO_SMALL : this.dec(payload, out);
  }

  destroy(): void {}
}

/** G.711 µ-law (static payload type 0). */
export function createPcmuCodec(): Codec {
  return new G711Codec('PCMU', ulawEncode, ulawDecode);
}

/** G.711 A-law (static payload type 8). */
export function createPcmaCodec(): Codec {
  return new G711Codec('PCMA', alawEncode, alawDecode);
}
