/**
 * The response types the vendor SDK declares (`hmsovereign` v1.0.1, src/types.ts), as JSON
 * Schemas for the contract tests: a required field must be present, an optional one (`x?: T`)
 * may be absent but is never `null` unless the SDK says `| null`, types and enums as declared.
 * Objects stay open — voxgate's own extra fields are allowed, as TypeScript allows them.
 *
 * Where voxgate offers more than the SDK's enums know (its own providers and call statuses), the
 * extension values are listed next to the SDK's, named in EXTENSIONS, and documented in the
 * README: a value voxgate produces only when a client chose a voxgate-only option.
 *
 * The later SDK generation's organization types (children, OrganizationCreated, retention) are
 * here too, for the organization routes it added.
 */
import { Ajv } from 'ajv';
import { Type, type TSchema } from 'typebox';

export { Type };

const S = Type.String();
const N = Type.Number();
const B = Type.Boolean();
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const OrNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Rec = Type.Object({}, { additionalProperties: true });
const Enum = (values: readonly string[]) => Type.String({ enum: [...values] });

/** Values voxgate adds to the SDK's enums (voxgate-only options; see the README). */
export const EXTENSIONS = {
  ttsProvider: ['openai', 'local'],
  llmProvider: ['openai_realtime'],
  callStatus: ['ringing', 'forwarding', 'transferred', 'ended-with-error', 'rejected'],
  callDirection: ['web'],
  campaignStatus: ['cancelled'],
  leadStatus: ['skipped'],
  messageRole: ['system', 'tool'],
} as const;

export const Pagination = Type.Object({ total: N, limit: N, offset: N });

export const STTConfig = Type.Object({
  provider: Enum(['deepgram', 'elevenlabs', 'gladia', 'mistral']),
  model: S,
  language: S,
  keyterms: Opt(Type.Array(S)),
});

const ToolDefinition = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({ name: S, description: Opt(S), parameters: Opt(Rec) }),
  server: Opt(Type.Object({ url: S, secret: Opt(S) })),
  async: Opt(B),
});

export const LLMConfig = Type.Object({
  provider: Enum(['openai', 'xai_realtime', 'xai', 'mistral', ...EXTENSIONS.llmProvider]),
  model: S,
  voice: Opt(Enum(['ara', 'rex', 'sal', 'eve', 'leo'])),
  temperature: Opt(N),
  messages: Opt(Type.Array(Type.Object({ role: Enum(['system', 'user', 'assistant']), content: S }))),
  tools: Opt(Type.Array(ToolDefinition)),
});

export const TTSConfig = Type.Object({
  provider: Enum(['elevenlabs', 'inworld', ...EXTENSIONS.ttsProvider]),
  voice_id: S,
  model: Opt(S),
  language: Opt(S),
  stability: Opt(N),
  similarity_boost: Opt(N),
  use_speaker_boost: Opt(B),
  speed: Opt(N),
  style: Opt(N),
});

export const AnalysisPlan = Type.Object({
  structured_data_plan: Opt(Type.Object({ enabled: B, template_id: Opt(S) })),
});

export const Assistant = Type.Object({
  id: S,
  name: S,
  business_name: Opt(OrNull(S)),
  notification_email: Opt(OrNull(S)),
  first_message: Opt(OrNull(S)),
  is_active: B,
  max_duration_seconds: Opt(OrNull(N)),
  autonomous_silence_handling: Opt(B),
  silence_timeout_seconds: Opt(N),
  voicemail_detection: Opt(OrNull(B)),
  voicemail_message: Opt(OrNull(S)),
  gdpr_mode: Opt(B),
  webhook_url: Opt(OrNull(S)),
  webhook_secret: Opt(OrNull(S)),
  webhook_events: Opt(OrNull(Type.Array(S))),
  analysis_plan: Opt(OrNull(AnalysisPlan)),
  stt_config: STTConfig,
  llm_config: LLMConfig,
  tts_config: TTSConfig,
  created_at: S,
  updated_at: S,
});

