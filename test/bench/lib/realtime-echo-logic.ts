/**
 * Benchmark call logic, loaded into the media worker as `logicModule`: bridges each call to the
 * echo provider over its own WebSocket like a realtime model adapter would (base64 µ-law in
 * `input_audio_buffer.append`, `response.output_audio.delta` back into the playout queue), and
 * measures the engine's added latency in both directions. The histograms live per worker
 * thread and are read over a BroadcastChannel, so measuring adds no protocol traffic.
 */
import { performance } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import WebSocket from 'ws';
import { Histogram } from '../../../media/clock/histogram.js';
import type { CallLogicFactory } from '../../../media/call/types.js';
import { BENCH_CHANNEL } from './bench-channel.js';


export interface EchoLogicOptions {
  url: string;
}

/** RTP arrival (socket read) → WebSocket send of the same frame. */
const rtpToWs = new Histogram(0.05, 50);
/** WebSocket message receipt → RTP send of the chunk's first byte (includes queueing behind earlier audio). */
const wsToRtp = new Histogram(0.25, 250);
/** The same for chunks that found the playout queue empty: the engine's own share (the next clock slot). */
const wsToRtpEmpty = new Histogram(0.25, 250);
const counters = { appends: 0, deltas: 0, wsErrors: 0, connected: 0 };

const channel = new BroadcastChannel(BENCH_CHANNEL);
channel.unref();
channel.onmessage = (event: unknown): void => {
  const data = (event as { data?: { type?: string } }).data;
  if (data?.type === 'reset') {
    rtpToWs.reset();
    wsToRtp.reset();
    wsToRtpEmpty.reset();
    counters.appends = counters.deltas = counters.wsErrors = 0;
  } else if (data?.type === 'report') {
    channel.postMessage({ type: 'latency', rtpToWs: rtpToWs.serialize(), wsToRtp: wsToRtp.serialize(), wsToRtpEmpty: wsToRtpEmpty.serialize(), counters: { ...counters } });
  }
};

const FIFO = 512;

export const createCallLogic: CallLogicFactory = (media, _start, host) => {
  const { url } = host.logicOptions as EchoLogicOptions;
  const socket = new WebSocket(url, { perMessageDeflate: false });
  // Byte position and receipt time of each chunk not yet (fully) sent.
  const fifoPos = new Float64Array(FIFO);
  const fifoAt = new Float64Array(FIFO);
  const fifoEmpty = new Uint8Array(FIFO);
  let head = 0;
  let tail = 0;

  socket.on('open', () => counters.connected++);
  socket.on('error', () => counters.wsErrors++);
  socket.on('message', (data) => {
    const at = performance.now();
    const event = JSON.parse(String(data)) as { type: string; delta?: string; item_id?: string };
    if (event.type !== 'response.output_audio.delta' || !event.delta) return;
    const audio = Buffer.from(event.delta, 'base64');
    if (tail - head < FIFO) {
      fifoPos[tail % FIFO] = media.agentBytesQueued;
      fifoAt[tail % FIFO] = at;
      fifoEmpty[tail % FIFO] = media.queuedAgentMs === 0 ? 1 : 0;
      tail++;
    }
    media.playAgentAudio(audio, event.item_id ?? 'item');
    counters.deltas++;
  });
  media.onCallerAudio((payload, info) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    const audio = Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('base64');
    socket.send(JSON.stringify({ type: 'input_audio_buffer.append', audio }));
    rtpToWs.record(performance.now() - info.receivedAt);
    counters.appends++;
  });
  media.onAgentFrameSent((sentAt, sentBytes) => {
    while (head < tail && fifoPos[head % FIFO] < sentBytes) {
      wsToRtp.record(sentAt - fifoAt[head % FIFO]);
      if (fifoEmpty[head % FIFO] === 1) wsToRtpEmpty.record(sentAt - fifoAt[head % FIFO]);
      head++;
    }
  });
  return {
    close() {
      socket.close();
      return { usage: {} };
    },
  };
};
