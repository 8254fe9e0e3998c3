/**
 * The one agent engine seam (DESIGN §4.1). The agent runtime (agent-logic.ts: first message,
 * tools, end_call, silence handling, voicemail, barge-in, failure apology, usage, transcript,
 * latency) talks to every engine through `AgentEngine` and branches on its capabilities only.
 * Two implementations: a realtime speech-to-speech session (realtime-engine.ts) and the
 * STT → LLM → TTS pipeline with the engine's own turn-taking (pipeline/engine.ts).
 *
 * The event model is the realtime one (media/providers/types.ts) plus what only an engine with its
 * own turn detector says: a caller's speech onset is tentative until it is confirmed as an
 * interruption or dismissed (a cough, an echo), and each answered turn reports its latency marks.
 */
import type {
  AddContextOptions,
  AudioDoneEvent,
  AudioEvent,
  ClosedEvent,
  CreateResponseOptions,
  RealtimeAudioFormat,
  RealtimeSessionStats,
  ResponseDoneEvent,
  ResponseStartedEvent,
  SendToolResultOptions,
  SpeechStartedEvent,
  SpeechStoppedEvent,
  ToolCallEvent,
  TranscriptEvent,
  TruncatedEvent,
} from '../providers/index.js';
import type { ItemPlayed } from '../call/types.js';

/** Which part of an engine failed: the realtime session as a whole, or one pipeline stage. */
export type EngineStage = 'provider' | 'stt' | 'llm' | 'tts';

export interface AgentEngineCapabilities {
  /** The engine can be told exactly how much of an item the caller heard. */
  readonly truncate: boolean;
  /** `response-done` carries token usage. */
  readonly tokenUsage: boolean;
  /**
   * Caller speech onsets are tentative: the engine follows `speech-started` with `interruption`
   * (confirmed or not), so the runtime pauses the agent's audio first instead of flushing it.
   */
  readonly tentativeSpeech: boolean;
  /**
   * The engine knows which words of its audio were heard: an agent turn is reported once its
   * audio has played, and an interrupted one with only the words the caller heard.
   */
  readonly knowsHeardText: boolean;
  /**
   * Agent audio the runtime keeps queued ahead of the media clock, ms (Infinity: everything at
   * once). A small lead makes a pause take effect within a frame or two.
   */
  readonly playoutLeadMs: number;
  /** Caller audio formats the engine takes (the runtime picks the call's own when it can). */
  readonly audioFormats: readonly RealtimeAudioFormat[];
}

/** A problem of the engine; fatal ones end the call with the apology. */
export interface EngineErrorEvent {
  stage: EngineStage;
  /** Stable code within the stage, e.g. `connect_refused` (→ `stt/connect_refused`). */
  code: string;
  message: string;
  fatal: boolean;
  /** The vendor's own code, when it gave one. */
  providerCode?: string;
}

/** Only after a tentative `speech-started`: the caller really interrupts, or it was nothing. */
export interface InterruptionEvent {
  confirmed: boolean;
}

/**
 * Marks of one answered caller turn, in the worker's monotonic ms. `speechEndAt` is the arrival
 * of the caller's last voiced packet; the others are absent where the engine has no such step.
 */
export interface TurnMarks {
  speechEndAt: number;
  endOfTurnAt?: number;
  llmRequestAt?: number;
  llmFirstTokenAt?: number;
  llmFirstSentenceAt?: number;
  ttsRequestAt?: number;
  ttsFirstAudioAt?: number;
  responseId: string;
}

export interface AgentEngineEventMap {
  audio: AudioEvent;
  'audio-done': AudioDoneEvent;
  'speech-started': SpeechStartedEvent;
  'speech-stopped': SpeechStoppedEvent;
  interruption: InterruptionEvent;
  transcript: TranscriptEvent;
  'tool-call': ToolCallEvent;
  'response-started': ResponseStartedEvent;
  'response-done': ResponseDoneEvent;
  'turn-marks': TurnMarks;
  truncated: TruncatedEvent;
  error: EngineErrorEvent;
  closed: ClosedEvent;
}

export type AgentEngineEventName = keyof AgentEngineEventMap;

/** A failure to start (connect, configure); `stage` says which part, `code` why. */
export class EngineStartError extends Error {
  constructor(
    readonly stage: EngineStage,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineStartError';
  }
}

/**
 * One call's agent engine. `start()` connects while the phone rings; control methods called
 * before it finished are refused (`false`), except that the runtime's response scheduler only
 * sends once started. Audio is appended per caller frame and never blocks.
 */
export interface AgentEngine {
  readonly capabilities: AgentEngineCapabilities;
  /** Connects and configures; rejects with `EngineStartError` (or a provider error with a `code`). */
  start(): Promise<void>;
  /**
   * One caller frame in the engine's input format; `receivedAt` is the packet's arrival, `voiced`
   * the runtime's voice activity verdict for it. The frame is valid only during the call.
   */
  appendAudio(frame: Uint8Array, receivedAt: number, voiced: boolean): void;
  createResponse(opts?: CreateResponseOptions): boolean;
  addContext(text: string, opts: AddContextOptions): boolean;
  /** Speaks exactly `text`. */
  say(text: string): boolean;
  sendToolResult(callId: string, output: string, opts?: SendToolResultOptions): boolean;
  /**
   * The caller barged in: stop the response under way and keep in the conversation only what was
   * heard (`heard`: the item that was playing and its milliseconds sent). Returns the text the
   * caller heard of each interrupted item when the engine knows it (null: it does not).
   */
  interrupted(heard: ItemPlayed | null, activeResponseId: string | null): Map<string, string> | null;
  /** Stops the response under way without a caller turn (voicemail, transfer). */
  cancelResponse(): boolean;
  close(): Promise<void>;
  on<K extends AgentEngineEventName>(type: K, listener: (event: AgentEngineEventMap[K]) => void): () => void;
  stats(): RealtimeSessionStats;
  /** Counters of the engine's own stages for `call.ended.usage` (pipeline: STT seconds, TTS characters…). */
  usage?(): Record<string, number>;
}
