/**
 * Shared types of the fake realtime server (see ../realtime-server.ts for the behaviours).
 */

export type Flavour = 'openai' | 'xai';

/** What the fake says and does in one response. */
export interface FakeReply {
  /** The assistant transcript (default: "This is reply N."). */
  text?: string;
  /** Audio length, ms (default: the server's `responseAudioMs`). */
  audioMs?: number;
  /** Delay before the first delta, ms (default: the server's `thinkMs`). */
  thinkMs?: number;
  /**
   * Call a function; the fake then waits for its output. Alone it replaces speech; with `audioMs`
   * the fake first speaks, then calls it in the same response (a goodbye before `end_call`).
   */
  toolCall?: { name: string; arguments: string | Record<string, unknown>; callId?: string };
}

export interface FakeTurn {
  /** What the fake "recognised" the caller say (default: "User turn N."). */
  transcript?: string;
  reply?: FakeReply;
}

export interface FakeScript {
  /** Per caller turn, 0-based. Turns past the end use `defaultReply`. */
  turns?: Array<FakeTurn | undefined>;
  /** Reply after a `function_call_output` + `response.create` (default: "The result is <output>."). */
  afterToolOutput?: (output: string, toolName: string) => FakeReply;
  /** Reply to a client `response.create` with instructions (default: speaks the instructions). */
  onInstructions?: (instructions: string) => FakeReply;
  defaultReply?: FakeReply;
}

export type FailMode =
  /** Destroy the next upgrade's socket without an HTTP answer (client sees a reset). */
  | 'refuse'
  /** Answer the next upgrade with HTTP 500. */
  | 'http-500'
  /** Accept the next upgrade but never send the first event (connect timeout). */
  | 'silent'
  /** Never answer the next `session.update` (configure timeout). */
  | 'ignore-session-update'
  /** Answer the next `session.update` with a `server_error` error event. */
  | 'error-event'
  /** After the next `session.updated`, send a fatal `session_expired` error and close (1011). */
  | 'fatal-error'
  /** Terminate the socket right after the first audio delta of the next response. */
  | 'drop-mid-response';

export interface FakeServerOptions {
  /** Expected bearer key (default `test-key`); anything else gets 401 on the upgrade. */
  apiKey?: string;
  /** Force a flavour; default: `xai` when the model starts with `grok`, else `openai`. */
  flavour?: Flavour;
  /** Frame energy above which input counts as speech (default −40 dBFS). */
  vadThresholdDbfs?: number;
  /** Default response audio length, ms (default 600). */
  responseAudioMs?: number;
  /** Audio per delta, ms (default 100). */
  chunkMs?: number;
  /** Time between deltas, ms (default 10: ten times faster than real time). */
  chunkIntervalMs?: number;
  /** Default delay between `response.created` and the first delta, ms (default 20). */
  thinkMs?: number;
  /** Delay of the caller transcript after the turn ends, ms (default 0). */
  transcriptionDelayMs?: number;
  /** xAI keep-alive `ping` interval, ms (default 1000; 0 = off). One ping follows `conversation.created`. */
  pingIntervalMs?: number;
  /** Usage in xAI `response.done` (default `{}`: xAI may send empty usage). */
  xaiUsage?: Record<string, unknown>;
  script?: FakeScript;
}

/** A client event as the fake received it. */
export interface RecordedClientEvent {
  connectionId: number;
  /** performance.now() at receipt. */
  at: number;
  type: string;
  event: Record<string, unknown>;
}

/** A server event as the fake sent it (audio deltas included, for latency measurement). */
export interface RecordedServerEvent {
  connectionId: number;
  at: number;
  type: string;
  event: Record<string, unknown>;
}

export interface DeltaRecord {
  connectionId: number;
  responseId: string;
  itemId: string;
  /** performance.now() when the delta was written to the socket. */
  at: number;
  bytes: number;
  /** Offset of this chunk in the item's audio, ms. */
  offsetMs: number;
}

export interface TruncationRecord {
  connectionId: number;
  itemId: string;
  audioEndMs: number;
  contentIndex: number;
  accepted: boolean;
  /** Audio of the item the fake had sent when the truncate arrived, ms. */
  itemAudioMs: number;
}

export interface UpgradeRecord {
  at: number;
  path: string;
  model: string | null;
  authorized: boolean;
  /** 101 when accepted; the HTTP status otherwise; 0 when the socket was destroyed. */
  status: number;
}
