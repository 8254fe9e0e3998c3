/**
 * Benchmark call logic, loaded into the media worker as `logicModule`: bridges each call to the
 * echo provider through the production realtime adapter (`OpenAIRealtimeSession`: voice-aware
 * batched `input_audio_buffer.append`, `response.output_audio.delta` back into the playout
 * queue), and measures the engine's added latency in both directions. The histograms live per
 * worker thread and are read over a BroadcastChannel, so measuring adds no protocol traffic.
 *
 * Voice hints: the bench has no speech, so each caller follows a talk/listen schedule (`talkMs`
 * voiced, then `listenMs` unvoiced, each call at its own offset) standing in for the agent's
 * voice detector. `profile-start`/`profile-stop` on the channel record a CPU profile of this
 * worker thread (node:inspector) for the measurement window only.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import { Histogram } from '../../../media/clock/histogram.js';
import type { CallLogicFactory } from '../../../media/call/types.js';
import { OpenAIRealtimeSession } from '../../../media/providers/openai/adapter.js';
import { BENCH_CHANNEL } from './bench-channel.js';

export interface EchoLogicOptions {
  /** The echo provider's HTTP base URL (the adapter derives ws://…/realtime from it). */
  baseUrl: string;
  /** Largest append, ms (the adapter's `appendBatchMs`). */
  batchMs: number;
  /** Unvoiced audio after voice still sent frame by frame, ms (`immediateAfterVoiceMs`). */
  immediateAfterVoiceMs: number;
  /** Talk/listen schedule of the voice hints, ms; talkMs 0: no hints at all. */
  talkMs: number;
  listenMs: number;
}

/** RTP arrival (socket read) → WebSocket send of the append carrying the frame. */
const rtpToWs = new Histogram(0.05, 100);
/** The same for voiced frames only (speech: what the turn detector is waiting for). */
const rtpToWsVoiced = new Histogram(0.05, 100);
/** WebSocket message receipt → RTP send of the chunk's first byte (includes queueing behind earlier audio). */
const wsToRtp = new Histogram(0.25, 250);
/** The same for chunks that found the playout queue empty: the engine's own share (the next clock slot). */
const wsToRtpEmpty = new Histogram(0.25, 250);
const counters = { frames: 0, appends: 0, deltas: 0, wsErrors: 0, connected: 0, droppedBytes: 0 };
let profiler: Session | null = null;

const channel = new BroadcastChannel(BENCH_CHANNEL);
channel.unref();
channel.onmessage = (event: unknown): void => {
  const data = (event as { data?: { type?: string; file?: string } }).data;
  if (data?.type === 'reset') {
    rtpToWs.reset();
    rtpToWsVoiced.reset();
    wsToRtp.reset();
    wsToRtpEmpty.reset();
    counters.frames = counters.appends = counters.deltas = counters.wsErrors = counters.droppedBytes = 0;
  } else if (data?.type === 'report') {
    channel.postMessage({
      type: 'latency',
      rtpToWs: rtpToWs.serialize(),
      rtpToWsVoiced: rtpToWsVoiced.serialize(),
      wsToRtp: wsToRtp.serialize(),
      wsToRtpEmpty: wsToRtpEmpty.serialize(),
      counters: { ...counters },
    });
  } else if (data?.type === 'profile-start') {
    profiler = new Session();
    profiler.connect();
    profiler.post('Profiler.enable', () => profiler?.post('Profiler.start'));
  } else if (data?.type === 'profile-stop' && profiler !== null && data.file) {
    const session = profiler;
    const file = data.file;
    profiler = null;
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(file, JSON.stringify(result.profile));
      session.disconnect();
      channel.postMessage({ type: 'profile-written', file: err ? null : file });
    });
  }
};

const FIFO = 512;
/** Frames of one append at most, awaiting its send (for the arrival → send histogram). */
const MAX_HELD_FRAMES = 64;
let callNo = 0;

export const createCallLogic: CallLogicFactory = (media, _start, host) => {
  const options = host.logicOptions as EchoLogicOptions;
  const session = new OpenAIRealtimeSession({
    apiKey: 'bench',
    baseUrl: options.baseUrl,
    config: { model: 'bench-echo', inputFormat: 'pcmu', outputFormat: 'pcmu', transcription: null },
    appendBatchMs: options.batchMs,
    immediateAfterVoiceMs: options.immediateAfterVoiceMs,
    keepaliveIntervalMs: 0,
  });
  const talkFrames = Math.round(options.talkMs / 20);
  const cycleFrames = talkFrames + Math.round(options.listenMs / 20);
  // Calls are not in step: each starts at another point of its talk/listen cycle.
  let frameNo = cycleFrames > 0 ? (callNo++ * 37) % cycleFrames : 0;
  // Byte position and receipt time of each chunk not yet (fully) sent.
  const fifoPos = new Float64Array(FIFO);
  const fifoAt = new Float64Array(FIFO);
  const fifoEmpty = new Uint8Array(FIFO);
  let head = 0;
  let tail = 0;
  // Arrival of each caller frame not yet in a sent append, and whether it was voiced.
  const heldAt = new Float64Array(MAX_HELD_FRAMES);
  const heldVoiced = new Uint8Array(MAX_HELD_FRAMES);
  let held = 0;
  let appendsSeen = 0;
  let droppedSeen = 0;

  session.connect().then(
    () => counters.connected++,
    () => counters.wsErrors++,
  );
  session.on('closed', ({ expected }) => {
    if (!expected) counters.wsErrors++;
  });
  session.on('audio', ({ audio, itemId }) => {
    const at = performance.now();
    if (tail - head < FIFO) {
      fifoPos[tail % FIFO] = media.agentBytesQueued;
      fifoAt[tail % FIFO] = at;
      fifoEmpty[tail % FIFO] = media.queuedAgentMs === 0 ? 1 : 0;
      tail++;
    }
    media.playAgentAudio(audio, itemId);
    counters.deltas++;
  });
  media.onCallerAudio((payload, info) => {
    if (session.state !== 'ready') return;
    const voiced = cycleFrames === 0 ? undefined : frameNo++ % cycleFrames < talkFrames;
    if (held < MAX_HELD_FRAMES) {
      heldAt[held] = info.receivedAt;
      heldVoiced[held] = voiced ? 1 : 0;
      held++;
    }
    session.appendAudio(payload, voiced);
    counters.frames++;
    const stats = session.stats();
    if (stats.audioBytesDropped !== droppedSeen) {
      counters.droppedBytes += stats.audioBytesDropped - droppedSeen;
      droppedSeen = stats.audioBytesDropped;
    }
    const appends = stats.appendsSent;
    if (appends === appendsSeen) return;
    appendsSeen = appends;
    counters.appends++;
    const now = performance.now();
    for (let i = 0; i < held; i++) {
      rtpToWs.record(now - heldAt[i]);
      if (heldVoiced[i] === 1) rtpToWsVoiced.record(now - heldAt[i]);
    }
    held = 0;
  });
  media.onAgentFrameSent((sentAt, sentBytes) => {
    while (head < tail && fifoPos[head % FIFO] < sentBytes) {
      wsToRtp.record(sentAt - fifoAt[head % FIFO]);
      if (fifoEmpty[head % FIFO] === 1) wsToRtpEmpty.record(sentAt - fifoAt[head % FIFO]);
      head++;
    }
  });
  return {
    async close() {
      await session.close();
      return { usage: {} };
    },
  };
};
