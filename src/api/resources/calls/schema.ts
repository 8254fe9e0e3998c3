/**
 * Calls (flireo-api B §3.5, statuses and end reasons of A.5). The list is wrapped in `calls` with
 * `pagination`; GET /calls/{id} returns the bare call object (G3) with its transcript.
 */
import { E164, IsoDate, JsonObject, Nullable, PaginationQuery, Pagination, Type, Uuid, type Static } from '../../schemas.js';

export const CALL_STATUSES = [
  'ringing',
  'connecting',
  'in-progress',
  'forwarding',
  'transferred',
  'ended',
  'ended-with-error',
  'failed',
  'rejected',
] as const;
export const END_REASONS = [
  'customer-hangup',
  'agent-hangup',
  'max-duration',
  'silence-timeout',
  'voicemail',
  'transferred',
  'provider-error',
  'sip-error',
  'rejected',
  'no-answer',
  'busy',
] as const;
export const DIRECTIONS = ['inbound', 'outbound', 'web'] as const;

const callFields = {
  id: Uuid(),
  direction: Type.Enum([...DIRECTIONS]),
  status: Type.Enum([...CALL_STATUSES]),
  end_reason: Nullable(Type.Enum([...END_REASONS])),
  error: Nullable(Type.String()),
  caller_phone: Nullable(E164({ description: 'The customer’s number' })),
  assistant_phone: Nullable(E164({ description: 'Your number the call went through' })),
  agent_id: Nullable(Uuid()),
  agent_name: Nullable(Type.String()),
  business_name: Nullable(Type.String()),
  number_id: Nullable(Uuid()),
  campaign_id: Nullable(Uuid()),
  lead_id: Nullable(Uuid()),
  room_name: Nullable(Type.String()),
  started_at: Nullable(IsoDate({ description: 'Answered' })),
  ended_at: Nullable(IsoDate()),
  duration_seconds: Nullable(Type.Integer()),
  summary: Nullable(Type.String()),
  recording_url: Nullable(Type.String({ description: 'GET it with your API key; null when the call was not recorded' })),
  created_at: IsoDate(),
  updated_at: IsoDate(),
};

export const CallSummary = Type.Object(callFields, { title: 'CallSummary' });
export type CallSummaryView = Static<typeof CallSummary>;

export const CallMessage = Type.Object({ role: Type.Enum(['system', 'assistant', 'user', 'tool']), content: Type.String() });

export const Call = Type.Object(
  {
    ...callFields,
    phone_number: Nullable(E164({ description: 'Your number the call went through (= assistant_phone)' })),
    messages: Type.Array(CallMessage, { description: 'Transcript in order' }),
    analysis_result: Nullable(JsonObject({ description: 'Structured analysis, when the agent has an analysis plan' })),
    metadata: JsonObject(),
    latency: Nullable(
      JsonObject({
        description:
          "voxgate extension: the latency waterfall per answered turn, ms from the caller's last voiced packet — " +
          '{turns: [{turn, engine, endOfTurnMs, llmRequestMs, llmFirstTokenMs, llmFirstSentenceMs, ttsRequestMs, ttsFirstAudioMs, firstRtpMs, interrupted}], ' +
          'bargeIns: [{onsetToLastRtpMs, confirmed}], summary: {<field>: {p50, p95, count}}}; null without agent turns',
      }),
    ),
  },
  { title: 'Call' },
);
export type CallView = Static<typeof Call>;

export const ListCallsQuery = Type.Object({
  ...PaginationQuery,
  status: Type.Optional(Type.String({ maxLength: 200, description: 'One status or a comma list, e.g. ended,failed' })),
  start_date: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601, on created_at (inclusive)' })),
  end_date: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601, on created_at (a bare date includes that day)' })),
  agent_id: Type.Optional(Uuid()),
  assistant_id: Type.Optional(Uuid({ description: 'Alias of agent_id' })),
  direction: Type.Optional(Type.Enum([...DIRECTIONS])),
});
export type ListCallsQueryValue = Static<typeof ListCallsQuery>;

export const CallList = Type.Object({ calls: Type.Array(CallSummary), pagination: Pagination });
