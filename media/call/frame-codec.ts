/**
 * What the agent's audio looks like for a leg, and the per-frame conversions between the agent
 * format, the leg's codec and PCM16 for the recording. G.711 legs take G.711 from the agent in
 * the same law, so the usual path converts nothing (DESIGN §8).
 */
import { ALAW_SILENCE, ULAW_SILENCE, alawDecode, alawToUlaw, ulawDecode, ulawToAlaw } from '../codecs/g711.js';
import type { PlayoutFormat } from '../playout/playout-queue.js';
import type { AudioCodecName } from '../protocol.js';
import type { AgentAudioFormat } from './types.js';

export class UnsupportedCodecError extends Error {
  readonly code = 'media/unsupported-codec' as const;
  constructor(codec: string) {
    super(`codec ${codec} is not supported on this leg`);
    this.name = 'UnsupportedCodecError';
  }
}

const G711_FRAME = 160;

export function agentFormatFor(codec: AudioCodecName): AgentAudioFormat {
  if (codec === 'PCMU') return { encoding: 'pcmu', sampleRate: 8000 };
  if (codec === 'PCMA') return { encoding: 'pcma', sampleRate: 8000 };
  throw new UnsupportedCodecError(codec);
}

export function playoutFormatFor(format: AgentAudioFormat): PlayoutFormat {
  if (format.encoding === 'pcmu') return { frameBytes: G711_FRAME, bytesPerMs: 8, silenceByte: ULAW_SILENCE };
  if (format.encoding === 'pcma') return { frameBytes: G711_FRAME, bytesPerMs: 8, silenceByte: ALAW_SILENCE };
  throw new UnsupportedCodecError(format.encoding);
}

/** Converts one agent frame to the leg's codec; returns the frame itself when no work is needed. */
export class OutboundConverter {
  private readonly scratch = new Uint8Array(G711_FRAME);

  constructor(
    private readonly agent: AgentAudioFormat,
    private leg: AudioCodecName,
  ) {
    this.setLeg(leg);
  }

  /** The remote switched codec (re-INVITE): G.711 laws convert into each other byte by byte. */
  setLeg(leg: AudioCodecName): void {
    if (leg !== 'PCMU' && leg !== 'PCMA') throw new UnsupportedCodecError(leg);
    this.leg = leg;
  }

  convert(frame: Uint8Array): Uint8Array {
    if (this.agent.encoding === 'pcmu' && this.leg === 'PCMA') {
      ulawToAlaw(frame, this.scratch);
      return this.scratch;
    }
    if (this.agent.encoding === 'pcma' && this.leg === 'PCMU') {
      alawToUlaw(frame, this.scratch);
      return this.scratch;
    }
    return frame;
  }
}

/** Decodes a G.711 payload of `codec` to PCM16 (for the recording); returns samples written. */
export function decodeToPcm(codec: AudioCodecName | 'pcmu' | 'pcma', payload: Uint8Array, out: Int16Array): number {
  if (codec === 'PCMU' || codec === 'pcmu') return ulawDecode(payload, out);
  if (codec === 'PCMA' || codec === 'pcma') return alawDecode(payload, out);
  return 0;
}