export const PhoneNumber = Type.Object({
  id: S,
  phone_number: S,
  agent_id: Opt(OrNull(S)),
  agent_name: Opt(OrNull(S)),
  business_name: Opt(OrNull(S)),
  transfer_trunk_id: Opt(OrNull(S)),
  transfer_trunk_name: Opt(OrNull(S)),
  source: Opt(OrNull(S)),
  is_active: Opt(B),
  created_at: S,
  updated_at: S,
});

const CallMessage = Type.Object({ role: Enum(['user', 'assistant', ...EXTENSIONS.messageRole]), content: S });

export const Call = Type.Object({
  id: S,
  caller_phone: S,
  assistant_phone: S,
  status: Enum(['connecting', 'in-progress', 'ended', 'failed', ...EXTENSIONS.callStatus]),
  direction: Opt(Enum(['inbound', 'outbound', ...EXTENSIONS.callDirection])),
  end_reason: Opt(OrNull(S)),
  error: Opt(OrNull(S)),
  started_at: Opt(OrNull(S)),
  ended_at: Opt(OrNull(S)),
  duration_seconds: Opt(OrNull(N)),
  summary: Opt(OrNull(S)),
  analysis_result: Opt(OrNull(Rec)),
  messages: Opt(OrNull(Type.Array(CallMessage))),
  room_name: Opt(OrNull(S)),
  recording_url: Opt(OrNull(S)),
  agent_id: Opt(OrNull(S)),
  number_id: Opt(OrNull(S)),
  agent_name: Opt(OrNull(S)),
  business_name: Opt(OrNull(S)),
  phone_number: Opt(OrNull(S)),
  created_at: S,
  updated_at: S,
});

export const OutboundCallResponse = Type.Object({ success: B, call_id: S, status: Type.Literal('dialing') });
export const CallControlResponse = Type.Object({ success: B, message: Opt(S) });

export const SipTrunk = Type.Object({
  id: S,
  name: S,
  provider: Opt(S),
  inbound_addresses: Opt(Type.Array(S)),
  outbound_address: Opt(S),
  outbound_number: Opt(S),
  auth_username: Opt(S),
  created_at: S,
  updated_at: S,
});

export const Voice = Type.Object({ id: S, name: S, language: Opt(S), description: Opt(Type.Object({ en: Opt(S), nl: Opt(S) })) });

export const UsageLog = Type.Object({
  id: S,
  duration_sec: Opt(N),
  phone_number: Opt(S),
  agent_name: Opt(S),
  business_name: Opt(S),
  created_at: S,
});
export const UsageSummary = Type.Object({ total_calls: N, total_duration_seconds: N, total_duration_minutes: N });
export const UsageList = Type.Object({ logs: Type.Array(UsageLog), pagination: Pagination, summary: UsageSummary });

const SecretId = Opt(OrNull(S));
export const BYOKKeys = Type.Object({
  deepgram_secret_id: SecretId,
  openai_secret_id: SecretId,
  elevenlabs_secret_id: SecretId,
  resend_secret_id: SecretId,
  xai_secret_id: SecretId,
  gladia_secret_id: SecretId,
  mistral_secret_id: SecretId,
});
export const BYOKGet = Type.Object({ byok_keys: BYOKKeys });
export const BYOKChange = Type.Object({ success: B, byok_keys: BYOKKeys });

export const ToolTemplate = Type.Object({
  id: S,
  name: S,
  description: Opt(S),
  function_definition: Type.Object({ name: S, description: Opt(S), parameters: Opt(Rec) }),
  server_url: Opt(S),
  server_secret: Opt(S),
  async: Opt(B),
  created_at: S,
  updated_at: S,
});

export const AnalysisTemplate = Type.Object({ id: S, name: S, description: Opt(S), schema: Rec, created_at: S, updated_at: S });

