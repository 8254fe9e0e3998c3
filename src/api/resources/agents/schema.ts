/**
 * Agents (flireo-api B §3.2 + A.3). Request schemas list every accepted spelling of every field
 * (G2 reference pages and the vendor SDK's generation, `voiceId`/`voice_id`, `structuredDataPlan`/
 * `structured_data_plan`, …) and are closed: a field voxgate would not store is refused with 400,
 * never dropped (issue #13). The provider rules, defaults and tool shapes are checked by
 * `src/agents` (normalizeAgentFields), which the call path shares; what needs the request as sent
 * (fields a provider does not take, tool keys of another tool type) by `input.ts`.
 *
 * Responses are open objects: they document the known fields and keep what the stored block holds.
 */
import { Body, IsoDate, JsonObject, Name, Nullable, Type, Uuid, type Static } from '../../schemas.js';
import type { TProperties, TSchema } from 'typebox';

/** Response side: documented, all-optional fields, unknown keys kept. */
const open = (properties: TProperties, description: string) =>
  Type.Object(Type.Partial(Type.Object(properties)).properties, { additionalProperties: true, description });
/** Request side: the same, but nothing else is accepted. */
const closed = (properties: TProperties, description: string) =>
  Type.Object(Type.Partial(Type.Object(properties)).properties, { additionalProperties: false, description });
/** Request side of a nullable config block: one `type: ["object","null"]` so a wrong type is one error, not two. */
const orNull = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, type: ['object', 'null'] });
/** The same for an array, boolean or integer field: `type: [t, "null"]`, so an oversized array is one problem. */
const nullOr = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, type: [(schema as unknown as { type: string }).type, 'null'] });

const Str = (maxLength: number, description?: string) => Type.String({ maxLength, ...(description && { description }) });
const Unit = (description?: string) => Type.Number({ minimum: 0, maximum: 1, ...(description && { description }) });

const messageFields = { role: Type.String({ enum: ['system', 'user', 'assistant'] }), content: Str(20_000) };
const Message = open(messageFields, 'A chat message');
const MessageInput = closed(messageFields, 'A chat message; role defaults to system');

/** One transfer destination, in any accepted spelling. */
const DestinationInput = closed(
  {
    type: Type.String({ enum: ['number', 'sip'], description: 'Default: number, or sip when a SIP URI is given' }),
    number: Str(64, 'E.164 phone number'),
    phone_number: Str(64, 'Alias of number'),
    phoneNumber: Str(64, 'Alias of number'),
    sipUri: Str(512, 'SIP URI, e.g. sip:desk@pbx.example.com'),
    sip_uri: Str(512, 'Alias of sipUri'),
    uri: Str(512, 'Alias of sipUri'),
    description: Str(2000, 'When the model should pick this destination'),
    message: Str(1000, 'Spoken to the caller before the transfer'),
    mode: Type.String({ enum: ['blind', 'bridge', 'warm'], description: 'warm: a briefing agent asks the person first; otherwise the trunk’s transfer mode' }),
    timeout_seconds: Type.Integer({ minimum: 5, maximum: 120, description: 'How long the target may ring (warm: decide)' }),
    timeoutSeconds: Type.Integer({ minimum: 5, maximum: 120, description: 'Alias of timeout_seconds' }),
  },
  'A transfer destination',
);

/**
 * A tool in any accepted shape: the G2 flat custom tool, `{type: "endCall"}`,
 * `{type: "transferCall", destinations}`, or the SDK's nested OpenAI shape
 * `{type: "function", function: {name, description, parameters}, server: {url}, async}`.
 * The keys of one shape on a tool of another type are refused by input.ts.
 */
export const ToolInput = closed(
  {
    type: Type.String({ maxLength: 32, description: 'function (default) | endCall | transferCall (also end_call, transfer_call)' }),
    name: Str(64, 'Function name: letters, digits, _ and -'),
    description: Str(2000, 'When the model should use the tool'),
    parameters: JsonObject({ description: 'JSON Schema of the arguments (an object)' }),
    url: Str(2048, 'Per-tool webhook URL (overrides the agent webhook_url)'),
    async: Type.Boolean({ description: 'Fire and forget' }),
    asyncResponse: Str(1000, 'Spoken at once for async tools'),
    async_response: Str(1000, 'Alias of asyncResponse'),
    message: Str(1000, 'Alias of asyncResponse'),
    function: closed(
      { name: Str(64), description: Str(2000), parameters: JsonObject({ description: 'JSON Schema of the arguments' }) },
      'The SDK / OpenAI nested shape',
    ),
    server: closed(
      {
        url: Str(2048, 'Alias of url (url wins)'),
        secret: Str(256, 'Not supported: tool-calls webhooks are signed with the agent webhook_secret (refused with 400)'),
      },
      'Per-tool webhook server',
    ),
    destinations: Type.Array(DestinationInput, { maxItems: 20, description: 'transferCall only' }),
  },
  'A custom function tool, {"type":"endCall"} or {"type":"transferCall","destinations":[…]}',
);

