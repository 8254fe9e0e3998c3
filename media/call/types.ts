/**
 * The seam between the media worker and the call logic (the agent runtime in `media/agent/`, or
 * the loopback logic in tests and the benchmark). The worker owns the call; the logic gets a
 * `CallMedia` for audio and a `WorkerHost` to talk to the main thread, and nothing else.
 */
import type {
  AudioCodecName,
  CallControl,
  CallEndReason,
  CallEvent,
  CallLatency,
  CallOutbound,
  CallQuality,
  CallStartMessage,
  RemoteMedia,
  TranscriptMessage,
} from '../protocol.js';
import type { ItemPlayed } from '../playout/item-ledger.js';

export type { ItemPlayed };

/**
 * The audio a call's logic sends and receives, fixed for the call's life: the leg's own G.711
 * bytes on G.711 legs (nothing is transcoded), PCM16 at 24 kHz on Opus legs.
 */
export interface AudioFormat {
  /** `pcmu`/`pcma`: G.711 bytes at 8 kHz; `pcm16`: little-endian 16-bit mono at `sampleRate`. */
  encoding: 'pcmu' | 'pcma' | 'pcm16';
  sampleRate: number;
}

/** The same type under the name `CallMedia.agentFormat` uses. */
export type AgentAudioFormat = AudioFormat;

export interface CallerAudioInfo {
  /** Monotonic ms (`performance.now()` in the worker) when the packet carrying it arrived. */
  receivedAt: number;
}

/** Per-call media as the call logic sees it. Every callback runs on the worker's media loop: keep it short. */
export interface CallMedia {
  readonly callId: string;
  /** Codec of the RTP leg (may change on re-INVITE between PCMU and PCMA; `agentFormat` does not). */
  readonly codec: AudioCodecName;
  /** Format of `playAgentAudio` chunks and of `onCallerAudio` payloads alike. */
  readonly agentFormat: AudioFormat;
  /**
   * Each in-order caller frame in `agentFormat`: on G.711 legs the RTP payload untouched (usually
   * 160 B of µ-law). The view and `info` are reused: valid only during the callback.
   */
  onCallerAudio(cb: (payload: Uint8Array, info: CallerAudioInfo) => void): void;
  /** Queues agent audio of any chunk size for the 20 ms clock; false when it was dropped (full, or item flushed). */
  playAgentAudio(chunk: Uint8Array, itemId: string): boolean;
  /** Barge-in: drops all queued agent audio; the item that was playing and the ms the caller heard. */
  flushAgentAudio(): ItemPlayed | null;
  /** An item's queued audio has all been sent to the caller ("goodbye was heard"). */
  onItemPlayed(cb: (played: ItemPlayed) => void): void;
  /** An RFC 4733 digit (`0`–`9`, `*`, `#`, `A`–`D`, or `flash`), once per key press. */
  onDtmf(cb: (digit: string) => void): void;
  /** Agent audio queued and not yet sent, ms. */
  readonly queuedAgentMs: number;
  /**
   * Latency probe: cumulative agent bytes ever queued (flushed included). Note it before
   * `playAgentAudio`; the chunk's first byte went out once `onAgentFrameSent` reports more.
   */
  readonly agentBytesQueued: number;
  /** Latency probe: after each agent-audio frame is sent, with the cumulative agent bytes sent (null removes it). */
  onAgentFrameSent(cb: ((sentAt: number, sentBytes: number) => void) | null): void;
  stats(): CallQuality;
  /** Stops media (idempotent); the worker calls it when the call ends. */
  close(reason: CallEndReason): void;
}

/** What the logic reports into `call.ended`. */
export interface CallLogicResult {
  usage?: Record<string, number>;
  messages?: TranscriptMessage[];
  latency?: CallLatency;
  /** False: only a built-in prompt played, no working agent (the call is not billed). */
  agentReached?: boolean;
}

/** One call's behaviour. Every hook is optional except `close`. */
export interface CallLogic {
  /** After `call.ready` went out: connect providers here so the first word is ready at answer. */
  start?(): void | Promise<void>;
  /** The call was answered (200 OK/ACK): speak the first message. */
  answered?(): void;
  remoteChanged?(remote: RemoteMedia): void;
  /** A control command; `{refused}` says why it cannot be done (the API answers 400 with it). */
  /** A warm transfer put the caller on hold (`true`) or gave them back (`false`). */
  held?(on: boolean): void;
  control?(control: CallControl): void | { refused: string };
  toolResult?(toolCallId: string, result: unknown, error?: string): void;
  /** The call's audio now goes to `peerCallId` (a transfer), or back to the logic (null). */
  bridged?(peerCallId: string | null): void;
  /** The call is over: release providers and report. The worker waits a bounded time for it. */
  close(reason: CallEndReason): CallLogicResult | Promise<CallLogicResult>;
}

/** The main thread, as seen from one call's logic. */
export interface WorkerHost {
  readonly callId: string;
  readonly workerIndex: number;
  /** Posts a call-scoped message to the main thread (the host fills in `callId`). */
  post(msg: CallOutbound): void;
  event(event: CallEvent): void;
  toolCall(toolCallId: string, name: string, args: unknown): void;
  requestHangup(reason: string): void;
  requestTransfer(destination: string, message?: string): void;
  /** Monotonic ms on the worker's clock. */
  now(): number;
  /** Options the pool was started with for the logic module (opaque to the media plane). */
  readonly logicOptions: unknown;
}

export type CallStart = CallStartMessage;

export type CallLogicFactory = (media: CallMedia, start: CallStart, host: WorkerHost) => CallLogic;
