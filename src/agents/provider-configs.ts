/**
 * `llm_config`, `stt_config` and `tts_config` (flireo-api B §3.2.1–3.2.3, A.3): the provider
 * rules and per-provider defaults. A block is always normalised as a whole: fields it omits take
 * the defaults of its provider, never the values of a previously stored block.
 */
import { DEFAULT_ELEVENLABS_MODEL, DEFAULT_LLM_MODEL, DEFAULT_STT_MODEL } from '../catalog/providers.js';
import { DEFAULT_VOICE, isKnownVoice, type VoiceUse } from '../catalog/voices.js';
import * as check from './check.js';
import type { JsonRecord } from './check.js';
import { invalidField, missing } from './errors.js';
import { normalizeTools } from './tools.js';
import {
  LLM_PROVIDERS,
  STT_PROVIDERS,
  TTS_PROVIDERS,
  TURN_TAKING_FIELDS,
  isRealtimeProvider,
  type ChatMessage,
  type LlmConfig,
  type SttConfig,
  type TtsConfig,
  type TtsProvider,
  type TurnDetection,
} from './types.js';

export const DEFAULT_TEMPERATURE = 0.7;
const MODEL = { min: 1, max: 200 };
const MAX_MESSAGES = 50;
const MESSAGE_ROLES = ['system', 'user', 'assistant'] as const;

/** A.3 defaults, used when an agent is created without the block. */
export const defaultLlmConfig = (): LlmConfig => ({ provider: 'openai', model: DEFAULT_LLM_MODEL.openai, temperature: DEFAULT_TEMPERATURE });
export const defaultSttConfig = (): SttConfig => ({ provider: 'deepgram', model: DEFAULT_STT_MODEL, language: 'en' });
export const defaultTtsConfig = (): TtsConfig => ({ provider: 'openai', voiceId: DEFAULT_VOICE.openai });

export function normalizeMessages(input: unknown, param: string, maxItems = MAX_MESSAGES): ChatMessage[] {
  return check.array(input, param, maxItems).map((m, i) => {
    const at = `${param}[${i}]`;
    const msg = check.record(m, at);
    return {
      role: check.oneOf(msg.role ?? 'system', `${at}.role`, MESSAGE_ROLES),
      content: check.requiredString(msg.content, `${at}.content`, { max: 20_000 }),
    };
  });
}

function realtimeVoice(raw: JsonRecord, provider: 'xai_realtime' | 'openai_realtime'): string {
  if (raw.voice === undefined || raw.voice === null) return DEFAULT_VOICE[provider];
  const voice = check.string(raw.voice, 'llm_config.voice', { min: 1, max: 100 }).toLowerCase();
  if (!isKnownVoice(provider, voice)) {
    throw invalidField('llm_config.voice', `is not a voice of ${provider}; see GET /api/v1/voices?provider=${provider}`);
  }
  return voice;
}

function turnDetection(input: unknown): TurnDetection {
  const raw = check.record(input, 'llm_config.turn_detection');
  const out: TurnDetection = {};
  const p = 'llm_config.turn_detection';
  if (raw.threshold !== undefined) out.threshold = check.number(raw.threshold, `${p}.threshold`, 0, 1);
  const ms = ['prefix_padding_ms', 'silence_duration_ms', 'idle_timeout_ms'] as const;
  for (const key of ms) if (raw[key] !== undefined) out[key] = check.number(raw[key], `${p}.${key}`, 0, 600_000, true);
  return out;
}

/** `llm_config`: provider (default openai), its default model, temperature 0–2, tools, realtime voice. */
export function normalizeLlmConfig(input: unknown): LlmConfig {
  const raw = check.record(input, 'llm_config');
  const provider = raw.provider === undefined || raw.provider === null ? 'openai' : check.oneOf(raw.provider, 'llm_config.provider', LLM_PROVIDERS);
  const config: LlmConfig = {
    provider,
    model: raw.model === undefined || raw.model === null ? DEFAULT_LLM_MODEL[provider] : check.string(raw.model, 'llm_config.model', MODEL),
    temperature: raw.temperature === undefined || raw.temperature === null ? DEFAULT_TEMPERATURE : check.number(raw.temperature, 'llm_config.temperature', 0, 2),
  };
  if (raw.messages !== undefined && raw.messages !== null) {
    const messages = normalizeMessages(raw.messages, 'llm_config.messages');
    if (messages.length > 0) config.messages = messages;
  }
  if (raw.tools !== undefined && raw.tools !== null) {
    const tools = normalizeTools(raw.tools, 'llm_config.tools');
    if (tools.length > 0) config.tools = tools;
  }
  const maxTokens = check.pick(raw, 'max_completion_tokens', 'max_tokens', 'maxTokens');
  if (maxTokens !== undefined && maxTokens !== null) {
    config.max_completion_tokens = check.number(maxTokens, 'llm_config.max_completion_tokens', 1, 128_000, true);
  }
  if (isRealtimeProvider(provider)) {
    config.voice = realtimeVoice(raw, provider);
    if (raw.turn_detection !== undefined && raw.turn_detection !== null) config.turn_detection = turnDetection(raw.turn_detection);
  }
  return config;
}