const turnDetectionFields = {
  threshold: Unit('Speech-detection sensitivity'),
  prefix_padding_ms: Type.Integer({ minimum: 0, maximum: 600_000 }),
  silence_duration_ms: Type.Integer({ minimum: 0, maximum: 600_000 }),
  idle_timeout_ms: Type.Integer({ minimum: 0, maximum: 600_000 }),
};

const llmFields = {
  provider: Str(32, 'openai | mistral | xai (pipeline) | xai_realtime | openai_realtime (speech-to-speech)'),
  model: Str(200, 'Default per provider: gpt-4o-mini, mistral-small-latest, grok-4-1-fast-non-reasoning, grok-voice-latest, gpt-realtime'),
  temperature: Type.Number({ minimum: 0, maximum: 2, description: 'Default 0.7' }),
  voice: Str(100, 'Realtime providers only; default ara (xai_realtime) / marin (openai_realtime)'),
  max_completion_tokens: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
};

export const LlmConfigInput = closed(
  {
    ...llmFields,
    messages: Type.Array(MessageInput, { maxItems: 50, description: 'The system prompt(s)' }),
    tools: Type.Array(ToolInput, { maxItems: 64 }),
    max_tokens: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Alias of max_completion_tokens' }),
    maxTokens: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Alias of max_completion_tokens' }),
    turn_detection: closed(turnDetectionFields, 'Realtime providers only'),
  },
  'Language model; default {"provider":"openai","model":"gpt-4o-mini","temperature":0.7}',
);

const LlmConfig = open(
  {
    ...llmFields,
    messages: Type.Array(Message, { maxItems: 50, description: 'The system prompt(s)' }),
    tools: Type.Array(JsonObject({ description: 'A custom function tool, {"type":"endCall"} or {"type":"transferCall","destinations":[…]}' }), {
      maxItems: 64,
    }),
    turn_detection: JsonObject({ description: 'Realtime only: threshold, prefix_padding_ms, silence_duration_ms, idle_timeout_ms' }),
  },
  'Language model',
);

const sttFields = {
  provider: Str(32, 'deepgram'),
  model: Str(200, 'Default nova-3-general'),
  language: Str(35, 'Default en'),
  keyterms: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }),
  // Turn-taking of pipeline agents (src/agents, media/agent): Deepgram's and the turn detector's.
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
};
const STT_DESCRIPTION = 'Speech-to-text of pipeline agents; null on realtime agents. Default {"provider":"deepgram","model":"nova-3-general","language":"en"}';
export const SttConfigInput = closed(sttFields, STT_DESCRIPTION);
const SttConfig = open(sttFields, STT_DESCRIPTION);

const ttsFields = {
  provider: Str(32, 'openai | elevenlabs (alias 11labs) | local'),
  voiceId: Str(200, 'The voice (G2 spelling)'),
  voice_id: Str(200, 'The voice (SDK spelling); responses carry both'),
  model: Str(200, 'ElevenLabs: default eleven_flash_v2_5'),
  stability: Unit('ElevenLabs'),
  similarity_boost: Unit('ElevenLabs'),
  style: Unit('ElevenLabs'),
  use_speaker_boost: Type.Boolean({ description: 'ElevenLabs' }),
  speed: Type.Number({ minimum: 0.5, maximum: 2, description: 'OpenAI and ElevenLabs' }),
};
const TTS_DESCRIPTION = 'Text-to-speech of pipeline agents; null on realtime agents. Default {"provider":"openai","voiceId":"alloy"}';
export const TtsConfigInput = closed(
  {
    ...ttsFields,
    similarityBoost: Unit('Alias of similarity_boost'),
    useSpeakerBoost: Type.Boolean({ description: 'Alias of use_speaker_boost' }),
  },
  TTS_DESCRIPTION,
);
const TtsConfig = open(ttsFields, TTS_DESCRIPTION);

const SchemaObject = JsonObject({ description: 'JSON Schema of the data to extract' });
const structuredPlanFields = {
  enabled: Type.Boolean({ description: 'Default true' }),
  schema: SchemaObject,
  messages: Type.Array(MessageInput, { maxItems: 20, description: 'Placeholders {{schema}}, {{transcript}}, {{ended_reason}}' }),
  template_id: Uuid({ description: 'An analysis template of this organization, copied into the plan (SDK spelling)' }),
  templateId: Uuid({ description: 'Alias of template_id' }),
};
const StructuredPlanInput = closed(structuredPlanFields, 'Structured data extraction after the call');
const SummaryPlanInput = closed(
  { enabled: Type.Boolean({ description: 'Default true' }), messages: Type.Array(MessageInput, { maxItems: 20 }) },
  'The AI summary after the call',
);
const Threshold = Type.Integer({ minimum: 0, maximum: 1000, description: 'Default 2' });

