/**
 * The fake's view of a session: the vendor defaults it starts from, the effective settings read
 * from the merged wire session, and audio coding for the session's formats.
 */
import { alawDecode, ulawDecode } from '../../../media/codecs/g711.js';
import { bytesToPcm16, encodeAlaw, encodeMulaw, pcm16ToBytes, speechPcm } from '../audio.js';
import type { Flavour } from './types.js';

export interface FormatInfo {
  kind: 'pcmu' | 'pcma' | 'pcm';
  rate: number;
}

export interface EffectiveSession {
  inputFormat: FormatInfo;
  outputFormat: FormatInfo;
  vad: {
    enabled: boolean;
    silenceDurationMs: number;
    prefixPaddingMs: number;
    createResponse: boolean;
    interruptResponse: boolean;
  };
  instructions: string;
  voice: string;
  toolNames: string[];
}

/** The session a fresh connection has before any `session.update` (vendor defaults). */
export function defaultSession(flavour: Flavour, model: string, id: string): Record<string, unknown> {
  if (flavour === 'openai') {
    return {
      id,
      object: 'realtime.session',
      type: 'realtime',
      model,
      output_modalities: ['audio'],
      instructions: '',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: null,
          noise_reduction: null,
          turn_detection: {
            type: 'server_vad',
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 500,
            idle_timeout_ms: null,
            create_response: true,
            interrupt_response: true,
          },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy', speed: 1 },
      },
      tools: [],
      tool_choice: 'auto',
    };
  }
  return {
    instructions: '',
    voice: 'ara',
    turn_detection: { type: 'server_vad', threshold: 0.85, prefix_padding_ms: 333, silence_duration_ms: 500 },
    audio: { input: { format: { type: 'audio/pcm', rate: 24000 } }, output: { format: { type: 'audio/pcm', rate: 24000 } } },
    tools: [],
  };
}

function formatInfo(format: unknown): FormatInfo {
  const f = (format ?? {}) as { type?: string; rate?: number };
  if (f.type === 'audio/pcmu') return { kind: 'pcmu', rate: 8000 };
  if (f.type === 'audio/pcma') return { kind: 'pcma', rate: 8000 };
  return { kind: 'pcm', rate: f.rate ?? 24000 };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});

export function effectiveSession(flavour: Flavour, raw: Obj): EffectiveSession {
  const audio = obj(raw.audio);
  const input = obj(audio.input);
  const output = obj(audio.output);
  const td = flavour === 'openai' ? input.turn_detection : raw.turn_detection;
  const tdObj = obj(td);
  return {
    inputFormat: formatInfo(input.format),
    outputFormat: formatInfo(output.format),
    vad: {
      enabled: td !== null && td !== undefined,
      silenceDurationMs: typeof tdObj.silence_duration_ms === 'number' ? tdObj.silence_duration_ms : 500,
      prefixPaddingMs: typeof tdObj.prefix_padding_ms === 'number' ? tdObj.prefix_padding_ms : 300,
      // xAI's server VAD always answers and always yields to barge-in.
      createResponse: flavour === 'xai' || tdObj.create_response !== false,
      interruptResponse: flavour === 'xai' || tdObj.interrupt_response !== false,
    },
    instructions: typeof raw.instructions === 'string' ? raw.instructions : '',
    voice: String((flavour === 'openai' ? output.voice : raw.voice) ?? ''),
    toolNames: Array.isArray(raw.tools) ? raw.tools.map((t) => String(obj(t).name ?? obj(t).type)) : [],
  };
}

/** Input bytes in the session format → PCM16 samples (for the VAD). */
export function decodeInput(bytes: Uint8Array, format: FormatInfo): Int16Array {
  if (format.kind === 'pcm') return bytesToPcm16(bytes);
  const out = new Int16Array(bytes.length);
  if (format.kind === 'pcmu') ulawDecode(bytes, out);
  else alawDecode(bytes, out);
  return out;
}

/** Speech-like output audio of `ms` in the session's output format. */
export function synthesizeOutput(ms: number, format: FormatInfo, seed: number): Uint8Array {
  const pcm = speechPcm(ms, { sampleRate: format.rate, seed });
  if (format.kind === 'pcmu') return encodeMulaw(pcm);
  if (format.kind === 'pcma') return encodeAlaw(pcm);
  return pcm16ToBytes(pcm);
}

/** Bytes per millisecond of a format. */
export function bytesPerMsOf(format: FormatInfo): number {
  return format.kind === 'pcm' ? (format.rate / 1000) * 2 : 8;
}
