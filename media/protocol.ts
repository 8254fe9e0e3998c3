/**
 * The typed main ↔ media-worker protocol (DESIGN §2). One discriminated union per direction;
 * every message names its call. Messages cross the thread boundary with structured clone, so
 * they hold plain data only (no class instances, no functions).
 */

/** Media direction as written in SDP (RFC 4566 §6, RFC 3264 §6.1). */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Audio codecs the media plane can carry on an RTP leg. */
export type AudioCodecName = 'PCMU' | 'PCMA' | 'opus';

/** The negotiated remote side of one audio stream, already taken out of the SDP by the caller. */
export interface RemoteMedia {
  /** `c=` address of the remote RTP endpoint. */
  address: string;
  /** `m=` port of the remote RTP endpoint. */
  port: number;
  /** RTCP port (`a=rtcp:` or port + 1, RFC 3605). */
  rtcpPort?: number;
  /** Negotiated audio payload type. */
  payloadType: number;
  codec: AudioCodecName;
  /** RTP clock rate of the codec (8000 for G.711, 48000 for Opus). */
  clockRate: number;
  /** Packetization time in ms (`a=ptime`); the media clock runs at 20 ms. */
  ptime: number;
  /** RFC 4733 `telephone-event` payload type, or null when not negotiated. */
  telephoneEventPt: number | null;
  /** The remote's direction attribute; `sendonly`/`inactive` mean we are put on hold. */
  direction: MediaDirection;
  /**
   * Source IP of the SIP request that carried this SDP (the INVITE's or re-INVITE's packet
   * source, not a header). Only used when `address` is private and differs from it: then the
   * peer is behind NAT and RTP from this IP (any port) may latch the session. Without it media is
   * accepted only from `address`:`port`.
   */
  signalAddress?: string;
}

/** Settings for model providers, resolved by the main thread (keys, base URLs). */
export interface ProviderSettings {
  [provider: string]: { baseUrl?: string; apiKey?: string } | undefined;
}

/** Per-call knobs for the media object; every field has a default in the worker. */
export interface CallMediaOptions {
  /** End the call after this long without RTP (default 30 000 ms). */
  noMediaTimeoutMs?: number;
  /** The same while the call is on hold (default 60 000 ms). */
  holdNoMediaTimeoutMs?: number;
  /** What to send when the playout queue is empty: comfort silence or nothing (default `silence`). */
  emptyPlayout?: 'silence' | 'nothing';
  /** Write a stereo WAV (caller left, agent right) into the pool's recording directory. */
  record?: boolean;
}

export interface CallStartMessage {
  type: 'call.start';
  callId: string;
  direction: 'inbound' | 'outbound';
  /** Negotiated remote media; null for an outbound call whose answer has not arrived yet. */
  remote: RemoteMedia | null;
  /**
   * Codec the agent's audio is prepared in when `remote` is still null (outbound: the first codec
   * of our offer). Ignored when `remote` is given. Default PCMU.
   */
  codec?: AudioCodecName;
  /** The resolved agent runtime config; opaque to the media plane, read by the call logic. */
  agent: unknown;
  providers: ProviderSettings;
  media?: CallMediaOptions;
  /** Start the call in the worker that holds this call (for bridging). */
  colocateWith?: string;
}

export type CallControl =
  | { kind: 'say'; content: string; endAfter: boolean }
  | { kind: 'inject-context'; content: string; triggerResponse: boolean }
  | { kind: 'end-call'; message?: string };

/** main → worker */
export type MainToWorker =
  | CallStartMessage
  | { type: 'call.answered'; callId: string }
  | { type: 'call.remote-sdp'; callId: string; remote: RemoteMedia }
  /** `commandId`: the worker answers `call.control-result` with it once the logic took the command. */
  | { type: 'call.control'; callId: string; control: CallControl; commandId?: string }
  | { type: 'call.tool-result'; callId: string; toolCallId: string; result: unknown; error?: string }
  /** Plays `tone` whenever the agent is silent (a ringback while a transfer rings), or stops it (null). */
  | { type: 'call.tone'; callId: string; tone: 'ringback-us' | 'ringback-uk' | 'ringback-eu' | null }
  /** Holds the agent (it stops talking and listening while a warm transfer consults), or resumes it. */
  | { type: 'call.hold'; callId: string; on: boolean }
  | { type: 'call.bridge'; callId: string; peerCallId: string }
  | { type: 'call.unbridge'; callId: string }
  | { type: 'call.stop'; callId: string; reason: string };

