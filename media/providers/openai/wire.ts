/**
 * OpenAI Realtime API, GA protocol, WebSocket transport — the subset voxgate sends and reads.
 * Event names appear here and nowhere else (STYLE.md principle 8; the GA rename of
 * `response.audio.delta` → `response.output_audio.delta` silenced integrations that matched strings).
 *
 * Sources (checked for this file):
 * - Client events reference: https://developers.openai.com/api/reference/resources/realtime/client-events
 *   (`session.update` with `session.type: "realtime"`; only present fields change; voice is fixed
 *   once audio was produced; model never changes).
 * - Server events reference: https://developers.openai.com/api/reference/resources/realtime/server-events
 * - The GA typings shipped in the `openai` npm package v6.49 (`resources/realtime/realtime.d.ts`:
 *   `RealtimeSessionCreateRequest` has no `temperature`; `RealtimeAudioFormats` is
 *   `audio/pcm` (24 kHz only) | `audio/pcmu` | `audio/pcma`; `RealtimeResponseUsage`;
 *   `ConversationItemTruncateEvent {item_id, content_index, audio_end_ms}`;
 *   `RealtimeError {type, code, message, param, event_id}`).
 * - research/sip-media.md §4.3–4.7 (turn detection fields, barge-in, function calling, usage).
 */

/** Client → server event names. */
export const ClientEvent = {
  sessionUpdate: 'session.update',
  inputAudioBufferAppend: 'input_audio_buffer.append',
  inputAudioBufferCommit: 'input_audio_buffer.commit',
  inputAudioBufferClear: 'input_audio_buffer.clear',
  conversationItemCreate: 'conversation.item.create',
  conversationItemTruncate: 'conversation.item.truncate',
  responseCreate: 'response.create',
  responseCancel: 'response.cancel',
} as const;

/** Server → client event names the adapters read. */
export const ServerEvent = {
  sessionCreated: 'session.created',
  sessionUpdated: 'session.updated',
  conversationCreated: 'conversation.created',
  error: 'error',
  speechStarted: 'input_audio_buffer.speech_started',
  speechStopped: 'input_audio_buffer.speech_stopped',
  inputCommitted: 'input_audio_buffer.committed',
  inputTranscriptionDelta: 'conversation.item.input_audio_transcription.delta',
  inputTranscriptionCompleted: 'conversation.item.input_audio_transcription.completed',
  inputTranscriptionFailed: 'conversation.item.input_audio_transcription.failed',
  itemTruncated: 'conversation.item.truncated',
  responseCreated: 'response.created',
  outputAudioDelta: 'response.output_audio.delta',
  outputAudioDone: 'response.output_audio.done',
  outputAudioTranscriptDelta: 'response.output_audio_transcript.delta',
  outputAudioTranscriptDone: 'response.output_audio_transcript.done',
  functionCallArgumentsDone: 'response.function_call_arguments.done',
  responseDone: 'response.done',
  /** xAI only: keep-alive. */
  ping: 'ping',
} as const;

export type AudioFormatWire = { type: 'audio/pcmu' } | { type: 'audio/pcma' } | { type: 'audio/pcm'; rate: number };

export interface ServerVadWire {
  type: 'server_vad';
  threshold?: number;
  prefix_padding_ms?: number;
  silence_duration_ms?: number;
  idle_timeout_ms?: number | null;
  create_response?: boolean;
  interrupt_response?: boolean;
}

export interface SemanticVadWire {
  type: 'semantic_vad';
  eagerness?: 'low' | 'medium' | 'high' | 'auto';
  create_response?: boolean;
  interrupt_response?: boolean;
}

