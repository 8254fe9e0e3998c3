/**
 * Agents (flireo-api B §3.2 + A.3). The nested config schemas document the known fields and
 * check their JSON types; the provider rules, defaults and tool shapes are checked by
 * `src/agents` (normalizeAgentFields), which the call path shares.
 */
import {
  Body,
  IsoDate,
  JsonObject,
  Name,
  Nullable,
  Type,
  Uuid,
  type Static,
} from '../../schemas.js';
import type { TProperties, TSchema } from 'typebox';

/** An object with documented, all-optional fields that keeps unknown keys for src/agents to judge. */
const open = (properties: TProperties, description: string) =>
  Type.Object(Type.Partial(Type.Object(properties)).properties, { additionalProperties: true, description });
/** Request side of a nullable config block: one `type: ["object","null"]` so a wrong type is one error, not two. */
const orNull = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, type: ['object', 'null'] });

const Message = open({ role: Type.String({ enum: ['system', 'user', 'assistant'] }), content: Type.String({ maxLength: 20_000 }) }, 'A chat message');

export const LlmConfig = open(
  {
    provider: Type.String({ maxLength: 32, description: 'openai | mistral | xai (pipeline) | xai_realtime | openai_realtime (speech-to-speech)' }),
    model: Type.String({ maxLength: 200, description: "Default per provider: gpt-4o-mini, mistral-small-latest, grok-4-1-fast-non-reasoning, grok-voice-latest, gpt-realtime" }),
    temperature: Type.Number({ minimum: 0, maximum: 2, description: 'Default 0.7' }),
    voice: Type.String({ maxLength: 100, description: 'Realtime providers only; default ara (xai_realtime) / marin (openai_realtime)' }),
    messages: Type.Array(Message, { maxItems: 50, description: 'The system prompt(s)' }),
    tools: Type.Array(JsonObject({ description: 'A custom function tool, {"type":"endCall"} or {"type":"transferCall","destinations":[…]}' }), {
      maxItems: 64,
    }),
    max_completion_tokens: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    turn_detection: JsonObject({ description: 'Realtime only: threshold, prefix_padding_ms, silence_duration_ms, idle_timeout_ms' }),
  },
  'Language model; default {"provider":"openai","model":"gpt-4o-mini","temperature":0.7}',
);

export const SttConfig = open(
  {
    provider: Type.String({ maxLength: 32, description: 'deepgram' }),
    model: Type.String({ maxLength: 200, description: 'Default nova-3-general' }),
    language: Type.String({ maxLength: 35, description: 'Default en' }),
    keyterms: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }),
    endpointing_ms: Type.Integer({ minimum: 10, maximum: 10_000, description: 'Deepgram endpointing (silence before speech_final); default 300' }),
    utterance_end_ms: Type.Integer({ minimum: 1000, maximum: 10_000, description: 'Deepgram utterance_end_ms; default 1000' }),
    on_punctuation_ms: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Wait after a final transcript ending in punctuation; default 100' }),
    on_number_ms: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Wait after one ending in a digit; default 400' }),
    on_no_punctuation_ms: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Wait after one ending without punctuation; default 1500' }),
    min_end_of_turn_ms: Type.Integer({ minimum: 0, maximum: 10_000, description: "End of turn at the earliest this long after the caller's last voiced packet; default 500" }),
    max_end_of_turn_ms: Type.Integer({ minimum: 100, maximum: 30_000, description: 'End of turn at the latest; default 3000' }),
    interruption_min_speech_ms: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Caller speech over the agent that confirms an interruption; default 500' }),
    interruption_min_words: Type.Integer({ minimum: 0, maximum: 20, description: 'Transcribed words an interruption also needs (0: speech alone); default 0' }),
    false_interruption_ms: Type.Integer({ minimum: 100, maximum: 10_000, description: 'A pause without words resumes the agent after this long; default 1000' }),
  },
  'Speech-to-text of pipeline agents; null on realtime agents. Default {"provider":"deepgram","model":"nova-3-general","language":"en"}',
);

