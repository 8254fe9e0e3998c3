/**
 * Realtime model providers: the public surface of `media/providers` (DESIGN.md §4).
 * Import from here; vendor folders are implementation detail.
 */
export type {
  AddContextOptions,
  AudioDoneEvent,
  AudioEvent,
  ClosedEvent,
  CreateResponseOptions,
  InputTranscriptionConfig,
  RealtimeAudioFormat,
  RealtimeCapabilities,
  RealtimeErrorEvent,
  RealtimeEventMap,
  RealtimeEventName,
  RealtimeListener,
  RealtimeProviderName,
  RealtimeResponseStatus,
  RealtimeSession,
  RealtimeSessionConfig,
  RealtimeSessionOptions,
  RealtimeSessionState,
  RealtimeSessionStats,
  RealtimeToolDefinition,
  RealtimeUsage,
  ResponseDoneEvent,
  ResponseStartedEvent,
  SemanticVadConfig,
  SendToolResultOptions,
  ServerVadConfig,
  SpeechStartedEvent,
  SpeechStoppedEvent,
  ToolCallEvent,
  TranscriptEvent,
  TruncatedEvent,
  TurnDetectionConfig,
} from './types.js';
export { RealtimeProviderError } from './errors.js';
export type { RealtimeErrorCode } from './errors.js';
export { createRealtimeSession } from './factory.js';
export { OPENAI_CAPABILITIES, OPENAI_DEFAULT_BASE_URL, OPENAI_DEFAULT_MODEL, OpenAIRealtimeSession } from './openai/adapter.js';
export { XAI_CAPABILITIES, XAI_DEFAULT_BASE_URL, XAI_DEFAULT_MODEL, XaiRealtimeSession } from './xai/adapter.js';
export { XAI_VOICES } from './xai/wire.js';
export { realtimeWsUrl } from './ws-url.js';