/** What the main thread needs to build the SDP answer (or offer). */
export interface LocalMedia {
  /** The address the RTP socket is bound to (the SDP advertises the public address instead). */
  bindAddress: string;
  port: number;
  rtcpPort: number;
}

export interface CallReady {
  type: 'call.ready';
  callId: string;
  local: LocalMedia;
}

export type StartFailureCode = 'media/ports-exhausted' | 'media/bad-request' | 'media/start-error' | 'media/worker-died';

export interface CallStartFailed {
  type: 'call.start-failed';
  callId: string;
  code: StartFailureCode;
  message: string;
}

export type LatencyMark =
  | 'caller-speech-end'
  | 'agent-response-start'
  | 'first-audio-delta'
  | 'first-audio-sent';

/** Typed call events surfaced to the control plane (transcripts, speech, latency, DTMF). */
export type CallEvent =
  /** `interrupted`: an agent turn the caller barged in on; `text` is what the caller heard where the engine knows it. */
  | { kind: 'transcript'; role: 'user' | 'assistant'; text: string; final: boolean; itemId?: string; interrupted?: boolean }
  /** An agent turn already reported final was barged in on after all (realtime: its text came before its audio ended). */
  | { kind: 'turn-interrupted'; itemId: string }
  | { kind: 'speech-started'; who: 'user' | 'assistant' }
  | { kind: 'speech-stopped'; who: 'user' | 'assistant' }
  | { kind: 'latency'; mark: LatencyMark; atMs: number; sinceMs?: number }
  | { kind: 'dtmf'; digit: string }
  | { kind: 'item-played'; itemId: string; playedMs: number }
  | { kind: 'media-latched'; address: string; port: number };

export type CallEndReason = 'stopped' | 'no-media' | 'error';

export interface TranscriptMessage {
  role: 'user' | 'assistant' | 'system' | 'tool';
  content: string;
  /** ms since the call started. */
  atMs?: number;
  /**
   * An agent turn the caller barged in on: `content` is what the model generated, which may go
   * beyond what the caller heard (the providers send no transcript of the heard part).
   */
  interrupted?: boolean;
}

/** Per-direction RTP counters, RFC 3550 style. */
export interface RtpQuality {
  packetsReceived: number;
  packetsSent: number;
  bytesReceived: number;
  bytesSent: number;
  /** Sequence-gap losses seen by the reorder window. */
  packetsLost: number;
  duplicates: number;
  late: number;
  reordered: number;
  /** RFC 3550 §A.8 inter-arrival jitter, in ms. */
  jitterMs: number;
  /** Dropped: truncated/oversized/bad version. */
  malformed: number;
  /** Dropped: from a source other than the latched remote. */
  foreignSource: number;
  /** Dropped: payload type neither audio nor telephone-event. */
  unexpectedPayloadType: number;
  ssrcChanges: number;
  /** Remote's view from its RTCP reports about our stream. */
  remoteFractionLost: number | null;
  remoteCumulativeLost: number | null;
  remoteJitterMs: number | null;
  /** Round-trip time from RTCP LSR/DLSR (RFC 3550 §6.4.1), ms. */
  rttMs: number | null;
  /** Frames the clock could not send on time (outbound). */
  framesSkipped: number;
}

export interface CallQuality {
  rtp: RtpQuality;
  /** Agent audio actually sent to the caller, ms. */
  agentAudioMs: number;
  /** Caller audio frames delivered to the call logic. */
  callerFrames: number;
  /** Caller payloads that could not be decoded (corrupt Opus) or bridged (Opus ↔ G.711), dropped. */
  decodeErrors: number;
  dtmfDigits: number;
}

export interface RecordingInfo {
  path: string;
  durationMs: number;
}

/** worker → main */
export type WorkerToMain =
  | CallReady
  | CallStartFailed
  | { type: 'call.event'; callId: string; event: CallEvent }
  | { type: 'call.tool-call'; callId: string; toolCallId: string; name: string; arguments: unknown }
  | {
      type: 'call.hangup-request';
      callId: string;
      /** `agent-hangup`, `end-call`, `silence-timeout`, `voicemail`, `provider-error`, … */
      reason: string;
      /** Why the call failed, when it did (e.g. `provider/connect_refused` with `reason: provider-error`). */
      error?: { code: string; message: string };
    }
  | { type: 'call.transfer-request'; callId: string; destination: string; message?: string }
  | { type: 'call.control-result'; callId: string; commandId: string; ok: boolean; error?: string }
  | CallEnded;