export const AnalysisPlanInput = closed(
  {
    structuredDataPlan: StructuredPlanInput,
    structured_data_plan: StructuredPlanInput,
    summaryPlan: SummaryPlanInput,
    summary_plan: SummaryPlanInput,
    minMessagesThreshold: Threshold,
    min_messages_threshold: Threshold,
  },
  'Post-call analysis; camelCase (G2) or snake_case (SDK) keys. Responses carry both spellings.',
);

const AnalysisPlan = JsonObject({
  description:
    '{structuredDataPlan: {enabled, schema, messages?, templateId?}, summaryPlan?, minMessagesThreshold}, repeated in snake_case ' +
    '(structured_data_plan with template_id, summary_plan, min_messages_threshold)',
});

const WebhookEvent = Type.String({ enum: ['assistant-request', 'tool-calls', 'status-update', 'end-of-call-report', 'campaign-update'] });

const agentFields = {
  business_name: Nullable(Name()),
  notification_email: Nullable(Type.String({ maxLength: 320, description: 'E-mail address for call notifications' })),
  first_message: Nullable(Type.String({ maxLength: 5000 })),
  is_active: Type.Boolean({ description: 'Default true' }),
  webhook_url: Nullable(Type.String({ maxLength: 2048, description: 'http(s) URL receiving the webhook events' })),
  webhook_events: nullOr(Type.Array(WebhookEvent, { maxItems: 16, description: 'Events sent to webhook_url; default (and null) []' })),
  voicemail_detection: nullOr(Type.Boolean({ description: 'Default (and null) false (outbound calls only)' })),
  voicemail_message: Nullable(Type.String({ maxLength: 5000 })),
  autonomous_silence_handling: Type.Boolean({ description: 'Default false; true adds the endCall tool' }),
  silence_timeout_seconds: Nullable(Type.Integer({ minimum: 1, maximum: 600, description: 'null (default) clears it; omitted from responses when unset' })),
  max_duration_seconds: nullOr(Type.Integer({ minimum: 10, maximum: 14_400, description: 'Default (and null) 1800' })),
  webhook_format: Nullable(
    Type.String({ enum: ['camel', 'snake'], description: 'Webhook payload key style; null (default): the organization’s webhook_format, else camel' }),
  ),
  recording_enabled: Type.Boolean({ description: 'Default true' }),
  gdpr_mode: Type.Boolean({ description: 'SDK field; voxgate has no GDPR mode, so only false is accepted (true: 400)' }),
};

const requestOnly = {
  stt_config: orNull(SttConfigInput),
  llm_config: orNull(LlmConfigInput),
  tts_config: orNull(TtsConfigInput),
  analysis_plan: orNull(AnalysisPlanInput),
  webhook_secret: Nullable(Type.String({ maxLength: 256, description: 'Signs webhooks (HMAC-SHA256); write-only, shown masked' })),
  tool_template_ids: Type.Array(Uuid(), { maxItems: 50, description: 'Tool templates of this organization whose tools are copied into llm_config.tools' }),
  analysis_template_id: Uuid({ description: 'An analysis template copied into analysis_plan' }),
};

export const CreateAgentBody = Body({ name: Name(), ...Type.Partial(Type.Object({ ...agentFields, ...requestOnly })).properties }, {
  description: 'Only name is required; omitted fields take the defaults',
});
export const UpdateAgentBody = Body(Type.Partial(Type.Object({ name: Name(), ...agentFields, ...requestOnly })).properties, {
  description: 'Only supplied fields change; a supplied config block replaces the stored block as a whole',
});

/**
 * A one-off agent of an outbound call (SDK `TransientAssistant`, `assistant` / `assistant_override`):
 * the agent fields plus `metadata`, echoed in the call's webhooks.
 */
export const TransientAgentBody = Body(
  { ...Type.Partial(Type.Object({ name: Name(), ...agentFields, ...requestOnly })).properties, metadata: Type.Optional(JsonObject({ description: 'Echoed in the call’s webhooks' })) },
  { description: 'Agent fields for this call only, plus metadata' },
);

const { business_name, notification_email, first_message, is_active, webhook_url, webhook_events, silence_timeout_seconds, ...restFields } = agentFields;

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
    silence_timeout_seconds: Type.Optional(silence_timeout_seconds),
    ...restFields,
    created_at: IsoDate(),
    updated_at: IsoDate(),
  },
  { title: 'Agent' },
);

export type CreateAgentInput = Static<typeof CreateAgentBody>;
export type UpdateAgentInput = Static<typeof UpdateAgentBody>;
export type AgentView = Static<typeof Agent>;