export interface FunctionToolWire {
  type: 'function';
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

/** `session` of an OpenAI GA `session.update`. */
export interface OpenAISessionWire {
  type: 'realtime';
  instructions?: string;
  output_modalities?: Array<'audio' | 'text'>;
  audio?: {
    input?: {
      format?: AudioFormatWire;
      transcription?: { model?: string; language?: string; prompt?: string } | null;
      turn_detection?: ServerVadWire | SemanticVadWire | null;
    };
    output?: { format?: AudioFormatWire; voice?: string; speed?: number };
  };
  tools?: FunctionToolWire[];
  tool_choice?: 'auto' | 'none' | 'required';
}

export interface MessageItemWire {
  type: 'message';
  role: 'system' | 'user' | 'assistant';
  content: Array<{ type: 'input_text'; text: string }>;
}

export interface FunctionCallOutputItemWire {
  type: 'function_call_output';
  call_id: string;
  output: string;
}

export type ClientEventWire =
  | { type: typeof ClientEvent.sessionUpdate; event_id?: string; session: Record<string, unknown> }
  | { type: typeof ClientEvent.conversationItemCreate; event_id?: string; item: MessageItemWire | FunctionCallOutputItemWire }
  | { type: typeof ClientEvent.conversationItemTruncate; event_id?: string; item_id: string; content_index: number; audio_end_ms: number }
  | { type: typeof ClientEvent.responseCreate; event_id?: string; response?: { instructions?: string } }
  | { type: typeof ClientEvent.responseCancel; event_id?: string; response_id?: string }
  | { type: typeof ClientEvent.inputAudioBufferCommit; event_id?: string }
  | { type: typeof ClientEvent.inputAudioBufferClear; event_id?: string };

export interface UsageWire {
  total_tokens?: number;
  input_tokens?: number;
  output_tokens?: number;
  input_token_details?: { text_tokens?: number; audio_tokens?: number; image_tokens?: number; cached_tokens?: number };
  output_token_details?: { text_tokens?: number; audio_tokens?: number };
}

export interface ResponseWire {
  id?: string;
  status?: 'completed' | 'cancelled' | 'failed' | 'incomplete' | 'in_progress';
  status_details?: { type?: string; reason?: string; error?: { type?: string; code?: string } } | null;
  usage?: UsageWire | null;
}

export interface ErrorWire {
  type?: string;
  code?: string | null;
  message?: string;
  param?: string | null;
  event_id?: string | null;
}

/** Server events as read; fields the adapters do not use are left out. */
export type ServerEventWire =
  | { type: typeof ServerEvent.sessionCreated; session?: unknown }
  | { type: typeof ServerEvent.sessionUpdated; session?: unknown }
  | { type: typeof ServerEvent.conversationCreated; conversation?: unknown }
  | { type: typeof ServerEvent.error; error?: ErrorWire }
  | { type: typeof ServerEvent.speechStarted; item_id: string; audio_start_ms: number }
  | { type: typeof ServerEvent.speechStopped; item_id: string; audio_end_ms: number }
  | { type: typeof ServerEvent.inputCommitted; item_id: string }
  | { type: typeof ServerEvent.inputTranscriptionDelta; item_id: string; delta: string }
  | { type: typeof ServerEvent.inputTranscriptionCompleted; item_id: string; transcript: string }
  | { type: typeof ServerEvent.inputTranscriptionFailed; item_id: string; error?: ErrorWire }
  | { type: typeof ServerEvent.itemTruncated; item_id: string; audio_end_ms: number }
  | { type: typeof ServerEvent.responseCreated; response?: ResponseWire }
  | { type: typeof ServerEvent.outputAudioDelta; response_id: string; item_id: string; delta: string }
  | { type: typeof ServerEvent.outputAudioDone; response_id: string; item_id: string }
  | { type: typeof ServerEvent.outputAudioTranscriptDelta; response_id: string; item_id: string; delta: string }
  | { type: typeof ServerEvent.outputAudioTranscriptDone; response_id: string; item_id: string; transcript: string }
  | { type: typeof ServerEvent.functionCallArgumentsDone; response_id?: string; item_id?: string; call_id: string; name: string; arguments: string }
  | { type: typeof ServerEvent.responseDone; response?: ResponseWire; usage?: UsageWire | null }
  | { type: typeof ServerEvent.ping; timestamp?: number };

/** Vendor error codes that end the session (the server closes the socket after them). */
export const FATAL_ERROR_CODES: ReadonlySet<string> = new Set([
  'session_expired',
  'invalid_api_key',
  'insufficient_quota',
  'account_deactivated',
]);

/** Vendor error codes that mean a rate or quota limit. */
export const RATE_LIMIT_CODES: ReadonlySet<string> = new Set(['rate_limit_exceeded', 'rate_limit_error']);

/** Error codes for a `response.cancel` with nothing to cancel: harmless races, not problems. */
export const BENIGN_ERROR_CODES: ReadonlySet<string> = new Set(['response_cancel_not_active']);