/** `stt_config` of a pipeline agent: Deepgram, model and language defaulted, optional keyterms. */
export function normalizeSttConfig(input: unknown): SttConfig {
  const raw = check.record(input, 'stt_config');
  const config: SttConfig = {
    provider: raw.provider === undefined || raw.provider === null ? 'deepgram' : check.oneOf(raw.provider, 'stt_config.provider', STT_PROVIDERS),
    model: raw.model === undefined || raw.model === null ? DEFAULT_STT_MODEL : check.string(raw.model, 'stt_config.model', MODEL),
    language:
      raw.language === undefined || raw.language === null
        ? 'en'
        : check.string(raw.language, 'stt_config.language', { min: 2, max: 35, pattern: /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, patternText: 'must be a language code such as nl or en-US' }),
  };
  if (raw.keyterms !== undefined && raw.keyterms !== null) {
    config.keyterms = check.array(raw.keyterms, 'stt_config.keyterms', 100).map((k, i) => check.string(k, `stt_config.keyterms[${i}]`, { min: 1, max: 100 }));
  }
  for (const field of TURN_TAKING_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    config[field] = check.number(value, `stt_config.${field}`, ...TURN_BOUNDS[field], true);
  }
  if ((config.max_end_of_turn_ms ?? 3000) < (config.min_end_of_turn_ms ?? 500)) throw invalidField('stt_config.max_end_of_turn_ms', 'must not be below min_end_of_turn_ms');
  return config;
}

/** Bounds of the turn-taking settings (the API schema documents the same). */
const TURN_BOUNDS: Record<(typeof TURN_TAKING_FIELDS)[number], [number, number]> = {
  endpointing_ms: [10, 10_000],
  utterance_end_ms: [1000, 10_000],
  on_punctuation_ms: [0, 10_000],
  on_number_ms: [0, 10_000],
  on_no_punctuation_ms: [0, 10_000],
  min_end_of_turn_ms: [0, 10_000],
  max_end_of_turn_ms: [100, 30_000],
  interruption_min_speech_ms: [0, 10_000],
  interruption_min_words: [0, 20],
  false_interruption_ms: [100, 10_000],
};

const TTS_ALIASES: Record<string, TtsProvider> = { '11labs': 'elevenlabs' };

function ttsVoice(raw: JsonRecord, provider: TtsProvider): string {
  const key = raw.voiceId !== undefined && raw.voiceId !== null ? 'voiceId' : 'voice_id';
  const value = raw[key];
  if (value === undefined || value === null) {
    // ElevenLabs voices live in the customer's own library: there is no voice to default to.
    if (provider === 'elevenlabs') throw missing('tts_config.voiceId');
    return DEFAULT_VOICE[provider];
  }
  const voice = check.string(value, `tts_config.${key}`, { min: 1, max: 200 });
  if (provider === 'elevenlabs') return voice;
  const use: VoiceUse = provider;
  if (!isKnownVoice(use, voice)) throw invalidField(`tts_config.${key}`, `is not a voice of ${provider}; see GET /api/v1/voices?provider=${provider}`);
  return voice.toLowerCase();
}

/** `tts_config` of a pipeline agent: openai (default), elevenlabs (`11labs`) or local; `voice_id` → `voiceId`. */
export function normalizeTtsConfig(input: unknown): TtsConfig {
  const raw = check.record(input, 'tts_config');
  const rawProvider = typeof raw.provider === 'string' ? (TTS_ALIASES[raw.provider] ?? raw.provider) : raw.provider;
  const provider = rawProvider === undefined || rawProvider === null ? 'openai' : check.oneOf(rawProvider, 'tts_config.provider', TTS_PROVIDERS);
  const config: TtsConfig = { provider, voiceId: ttsVoice(raw, provider) };
  if (raw.model !== undefined && raw.model !== null) config.model = check.string(raw.model, 'tts_config.model', MODEL);
  else if (provider === 'elevenlabs') config.model = DEFAULT_ELEVENLABS_MODEL;
  const unit = (camel: string, snake: string): number | undefined => {
    const v = check.pick(raw, snake, camel);
    return v === undefined || v === null ? undefined : check.number(v, `tts_config.${raw[snake] !== undefined ? snake : camel}`, 0, 1);
  };
  const stability = unit('stability', 'stability');
  const similarity = unit('similarityBoost', 'similarity_boost');
  const style = unit('style', 'style');
  if (stability !== undefined) config.stability = stability;
  if (similarity !== undefined) config.similarity_boost = similarity;
  if (style !== undefined) config.style = style;
  const boost = check.pick(raw, 'use_speaker_boost', 'useSpeakerBoost');
  if (boost !== undefined && boost !== null) config.use_speaker_boost = check.boolean(boost, 'tts_config.use_speaker_boost');
  if (raw.speed !== undefined && raw.speed !== null) config.speed = check.number(raw.speed, 'tts_config.speed', 0.5, 2);
  return config;
}