export const Campaign = Type.Object({
  id: S,
  name: S,
  agent_id: S,
  status: Enum(['draft', 'scheduled', 'paused', 'completed', ...EXTENSIONS.campaignStatus]),
  system_message_template: Opt(OrNull(S)),
  schedule_start_time: Opt(OrNull(S)),
  schedule_end_time: Opt(OrNull(S)),
  timezone: Opt(OrNull(S)),
  total_leads: Opt(N),
  completed_leads: Opt(N),
  failed_leads: Opt(N),
  created_at: S,
  updated_at: S,
});

export const CampaignLead = Type.Object({
  id: S,
  campaign_id: S,
  phone_number: S,
  name: Opt(S),
  status: Enum(['pending', 'calling', 'completed', 'failed', 'no_answer', ...EXTENSIONS.leadStatus]),
  variables: Opt(Type.Record(S, S)),
  call_id: Opt(OrNull(S)),
  created_at: S,
  updated_at: S,
});
export const LeadPage = Type.Object({ leads: Type.Array(CampaignLead), pagination: Pagination });

export const Domain = Type.Object({ id: S, domain: S, verified: B, created_at: S });
export const ResendDomains = Type.Array(Rec);
export const Success = Type.Object({ success: B });
export const Verified = Type.Object({ verified: B });

export const Organization = Type.Object({ id: S, name: S, email: Opt(S), credits_balance: Opt(N), plan: Opt(S), created_at: S });
/** The later SDK's `OrganizationCreated` and `OrganizationRetention` / `children`. */
export const OrganizationCreated = Type.Object({ id: S, name: S, parent_org_id: Opt(OrNull(S)), api_key: S, created_at: S });
export const OrganizationRetention = Type.Object({
  content_retention_days: Type.Integer({ enum: [30, 90, 180, 365] }),
  metadata_retention_days: Type.Integer({ enum: [30, 90, 180, 365, 730] }),
});
export const OrganizationWithChildren = Type.Object({
  id: S,
  name: S,
  minutes_balance: N,
  monthly_usage_minutes: N,
  active_numbers: N,
  active_agents: N,
  active_calls: N,
  has_local_models_access: Opt(B),
  parent_org_id: Opt(OrNull(S)),
  children: Opt(Type.Array(Type.Object({ id: S, name: S, created_at: S }))),
});

// --- webhook payloads (snake_case) ---

const WebhookBase = {
  timestamp: S,
  call: Type.Object({ id: S, type: Enum(['inbound_phone_call', 'outbound_phone_call', 'web_call']), status: S }),
  phone_number: Type.Object({ number: S, name: Opt(S) }),
  customer: Type.Object({ number: S }),
  assistant: Opt(Rec),
};
const payload = (fields: Record<string, TSchema>) => Type.Object({ message: Type.Object({ ...WebhookBase, ...fields }) });
export const AssistantRequestPayload = payload({ type: Type.Literal('assistant-request') });
export const StatusUpdatePayload = payload({ type: Type.Literal('status-update'), error: Opt(S) });
export const ToolCallsPayload = payload({
  type: Type.Literal('tool-calls'),
  tool_call_list: Type.Array(Type.Object({ id: S, type: Type.Literal('function'), function: Type.Object({ name: S, arguments: Rec }) })),
});
export const EndOfCallReportPayload = payload({
  type: Type.Literal('end-of-call-report'),
  duration_seconds: N,
  summary: S,
  messages: Type.Array(CallMessage),
  analysis: Opt(Rec),
  recording_url: Opt(S),
});

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<TSchema, ReturnType<typeof ajv.compile>>();

/** The ways `value` breaks the SDK type (empty when it conforms), as "path: problem" lines. */
export function sdkTypeProblems(schema: TSchema, value: unknown): string[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${e.message ?? e.keyword}${e.params && 'allowedValues' in e.params ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`);
}
