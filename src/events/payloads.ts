/**
 * Webhook payloads (flireo-api B §4.2–4.6). The envelope is `{"message": {type, timestamp, call,
 * phoneNumber, customer, …}}`. An agent's `webhook_format` (else its organization's) picks the key
 * style: `camel` (the Flireo reference, default) or `snake` (the mirror/G3 style, the one the
 * vendor SDK's `WebhookPayload` types declare). Only our own keys change style; customer data
 * (tool arguments, analysis results, metadata) is passed through untouched.
 *
 * In the snake style the payload follows the SDK's types: a field it declares optional
 * (`end_reason?: string`, `recording_url?: string`, `phone_number.name?`, …) is left out when
 * there is no value, never sent as null. The camel style keeps the reference pages' nulls.
 */

export type WebhookFormat = 'camel' | 'snake';
export type WebhookEventType = 'assistant-request' | 'tool-calls' | 'status-update' | 'end-of-call-report' | 'campaign-update';
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = ['assistant-request', 'tool-calls', 'status-update', 'end-of-call-report', 'campaign-update'];

export type CallDirection = 'inbound' | 'outbound' | 'web';

/** What every payload says about the call. */
export interface WebhookCallContext {
  callId: string;
  direction: CallDirection;
  /** Our number (the one dialed, or the caller ID of an outbound call). */
  phoneNumber: { id: string | null; number: string | null; name: string | null };
  /** The other party. */
  customerNumber: string | null;
  format: WebhookFormat;
  /** The resolved assistant (after assistant-request overrides), secrets removed; echoes `metadata`. */
  assistant?: Record<string, unknown>;
}

export interface Envelope {
  message: Record<string, unknown>;
}

const CALL_TYPES: Record<CallDirection, Record<WebhookFormat, string>> = {
  inbound: { camel: 'inboundPhoneCall', snake: 'inbound_phone_call' },
  outbound: { camel: 'outboundPhoneCall', snake: 'outbound_phone_call' },
  web: { camel: 'webCall', snake: 'web_call' },
};

/** `snake_case` → `camelCase` for our own keys. */
function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Our keys in the chosen style. `dropNull`: in the snake style a null is left out (the SDK's
 * optional fields); transcript entries keep theirs, so the report shows them as the API does.
 */
function keyed(format: WebhookFormat, fields: Record<string, unknown>, dropNull = format === 'snake'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || (dropNull && value === null)) continue;
    out[format === 'camel' ? camel(key) : key] = value;
  }
  return out;
}

function envelope(ctx: WebhookCallContext, type: WebhookEventType, status: string, fields: Record<string, unknown>, now: Date): Envelope {
  // `number` (and the snake `id`) are null on web calls, as the SDK declares; `name` is optional.
  const { id, number, name } = ctx.phoneNumber;
  const phoneNumber = ctx.format === 'camel' ? { number, name } : { id, number, ...(name !== null && { name }) };
  return {
    message: {
      type,
      timestamp: now.toISOString(),
      call: { id: ctx.callId, type: CALL_TYPES[ctx.direction][ctx.format], status },
      ...keyed(ctx.format, { phone_number: phoneNumber, customer: { number: ctx.customerNumber } }),
      ...(ctx.assistant ? { assistant: ctx.assistant } : {}),
      ...keyed(ctx.format, fields),
    },
  };
}

/** `pipeline` says which kind of agent will answer: `realtime` (speech-to-speech) or `standard` (STT → LLM → TTS). */
export function assistantRequestPayload(ctx: WebhookCallContext, pipeline: 'realtime' | 'standard', now = new Date()): Envelope {
  return envelope(ctx, 'assistant-request', 'ringing', { pipeline }, now);
}

export interface ListedToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** `arguments` is a JSON object, not a string (B §4.4). */
export function toolCallsPayload(ctx: WebhookCallContext, calls: readonly ListedToolCall[], now = new Date()): Envelope {
  const list = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return envelope(ctx, 'tool-calls', 'in-progress', { tool_call_list: list }, now);
}

export interface StatusUpdate {
  status: 'in-progress' | 'ended' | 'ended-with-error' | 'forwarding' | 'transferred';
  endReason?: string | null;
  error?: string | null;
}

export function statusUpdatePayload(ctx: WebhookCallContext, update: StatusUpdate, now = new Date()): Envelope {
  return envelope(ctx, 'status-update', update.status, { status: update.status, end_reason: update.endReason ?? undefined, error: update.error ?? undefined }, now);
}

/**
 * One transcript entry of the report, in the order it happened. Only `role` and `content` are
 * always there (B §4.6); the rest comes from the stored transcript: `interrupted` turns hold what
 * the caller heard, tool calls list `arguments` as an object (like `toolCallList`, B §4.4).
 */
export interface ReportMessage {
  role: string;
  content: string;
  interrupted?: boolean;
  started_at?: string | null;
  ended_at?: string | null;
  tool_calls?: ReadonlyArray<{ id: string; type: 'function'; function: { name: string; arguments: unknown } }>;
  tool_call_id?: string;
  name?: string;
}

export interface EndOfCallReport {
  status: string;
  durationSeconds: number;
  /** The AI summary; empty when there is none (no analysis, or it failed). */
  summary: string;
  /** Present when the agent's plan asks for structured analysis: the result, or null when it failed or was not ready. */
  analysis?: Record<string, unknown> | null;
  /** Why the summary or analysis is missing (a voxgate extension); omitted when nothing went wrong. */
  analysisError?: string | null;
  messages: ReadonlyArray<ReportMessage>;
  endReason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  recordingUrl: string | null;
  error?: string | null;
}

export function endOfCallReportPayload(ctx: WebhookCallContext, report: EndOfCallReport, now = new Date()): Envelope {
  return envelope(
    ctx,
    'end-of-call-report',
    report.status,
    {
      duration_seconds: report.durationSeconds,
      summary: report.summary,
      analysis: report.analysis,
      analysis_error: report.analysisError ?? undefined,
      // Our keys inside each entry follow the format too; tool arguments pass through untouched.
      messages: report.messages.map((m) => keyed(ctx.format, { ...m }, false)),
      end_reason: report.endReason,
      started_at: report.startedAt,
      ended_at: report.endedAt,
      recording_url: report.recordingUrl,
      error: report.error ?? undefined,
    },
    now,
  );
}
