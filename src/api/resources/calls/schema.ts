/**
 * Calls (flireo-api B §3.5, statuses and end reasons of A.5). The list is wrapped in `calls` with
 * `pagination`; GET /calls/{id} returns the bare call object (G3) with its transcript.
 */
import { CALL_STATUSES, DIRECTIONS, END_REASONS } from '../../../telephony/vocabulary.js';
import { E164, IsoDate, JsonObject, Nullable, PaginationQuery, Pagination, Type, Uuid, type Static } from '../../schemas.js';

/** One vocabulary (src/telephony/vocabulary.ts): the schema, the SQL constraints and the call path agree. */
export { CALL_STATUSES, DIRECTIONS, END_REASONS } from '../../../telephony/vocabulary.js';

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
  summary: Nullable(Type.String({ description: 'AI summary of the call (post-call analysis)' })),
  analysis_result: Nullable(JsonObject({ description: "Structured analysis per the agent's analysis plan; null when there is none or it failed" })),
  analysis_error: Nullable(Type.String({ description: 'Why the summary or analysis is missing, when something went wrong (voxgate extension)' })),
  recording_url: Nullable(Type.String({ description: 'GET it with your API key; null when the call was not recorded' })),
  sip_status: Nullable(Type.Integer({ description: 'The far end’s final SIP response when an outbound call was not answered (486, 603, 408…)' })),
  metadata: JsonObject({ description: 'The request’s metadata (outbound), or what an assistant-request answer put in assistant.metadata' }),
  created_at: IsoDate(),
  updated_at: IsoDate(),
};

export const CallSummary = Type.Object(callFields, { title: 'CallSummary' });
export type CallSummaryView = Static<typeof CallSummary>;

const MessageToolCall = Type.Object({
  id: Type.String(),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String(), arguments: Type.Unknown({ description: 'An object when the model sent valid JSON' }) }),
});

/** One transcript entry (the stored transcript; the end-of-call report shows the same). */
export const CallMessage = Type.Object({
  role: Type.Enum(['system', 'assistant', 'user', 'tool']),
  content: Type.String({ description: 'For an interrupted turn: only what the caller heard' }),
  interrupted: Type.Boolean({ description: 'The caller cut this turn off' }),
  started_at: Nullable(IsoDate()),
  ended_at: Nullable(IsoDate()),
  tool_calls: Type.Optional(Type.Array(MessageToolCall, { description: 'Tools this assistant turn called' })),
  tool_call_id: Type.Optional(Type.String({ description: 'Tool rows: the call this result answers' })),
  name: Type.Optional(Type.String({ description: 'Tool rows: the tool' })),
});

export const Call = Type.Object(
  {
    ...callFields,
    phone_number: Nullable(E164({ description: 'Your number the call went through (= assistant_phone)' })),
    messages: Type.Array(CallMessage, { description: 'Transcript in order' }),
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
