/**
 * The provider catalogue: which BYOK providers exist, what they are used for and which models
 * voxgate offers for them (`GET /api/v1/byok/config`), plus the model an agent gets when its
 * config names a provider but no model. Plain data.
 */

/** Providers an organization can store its own key for (byok_keys.provider). */
export const BYOK_PROVIDERS = ['deepgram', 'openai', 'elevenlabs', 'xai', 'resend', 'mistral'] as const;
export type ByokProvider = (typeof BYOK_PROVIDERS)[number];

export type ProviderCategory = 'stt' | 'llm' | 'tts' | 'realtime' | 'email';

export interface CatalogModel {
  id: string;
  name: string;
  default: boolean;
  /** What the model is for when a provider serves several categories. */
  category?: ProviderCategory;
}

export interface CatalogProvider {
  id: ByokProvider;
  name: string;
  /** The main use (Flireo's category); `categories` lists every use of the same key. */
  category: ProviderCategory;
  categories: ProviderCategory[];
  docsUrl: string;
  models: CatalogModel[];
}

const m = (id: string, name: string, isDefault = false, category?: ProviderCategory): CatalogModel =>
  category ? { id, name, default: isDefault, category } : { id, name, default: isDefault };

export const PROVIDER_CATALOG: readonly CatalogProvider[] = Object.freeze([
  {
    id: 'deepgram',
    name: 'Deepgram',
    category: 'stt',
    categories: ['stt'],
    docsUrl: 'https://developers.deepgram.com/docs/models-languages-overview',
    models: [m('nova-3-general', 'Nova-3 General', true), m('nova-3', 'Nova-3'), m('nova-2-general', 'Nova-2 General'), m('nova-2-phonecall', 'Nova-2 Phonecall')],
  },
  {
    id: 'openai',
    name: 'OpenAI',
    category: 'llm',
    categories: ['llm', 'tts', 'realtime'],
    docsUrl: 'https://platform.openai.com/docs/models',
    models: [
      m('gpt-4o-mini', 'GPT-4o mini', true, 'llm'),
      m('gpt-4o', 'GPT-4o', false, 'llm'),
      m('gpt-4.1-mini', 'GPT-4.1 mini', false, 'llm'),
      m('gpt-4.1', 'GPT-4.1', false, 'llm'),
      m('gpt-realtime', 'GPT Realtime (speech-to-speech)', false, 'realtime'),
      m('gpt-4o-mini-tts', 'GPT-4o mini TTS', false, 'tts'),
    ],
  },
  {
    id: 'mistral',
    name: 'Mistral AI',
    category: 'llm',
    categories: ['llm'],
    docsUrl: 'https://docs.mistral.ai/getting-started/models/',
    models: [m('mistral-small-latest', 'Mistral Small', true), m('mistral-medium-latest', 'Mistral Medium'), m('mistral-large-latest', 'Mistral Large')],
  },
  {
    id: 'xai',
    name: 'xAI',
    category: 'realtime',
    categories: ['realtime', 'llm'],
    docsUrl: 'https://docs.x.ai/docs/guides/voice/agent',
    models: [
      m('grok-voice-latest', 'Grok Voice (realtime)', true, 'realtime'),
      m('grok-4-1-fast-non-reasoning', 'Grok 4.1 Fast (text)', false, 'llm'),
    ],
  },
  {
    id: 'elevenlabs',
    name: 'ElevenLabs',
    category: 'tts',
    categories: ['tts'],
    docsUrl: 'https://elevenlabs.io/docs/models',
    models: [
      m('eleven_flash_v2_5', 'Flash v2.5 (fastest)', true),
      m('eleven_turbo_v2_5', 'Turbo v2.5 (balanced)'),
      m('eleven_multilingual_v2', 'Multilingual v2 (best quality)'),
      m('eleven_v3', 'Eleven v3 (expressive, audio tags)'),
      m('eleven_monolingual_v1', 'Monolingual v1 (English)'),
    ],
  },
  {
    id: 'resend',
    name: 'Resend',
    category: 'email',
    categories: ['email'],
    docsUrl: 'https://resend.com/docs/api-reference/introduction',
    models: [],
  },
]);

/** The model an agent gets when its `llm_config` names the provider only. */
export const DEFAULT_LLM_MODEL = Object.freeze({
  openai: 'gpt-4o-mini',
  mistral: 'mistral-small-latest',
  xai: 'grok-4-1-fast-non-reasoning',
  // The model names the media adapters connect with by default.
  xai_realtime: 'grok-voice-latest',
  openai_realtime: 'gpt-realtime',
});

export const DEFAULT_STT_MODEL = 'nova-3-general';
export const DEFAULT_ELEVENLABS_MODEL = 'eleven_flash_v2_5';
