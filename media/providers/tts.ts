/**
 * The internal model of streaming text-to-speech: one `TtsUtterance` per agent reply, fed a
 * sentence (or clause) at a time as the LLM produces them, giving audio in order as soon as each
 * sentence starts to synthesise. Adapters (OpenAI speech, ElevenLabs multi-context WebSocket, the
 * local voice) keep their wire formats to themselves; the pipeline sees only this.
 */
import type { TypedEmitter } from './typed-emitter.js';

/** Audio as the vendor gives it: µ-law 8 kHz (ElevenLabs `ulaw_8000`) or PCM16 little-endian. */
export interface TtsAudio {
  encoding: 'ulaw' | 'pcm16';
  sampleRate: number;
  data: Uint8Array;
  /** The sentence (0-based, in push order) this audio speaks; -1 when the vendor does not say. */
  sentence: number;
}

export type TtsErrorCode = 'auth_failed' | 'rate_limited' | 'connect_refused' | 'timeout' | 'server_error' | 'bad_request' | 'connection_lost' | 'synthesis_failed';

export interface TtsError {
  code: TtsErrorCode;
  message: string;
}

export interface TtsUtteranceEvents {
  /** A sentence's request went out (latency mark). */
  request: { sentence: number };
  audio: TtsAudio;
  /** Every pushed sentence has been spoken (after `end()`). */
  done: Record<string, never>;
  error: TtsError;
}

export interface TtsUtterance {
  readonly events: TypedEmitter<TtsUtteranceEvents>;
  /** One sentence or clause; synthesis of it starts now (or as soon as the previous one allows). */
  push(text: string): void;
  /** No more text for this reply. */
  end(): void;
  /** Barge-in: stop, drop what is still coming; no events after this. */
  cancel(): void;
}

export interface TtsEngine {
  /** Connects where the vendor keeps a connection (ElevenLabs); rejects with a `TtsStartError`. */
  open(): Promise<void>;
  utterance(): TtsUtterance;
  close(): Promise<void>;
}

export class TtsStartError extends Error {
  constructor(
    readonly code: TtsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TtsStartError';
  }
}

/** An HTTP status from a TTS vendor as one of our codes. */
export function ttsCodeForStatus(status: number): TtsErrorCode {
  if (status === 401 || status === 403) return 'auth_failed';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}
