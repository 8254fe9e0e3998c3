/** Messages between a media worker and its speech worker (structured clone, plain data). */
export interface SynthRequest {
  type: 'synth';
  id: number;
  /** flite voice name. */
  voice: string;
  text: string;
}

export type ToSpeechWorker = SynthRequest | { type: 'cancel'; id: number };

export type FromSpeechWorker =
  | { type: 'ready' }
  /** PCM16 little-endian mono at 8 kHz (the worker resampled it), and the synthesis time. */
  | { type: 'audio'; id: number; pcm: ArrayBuffer; sampleRate: number; synthMs: number; audioMs: number }
  | { type: 'error'; id: number; message: string };