export const TtsConfig = open(
  {
    provider: Type.String({ maxLength: 32, description: 'openai | elevenlabs (alias 11labs) | local' }),
    voiceId: Type.String({ maxLength: 200, description: 'Also accepted as voice_id' }),
    model: Type.String({ maxLength: 200 }),
    stability: Type.Number({ minimum: 0, maximum: 1, description: 'ElevenLabs' }),
    similarity_boost: Type.Number({ minimum: 0, maximum: 1, description: 'ElevenLabs' }),
    style: Type.Number({ minimum: 0, maximum: 1, description: 'ElevenLabs' }),
    use_speaker_boost: Type.Boolean({ description: 'ElevenLabs' }),
    speed: Type.Number({ minimum: 0.5, maximum: 2, description: 'OpenAI and ElevenLabs' }),
  },
  'Text-to-speech of pipeline agents; null on realtime agents. Default {"provider":"openai","voiceId":"alloy"}',
);

const WebhookEvent = Type.String({ enum: ['assistant-request', 'tool-calls', 'status-update', 'end-of-call-report'] });

const agentFields = {
  business_name: Nullable(Name()),
  notification_email: Nullable(Type.String({ maxLength: 320, description: 'E-mail address for call notifications' })),
  first_message: Nullable(Type.String({ maxLength: 5000 })),
  is_active: Type.Boolean({ description: 'Default true' }),
  webhook_url: Nullable(Type.String({ maxLength: 2048, description: 'http(s) URL receiving the webhook events' })),
  webhook_events: Type.Array(WebhookEvent, { maxItems: 16, description: 'Events sent to webhook_url; default none' }),
  voicemail_detection: Type.Boolean({ description: 'Default false (outbound calls only)' }),
  voicemail_message: Nullable(Type.String({ maxLength: 5000 })),
  autonomous_silence_handling: Type.Boolean({ description: 'Default false; true adds the endCall tool' }),
  silence_timeout_seconds: Nullable(Type.Integer({ minimum: 1, maximum: 600 })),
  max_duration_seconds: Type.Integer({ minimum: 10, maximum: 14_400, description: 'Default 1800' }),
  webhook_format: Type.String({ enum: ['camel', 'snake'], description: 'Webhook payload key style; default camel' }),
  recording_enabled: Type.Boolean({ description: 'Default true' }),
};

const AnalysisPlan = JsonObject({
  description: '{structuredDataPlan: {enabled, schema, messages}, summaryPlan?: {enabled, messages}, minMessagesThreshold} (snake_case keys accepted)',
});

const requestOnly = {
  stt_config: orNull(SttConfig),
  llm_config: orNull(LlmConfig),
  tts_config: orNull(TtsConfig),
  analysis_plan: orNull(AnalysisPlan),
  webhook_secret: Nullable(Type.String({ maxLength: 256, description: 'Signs webhooks (HMAC-SHA256); write-only, shown masked' })),
  tool_template_ids: Type.Array(Uuid(), { maxItems: 50, description: "Tool templates of this organization whose tools are copied into llm_config.tools" }),
  analysis_template_id: Uuid({ description: 'An analysis template copied into analysis_plan' }),
};

export const CreateAgentBody = Body({ name: Name(), ...Type.Partial(Type.Object({ ...agentFields, ...requestOnly })).properties }, {
  description: 'Only name is required; omitted fields take the defaults',
});
export const UpdateAgentBody = Body(Type.Partial(Type.Object({ name: Name(), ...agentFields, ...requestOnly })).properties, {
  description: 'Only supplied fields change; a supplied config block replaces the stored block as a whole',
});

const { business_name, notification_email, first_message, is_active, webhook_url, webhook_events, ...restFields } = agentFields;

/** The response object; key order as in the Flireo examples, extension fields after the contract's. */
export const Agent = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    business_name,
    notification_email,
    first_message,
    is_active,
    webhook_url,
    webhook_secret: Nullable(Type.String({ description: 'Masked: "…" and the last 4 characters (write-only)' })),
    webhook_events,
    stt_config: Nullable(SttConfig),
    llm_config: LlmConfig,
    tts_config: Nullable(TtsConfig),
    analysis_plan: Nullable(AnalysisPlan),
    ...restFields,
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'Agent' },
);

export type CreateAgentInput = Static<typeof CreateAgentBody>;
export type UpdateAgentInput = Static<typeof UpdateAgentBody>;
export type AgentView = Static<typeof Agent>;
