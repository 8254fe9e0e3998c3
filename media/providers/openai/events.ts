/**
 * Pure helpers that turn wire payloads into our event payloads (no socket, no state), shared by
 * the OpenAI adapter and its xAI variation.
 */
import type { RealtimeErrorCode } from '../errors.js';
import type { RealtimeErrorEvent, RealtimeResponseStatus, RealtimeUsage } from '../types.js';
import { BENIGN_ERROR_CODES, FATAL_ERROR_CODES, RATE_LIMIT_CODES } from './wire.js';
import type { ErrorWire, ResponseWire, UsageWire } from './wire.js';

/** Usage in our shape; undefined when the server sent none or an empty object (xAI may). */
export function mapUsage(usage: UsageWire | null | undefined): RealtimeUsage | undefined {
  if (usage === null || usage === undefined || typeof usage !== 'object') return undefined;
  const out: RealtimeUsage = {};
  if (typeof usage.total_tokens === 'number') out.totalTokens = usage.total_tokens;
  if (typeof usage.input_tokens === 'number') out.inputTokens = usage.input_tokens;
  if (typeof usage.output_tokens === 'number') out.outputTokens = usage.output_tokens;
  const inDetails = usage.input_token_details;
  if (inDetails !== undefined && inDetails !== null) {
    out.inputTokenDetails = {
      textTokens: inDetails.text_tokens,
      audioTokens: inDetails.audio_tokens,
      imageTokens: inDetails.image_tokens,
      cachedTokens: inDetails.cached_tokens,
    };
  }
  const outDetails = usage.output_token_details;
  if (outDetails !== undefined && outDetails !== null) {
    out.outputTokenDetails = { textTokens: outDetails.text_tokens, audioTokens: outDetails.audio_tokens };
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The final status of a response; `in_progress` or a missing status counts as failed. */
export function mapResponseStatus(response: ResponseWire | undefined): RealtimeResponseStatus {
  const status = response?.status;
  if (status === 'completed' || status === 'cancelled' || status === 'incomplete') return status;
  return 'failed';
}

export interface ParsedToolArguments {
  arguments: Record<string, unknown>;
  argumentsError?: string;
}

/** Tool arguments arrive as a JSON string; anything but a JSON object is reported, not thrown. */
export function parseToolArguments(raw: unknown): ParsedToolArguments {
  if (typeof raw !== 'string' || raw.trim() === '') return { arguments: {} };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return { arguments: parsed as Record<string, unknown> };
    }
    return { arguments: {}, argumentsError: 'tool arguments are not a JSON object' };
  } catch (err) {
    return { arguments: {}, argumentsError: `tool arguments are not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * Classifies a server `error` event. Returns undefined for benign races (cancelling a response
 * that just finished). Fatal: the session cannot continue (expired, key or quota gone).
 */
export function classifyServerError(error: ErrorWire | undefined): RealtimeErrorEvent | undefined {
  const providerCode = typeof error?.code === 'string' ? error.code : undefined;
  if (providerCode !== undefined && BENIGN_ERROR_CODES.has(providerCode)) return undefined;
  const type = error?.type ?? '';
  const fatal = (providerCode !== undefined && FATAL_ERROR_CODES.has(providerCode)) || type === 'authentication_error';
  let code: RealtimeErrorCode = 'server_error';
  if (providerCode === 'session_expired') code = 'session_expired';
  else if (type === 'authentication_error' || providerCode === 'invalid_api_key') code = 'auth_failed';
  else if (providerCode !== undefined && RATE_LIMIT_CODES.has(providerCode)) code = 'rate_limited';
  else if (providerCode === 'insufficient_quota' || providerCode === 'account_deactivated') code = 'session_expired';
  else if (type === 'invalid_request_error') code = 'invalid_request';
  const event: RealtimeErrorEvent = { code, message: error?.message ?? 'provider error', fatal };
  if (providerCode !== undefined) event.providerCode = providerCode;
  if (typeof error?.param === 'string') event.param = error.param;
  return event;
}

/** Instructions that make a model speak a fixed text (used by `say()` and first messages). */
export function sayInstructions(text: string): string {
  return `Say exactly the following text, word for word, and nothing else: "${text}"`;
}
