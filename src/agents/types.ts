/**
 * The canonical, stored shape of an agent's configuration (flireo-api B §3.2 + A.3). Every
 * normaliser in this module produces these shapes and accepts them back unchanged, so what the
 * REST API returns is what it stores and what the call path reads.
 */

export const LLM_PROVIDERS = ['openai', 'mistral', 'xai', 'xai_realtime', 'openai_realtime'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export const REALTIME_PROVIDERS = ['xai_realtime', 'openai_realtime'] as const;
export type RealtimeProvider = (typeof REALTIME_PROVIDERS)[number];
export type PipelineProvider = Exclude<LlmProvider, RealtimeProvider>;

export const STT_PROVIDERS = ['deepgram'] as const;
export type SttProvider = (typeof STT_PROVIDERS)[number];
export const TTS_PROVIDERS = ['openai', 'elevenlabs', 'local'] as const;
export type TtsProvider = (typeof TTS_PROVIDERS)[number];

export const WEBHOOK_EVENTS = ['assistant-request', 'tool-calls', 'status-update', 'end-of-call-report', 'campaign-update'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const WEBHOOK_FORMATS = ['camel', 'snake'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export type JsonSchema = Record<string, unknown>;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A custom tool, run by POSTing `tool-calls` to `url` (else the agent's `webhook_url`). */
export interface FunctionTool {
  type: 'function';
  name: string;
  description: string;
  parameters: JsonSchema;
  /** Fire-and-forget: the agent says `asyncResponse` instead of waiting for the result. */
  async: boolean;
  url?: string;
  asyncResponse?: string;
}

export interface EndCallTool {
  type: 'endCall';
}

/** How a transfer to a destination goes (voxgate extensions): `warm` briefs the person first; `timeout_seconds` rings that long. */
export interface TransferDestinationOptions {
  description?: string;
  message?: string;
  mode?: 'warm';
  timeout_seconds?: number;
}

export type TransferDestination =
  | ({ type: 'number'; number: string } & TransferDestinationOptions)
  | ({ type: 'sip'; sipUri: string } & TransferDestinationOptions);

export interface TransferCallTool {
  type: 'transferCall';
  destinations: TransferDestination[];
}

export type AgentTool = FunctionTool | EndCallTool | TransferCallTool;

/** xAI/OpenAI realtime turn detection (G3 spelling). */
export interface TurnDetection {
  threshold?: number;
  prefix_padding_ms?: number;
  silence_duration_ms?: number;
  idle_timeout_ms?: number;
}

export interface LlmConfig {
  provider: LlmProvider;
  model: string;
  temperature: number;
  /** The system prompt(s); omitted when empty. */
  messages?: ChatMessage[];
  /** Omitted when empty. */
  tools?: AgentTool[];
  /** Realtime providers only. */
  voice?: string;
  max_completion_tokens?: number;
  /** Realtime providers only. */
  turn_detection?: TurnDetection;
}

/** Turn-taking of pipeline agents (all optional; defaults in media/agent/config.ts TURN_TAKING_DEFAULTS). */
export const TURN_TAKING_FIELDS = [
  'endpointing_ms',
  'utterance_end_ms',
  'on_punctuation_ms',
  'on_number_ms',
  'on_no_punctuation_ms',
  'min_end_of_turn_ms',
  'max_end_of_turn_ms',
  'interruption_min_speech_ms',
  'interruption_min_words',
  'false_interruption_ms',
] as const;
export type TurnTakingField = (typeof TURN_TAKING_FIELDS)[number];

export interface SttConfig extends Partial<Record<TurnTakingField, number>> {
  provider: SttProvider;
  model: string;
  language: string;
  keyterms?: string[];
}

export interface TtsConfig {
  provider: TtsProvider;
  voiceId: string;
  model?: string;
  /** ElevenLabs voice settings (G3 names). */
  stability?: number;
  similarity_boost?: number;
  style?: number;
  use_speaker_boost?: boolean;
  speed?: number;
}

export interface StructuredDataPlan {
  enabled: boolean;
  schema?: JsonSchema;
  messages?: ChatMessage[];
  /** The analysis template the plan was copied from (the SDK's `template_id`), when it was. */
  templateId?: string;
}

export interface SummaryPlan {
  enabled: boolean;
  messages?: ChatMessage[];
}

/** Returned in the G2 example spelling (camelCase inside the plan). */
export interface AnalysisPlan {
  structuredDataPlan?: StructuredDataPlan;
  summaryPlan?: SummaryPlan;
  minMessagesThreshold: number;
}

/** Every stored agent column except id, org_id and timestamps. */
export interface AgentFields {
  name: string;
  business_name: string | null;
  notification_email: string | null;
  first_message: string | null;
  is_active: boolean;
  webhook_url: string | null;
  webhook_secret: string | null;
  webhook_events: WebhookEvent[];
  stt_config: SttConfig | null;
  llm_config: LlmConfig;
  tts_config: TtsConfig | null;
  analysis_plan: AnalysisPlan | null;
  voicemail_detection: boolean;
  voicemail_message: string | null;
  autonomous_silence_handling: boolean;
  silence_timeout_seconds: number | null;
  max_duration_seconds: number;
  /** null: the organization's `webhook_format` (else camel) — see `loadAgent`. */
  webhook_format: WebhookFormat | null;
  recording_enabled: boolean;
}

/**
 * An agent as the call path reads it (`loadAgent`): `webhook_format` is the effective style —
 * the agent's own, else its organization's, else camel.
 */
export interface StoredAgent extends Omit<AgentFields, 'webhook_format'> {
  webhook_format: WebhookFormat;
  id: string;
  org_id: string;
  created_at: Date;
  updated_at: Date;
}

export function isRealtimeProvider(provider: LlmProvider): provider is RealtimeProvider {
  return (REALTIME_PROVIDERS as readonly string[]).includes(provider);
}