/**
 * The latency waterfall of one answered caller turn, in ms from the arrival of the caller's last
 * voiced packet (the worker's voice activity detector). A step the engine does not have (a
 * realtime model has no separate LLM and TTS requests) is null.
 */
export interface TurnLatency {
  /** 1-based, in the order the turns were answered. */
  turn: number;
  engine: 'realtime' | 'pipeline';
  /** End of turn decided (pipeline: the engine's turn detector; realtime: the server's response). */
  endOfTurnMs: number | null;
  llmRequestMs: number | null;
  llmFirstTokenMs: number | null;
  /** The LLM's first sentence (or clause) complete, handed to TTS. */
  llmFirstSentenceMs: number | null;
  ttsRequestMs: number | null;
  /** First audio of the reply received (pipeline: from TTS; realtime: the first audio delta). */
  ttsFirstAudioMs: number | null;
  /** First RTP packet of the reply sent to the caller. */
  firstRtpMs: number | null;
  /** The caller barged in on this reply. */
  interrupted: boolean;
}

/** A caller's speech over the agent: onset (first voiced packet) → the agent's last RTP packet. */
export interface BargeInLatency {
  onsetToLastRtpMs: number;
  /** False: a false interruption (no words); the agent resumed. */
  confirmed: boolean;
}

export type TurnLatencyField = 'endOfTurnMs' | 'llmRequestMs' | 'llmFirstTokenMs' | 'llmFirstSentenceMs' | 'ttsRequestMs' | 'ttsFirstAudioMs' | 'firstRtpMs';

export interface LatencyPercentiles {
  p50: number;
  p95: number;
  count: number;
}

export interface CallLatency {
  turns: TurnLatency[];
  bargeIns: BargeInLatency[];
  /** p50/p95 of each field over the turns that have it (nearest rank); `bargeIn`: onset → last RTP. */
  summary: Partial<Record<TurnLatencyField | 'bargeIn', LatencyPercentiles>>;
}

export interface CallEnded {
  type: 'call.ended';
  callId: string;
  reason: CallEndReason;
  /** The `call.stop` reason when the main thread ended the call. */
  stopReason?: string;
  error?: { code: string; message: string };
  /** Provider usage counters reported by the call logic (tokens, audio seconds…). */
  usage: Record<string, number>;
  quality: CallQuality | null;
  recording: RecordingInfo | null;
  messages: TranscriptMessage[];
  /** The per-turn latency waterfall (agent calls). */
  latency?: CallLatency;
  /**
   * False when the call never reached a working agent: only a built-in prompt was played (no
   * provider key, a provider that refused at start, an announcement). Such a call is not billed.
   */
  agentReached?: boolean;
}

export type MainToWorkerType = MainToWorker['type'];
export type WorkerToMainType = WorkerToMain['type'];

/** Messages a call logic may post for its own call (the host fills in `callId`). */
export type CallOutbound = DistributiveOmit<
  Exclude<WorkerToMain, CallReady | CallStartFailed | CallEnded>,
  'callId'
>;

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const MAIN_TO_WORKER_TYPES: ReadonlySet<string> = new Set<MainToWorkerType>([
  'call.start',
  'call.answered',
  'call.remote-sdp',
  'call.control',
  'call.tool-result',
  'call.tone',
  'call.hold',
  'call.bridge',
  'call.unbridge',
  'call.stop',
]);

const WORKER_TO_MAIN_TYPES: ReadonlySet<string> = new Set<WorkerToMainType>([
  'call.ready',
  'call.start-failed',
  'call.event',
  'call.tool-call',
  'call.hangup-request',
  'call.transfer-request',
  'call.control-result',
  'call.ended',
]);

/** Structural guard for messages arriving at a worker (the boundary still trusts field types). */
export function isMainToWorker(value: unknown): value is MainToWorker {
  return hasCallType(value) && MAIN_TO_WORKER_TYPES.has(value.type);
}

/** Structural guard for messages arriving at the main thread. */
export function isWorkerToMain(value: unknown): value is WorkerToMain {
  return hasCallType(value) && WORKER_TO_MAIN_TYPES.has(value.type);
}

function hasCallType(value: unknown): value is { type: string; callId: string } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; callId?: unknown };
  return typeof v.type === 'string' && typeof v.callId === 'string' && v.callId.length > 0;
}
