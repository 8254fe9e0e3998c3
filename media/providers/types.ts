/**
 * The one internal event model for realtime speech-to-speech providers (DESIGN.md §4).
 *
 * The agent runtime talks to every vendor through `RealtimeSession` and branches on
 * `RealtimeCapabilities`, never on a vendor name; vendor wire formats stay in `<vendor>/wire.ts`.
 * Everything here runs inside a media worker: no database, no HTTP, no logging per frame.
 */

import type { RealtimeErrorCode } from './errors.js';

/** Provider names as stored in `llm_config.provider` (flireo-api.md A.3). */
export type RealtimeProviderName = 'openai_realtime' | 'xai_realtime';

/**
 * Audio formats a realtime session can take in or give out. G.711 is fixed at 8 kHz; PCM16 is
 * little-endian mono at the given rate.
 */
export type RealtimeAudioFormat = 'pcmu' | 'pcma' | 'pcm16@8k' | 'pcm16@16k' | 'pcm16@24k' | 'pcm16@48k';

/** What an adapter can do; the runtime branches on these, never on the vendor. */
export interface RealtimeCapabilities {
  /** `truncate()` tells the model how much of its audio the caller heard. */
  readonly truncate: boolean;
  /** `response-done` carries token usage (false: billed per minute or usage often empty). */
  readonly tokenUsage: boolean;
  /** The server detects turns (speech started/stopped) itself. */
  readonly serverVad: boolean;
  /** The server offers `semantic_vad` turn detection. */
  readonly semanticVad: boolean;
  /** The session accepts a sampling temperature. */
  readonly temperature: boolean;
  /** Accepted input/output audio formats. */
  readonly audioFormats: readonly RealtimeAudioFormat[];
}

/** A function tool the model may call; `parameters` is a JSON Schema object. */
export interface RealtimeToolDefinition {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

/** Server-side voice activity detection. Omitted fields take the vendor's defaults. */
export interface ServerVadConfig {
  type: 'server_vad';
  /** Activation threshold 0–1 (vendor scale). */
  threshold?: number;
  /** Audio kept before detected speech, ms. */
  prefixPaddingMs?: number;
  /** Quiet that ends a turn, ms. */
  silenceDurationMs?: number;
  /** Silence after the agent spoke before the model re-engages, ms (null: never). */
  idleTimeoutMs?: number | null;
  /** Answer automatically when a turn ends (default true). */
  createResponse?: boolean;
  /** Cancel the current response when the caller starts speaking (default true). */
  interruptResponse?: boolean;
}

/** OpenAI's semantic VAD; only where `capabilities.semanticVad`. */
export interface SemanticVadConfig {
  type: 'semantic_vad';
  eagerness?: 'low' | 'medium' | 'high' | 'auto';
  createResponse?: boolean;
  interruptResponse?: boolean;
}

/** Null turns server VAD off (manual commits). */
export type TurnDetectionConfig = ServerVadConfig | SemanticVadConfig | null;

/** Transcription of the caller's audio. */
export interface InputTranscriptionConfig {
  /** Transcription model (OpenAI only, e.g. `gpt-4o-mini-transcribe`). */
  model?: string;
  /** BCP-47 language hint, e.g. `nl` or `en-US`. */
  language?: string;
  /** Free-text prompt biasing the transcriber (OpenAI only). */
  prompt?: string;
  /** Terms to bias the transcriber towards (xAI only). */
  keyterms?: string[];
}

/** Everything a realtime session is configured with. */
export interface RealtimeSessionConfig {
  /** Model name; fixed once the connection is open (it is part of the URL). */
  model: string;
  /** The system prompt. */
  instructions?: string;
  voice?: string;
  tools?: RealtimeToolDefinition[];
  /** Default: server VAD with the vendor's thresholds, auto-respond and barge-in on. */
  turnDetection?: TurnDetectionConfig;
  /** Default `pcmu` (G.711 passes through untouched, DESIGN.md §8). */
  inputFormat?: RealtimeAudioFormat;
  /** Default `pcmu`. */
  outputFormat?: RealtimeAudioFormat;
  /** Null turns caller transcription off; undefined takes the adapter's default. */
  transcription?: InputTranscriptionConfig | null;
  /** Used only where `capabilities.temperature`; silently dropped elsewhere. */
  temperature?: number;
  /** Speech speed multiplier where the vendor supports it. */
  speed?: number;
}

/** Token usage of one response, as the vendor reported it. */
export interface RealtimeUsage {
  totalTokens?: number;
  inputTokens?: number;
  outputTokens?: number;
  inputTokenDetails?: {
    textTokens?: number;
    audioTokens?: number;
    imageTokens?: number;
    cachedTokens?: number;
  };
  outputTokenDetails?: {
    textTokens?: number;
    audioTokens?: number;
  };
}

export type RealtimeResponseStatus = 'completed' | 'cancelled' | 'failed' | 'incomplete';

export interface AudioEvent {
  itemId: string;
  responseId: string;
  /** Bytes in the session's output format (µ-law by default). */
  audio: Uint8Array;
}

export interface AudioDoneEvent {
  itemId: string;
  responseId: string;
}

export interface SpeechStartedEvent {
  itemId: string;
  /** Position in the input audio stream where speech began, ms. */
  audioStartMs: number;
}

export interface SpeechStoppedEvent {
  itemId: string;
  /** Position in the input audio stream where the turn ended, ms. */
  audioEndMs: number;
  /** The speech made no turn (noise, no words): no response follows. */
  noTurn?: boolean;
}

/**
 * A transcript fragment. Partial events (`final: false`) carry only the new text since the last
 * fragment of the item; the final event carries the whole text of the item.
 */
export interface TranscriptEvent {
  role: 'user' | 'assistant';
  text: string;
  final: boolean;
  itemId: string;
  responseId?: string;
}

/**
 * The model calls a function tool. When its arguments are not a JSON object, `argumentsError`
 * says why and `arguments` is empty: answer with an error result so the model can recover.
 */
export interface ToolCallEvent {
  callId: string;
  name: string;
  arguments: Record<string, unknown>;
  argumentsError?: string;
  /** The arguments exactly as the model produced them. */
  rawArguments: string;
  itemId?: string;
  responseId?: string;
}

export interface ResponseStartedEvent {
  responseId: string;
}

export interface ResponseDoneEvent {
  responseId: string;
  status: RealtimeResponseStatus;
  /** Why a response stopped early, e.g. `turn_detected`, `client_cancelled`. */
  statusReason?: string;
  usage?: RealtimeUsage;
}

export interface TruncatedEvent {
  itemId: string;
  audioEndMs: number;
}

/** A problem reported by the server or found in its messages. */
export interface RealtimeErrorEvent {
  code: RealtimeErrorCode;
  message: string;
  /** The session cannot go on; a `closed` event follows. */
  fatal: boolean;
  /** The vendor's own error code, when it gave one. */
  providerCode?: string;
  /** The request field the vendor blamed, when it named one. */
  param?: string;
}

export interface ClosedEvent {
  code: number;
  reason: string;
  /** True only after `close()`; any other end of the socket is unexpected. */
  expected: boolean;
}

/** Event name → payload. Emitters are constrained to this map (STYLE.md principle 11). */
export interface RealtimeEventMap {
  audio: AudioEvent;
  'audio-done': AudioDoneEvent;
  'speech-started': SpeechStartedEvent;
  'speech-stopped': SpeechStoppedEvent;
  transcript: TranscriptEvent;
  'tool-call': ToolCallEvent;
  'response-started': ResponseStartedEvent;
  'response-done': ResponseDoneEvent;
  truncated: TruncatedEvent;
  error: RealtimeErrorEvent;
  closed: ClosedEvent;
}

export type RealtimeEventName = keyof RealtimeEventMap;
export type RealtimeListener<K extends RealtimeEventName> = (event: RealtimeEventMap[K]) => void;

/** Counters of the session's input path (read at the end of a call, never logged per frame). */
export interface RealtimeSessionStats {
  /** Input audio bytes handed to the socket. */
  audioBytesSent: number;
  /** `input_audio_buffer.append` events sent. */
  appendsSent: number;
  /** Input audio bytes dropped because the socket was backed up or not ready. */
  audioBytesDropped: number;
  /** Output audio bytes received from the model. */
  audioBytesReceived: number;
  /** Server messages that could not be parsed. */
  malformedMessages: number;
  /** Exceptions thrown by event listeners (caught so one bad listener cannot stop the session). */
  listenerErrors: number;
}

export type RealtimeSessionState = 'idle' | 'opening' | 'open' | 'configuring' | 'ready' | 'closing' | 'closed';

export interface CreateResponseOptions {
  /** Instructions for this response only (e.g. the first message). */
  instructions?: string;
}

export interface AddContextOptions {
  /** Ask the model to answer right after adding the message. */
  triggerResponse: boolean;
  /** Who speaks the message; default `system`. */
  role?: 'system' | 'user';
}

export interface SendToolResultOptions {
  /** Follow with `response.create` (default true; false when more results of one turn follow). */
  triggerResponse?: boolean;
}

/**
 * A live connection to one realtime model for one call.
 *
 * Lifecycle: `open()` (may run while the phone rings) → `configure()` (session.update, resolves on
 * session.updated) → audio and control → `close()`. `connect()` is `open()` + `configure()` with
 * the config given at creation. Control methods called before the session is ready are refused
 * with a `false` return and no network traffic; audio appended early is held briefly and sent once
 * the session is configured.
 */
export interface RealtimeSession {
  readonly provider: RealtimeProviderName;
  readonly capabilities: RealtimeCapabilities;
  readonly state: RealtimeSessionState;

  /** Opens the socket; resolves on the server's first event. Rejects with `RealtimeProviderError`. */
  open(): Promise<void>;
  /** Sends the session configuration; resolves on `session.updated`. */
  configure(config?: RealtimeSessionConfig): Promise<void>;
  /** `open()` then `configure()`. */
  connect(): Promise<void>;

  /**
   * Appends caller audio (one RTP payload, typically 20 ms). Never blocks, never throws.
   * `voiced` is the caller's voice detector on this frame: voiced audio, and unvoiced audio for
   * `immediateAfterVoiceMs` after it, is sent at once; other audio (and audio without a hint)
   * in appends of up to `appendBatchMs`.
   */
  appendAudio(frame: Uint8Array, voiced?: boolean): void;
  /** Asks the model to respond now. */
  createResponse(opts?: CreateResponseOptions): boolean;
  /** Adds a text message to the conversation (e.g. inject-context), optionally answered at once. */
  addContext(text: string, opts: AddContextOptions): boolean;
  /** Asks the model to say exactly `text`. */
  say(text: string): boolean;
  /** Tells the model the caller heard only `audioEndMs` of item `itemId`. False when unsupported. */
  truncate(itemId: string, audioEndMs: number): boolean;
  /** Cancels the response in progress; false when none is. */
  cancelResponse(): boolean;
  /** Returns a tool's output (a string, usually JSON) and, by default, asks for a response. */
  sendToolResult(callId: string, output: string, opts?: SendToolResultOptions): boolean;
  /** Closes the socket (idempotent, bounded wait); emits `closed` with `expected: true`. */
  close(): Promise<void>;

  on<K extends RealtimeEventName>(type: K, listener: RealtimeListener<K>): () => void;
  off<K extends RealtimeEventName>(type: K, listener: RealtimeListener<K>): void;

  stats(): RealtimeSessionStats;
}

/** What every adapter needs to connect. */
export interface RealtimeSessionOptions {
  apiKey: string;
  /** The vendor's HTTP base URL (`OPENAI_BASE_URL`, `XAI_BASE_URL`); the WebSocket URL derives from it. */
  baseUrl?: string;
  config: RealtimeSessionConfig;
  /** Bound on `open()` and on `configure()` each (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Bound on the close handshake before the socket is destroyed (default 1000 ms). */
  closeTimeoutMs?: number;
  /** Input audio batched into one append, ms, at most (default 20: one RTP frame, no added latency). */
  appendBatchMs?: number;
  /**
   * Unvoiced audio after the caller's last voiced frame still sent frame by frame, ms (default
   * 0): cover the provider's end-of-turn silence so batching never delays the answer.
   */
  immediateAfterVoiceMs?: number;
  /** Above this many bytes queued on the socket, new audio is held and the oldest dropped (default 64 KiB). */
  maxBufferedBytes?: number;
  /** Held input audio kept while the socket is backed up or not yet configured, ms (default 400). */
  maxPendingAudioMs?: number;
  /** WebSocket ping interval; a peer that misses one pong is declared dead (default 15 000 ms, 0 = off). */
  keepaliveIntervalMs?: number;
}
