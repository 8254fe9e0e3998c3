/**
 * Benchmark load generator, run as its own process (`fork`): N simulated callers, each a UDP
 * socket sending 50 µ-law RTP packets per second to its engine port from one deadline scheduler
 * (callers spread over four 5 ms phases, as real calls are not in step). Each frame carries its
 * caller and frame number, so when the engine plays it back (through the echo provider) the
 * caller measures the round trip; it also measures the inter-arrival of the engine's packets.
 * IPC: open → opened{ports}; start{targets}; reset; report → report{…}; stop → stopped.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { Histogram, type SerializedHistogram } from '../../../media/clock/histogram.js';

export type CallersCommand =
  | { type: 'open'; count: number }
  | { type: 'start'; targets: number[] }
  | { type: 'reset' }
  | { type: 'report' }
  | { type: 'stop' };

export interface CallersReport {
  type: 'report';
  sent: number;
  received: number;
  tagged: number;
  /** |inter-arrival − 20 ms| of the engine's packets, per call. */
  interArrival: SerializedHistogram;
  /** Caller send → the same frame back from the engine (includes the provider's fixed delay). */
  roundTrip: SerializedHistogram;
  /** How late the load generator itself sent (its own health). */
  sendLateness: SerializedHistogram;
  /** This process's CPU time so far (µs). */
  cpu: NodeJS.CpuUsage;
}

const MAGIC = 0xa5;
const PHASES = 4;
const RING = 128;

interface Caller {
  socket: Socket;
  packet: Buffer;
  seq: number;
  ts: number;
  frame: number;
  lastArrival: number;
  sentAt: Float64Array;
  sentFrame: Int32Array;
}

const callers: Caller[] = [];
let targets: number[] = [];
let timer: NodeJS.Timeout | null = null;
let sent = 0;
let received = 0;
let tagged = 0;
const interArrival = new Histogram(0.25, 100);
const roundTrip = new Histogram(0.5, 1000);
const sendLateness = new Histogram(0.25, 100);

function openCaller(index: number): Promise<Caller> {
  const socket = createSocket('udp4');
  const packet = Buffer.alloc(12 + 160, 0x55);
  packet[0] = 0x80;
  packet[1] = 0; // PT 0 (PCMU), no marker
  packet.writeUInt32BE(0x1000 + index, 8);
  packet[12] = MAGIC;
  packet.writeUInt16BE(index, 13);
  const caller: Caller = { socket, packet, seq: 0, ts: 0, frame: 0, lastArrival: 0, sentAt: new Float64Array(RING), sentFrame: new Int32Array(RING).fill(-1) };
  socket.on('message', (msg) => onPacket(caller, msg));
  socket.on('error', () => undefined);
  return new Promise((resolve) =>
    socket.bind(0, '127.0.0.1', () => {
      try {
        socket.setRecvBufferSize(1 << 20);
      } catch {
        // capped by the kernel
      }
      resolve(caller);
    }),
  );
}

function onPacket(caller: Caller, msg: Buffer): void {
  const now = performance.now();
  received++;
  if (caller.lastArrival > 0) interArrival.record(Math.abs(now - caller.lastArrival - 20));
  caller.lastArrival = now;
  if (msg.length < 19 || msg[12] !== MAGIC) return;
  const frame = msg.readUInt32BE(15);
  const slot = frame % RING;
  if (caller.sentFrame[slot] !== frame) return;
  tagged++;
  roundTrip.record(now - caller.sentAt[slot]);
}

function sendPhase(phase: number, now: number): void {
  for (let i = phase; i < callers.length; i += PHASES) {
    const c = callers[i];
    const p = c.packet;
    p.writeUInt16BE(c.seq, 2);
    p.writeUInt32BE(c.ts >>> 0, 4);
    p.writeUInt32BE(c.frame, 15);
    c.sentAt[c.frame % RING] = now;
    c.sentFrame[c.frame % RING] = c.frame;
    c.socket.send(p, targets[i], '127.0.0.1');
    c.seq = (c.seq + 1) & 0xffff;
    c.ts += 160;
    c.frame++;
    sent++;
  }
}

function start(): void {
  const t0 = performance.now();
  const period = 20 / PHASES;
  let k = 0;
  const wake = (): void => {
    const now = performance.now();
    const due = t0 + k * period;
    if (now < due) {
      timer = setTimeout(wake, due - now);
      return;
    }
    sendLateness.record(now - due);
    sendPhase(k % PHASES, now);
    // Skip phases we are too late for rather than bursting (same rule as the engine's clock).
    k = Math.max(k + 1, Math.floor((now - t0) / period));
    timer = setTimeout(wake, Math.max(0, t0 + k * period - performance.now()));
  };
  wake();
}

function reset(): void {
  sent = received = tagged = 0;
  interArrival.reset();
  roundTrip.reset();
  sendLateness.reset();
  for (const c of callers) c.lastArrival = 0;
}

function report(): CallersReport {
  return { type: 'report', sent, received, tagged, interArrival: interArrival.serialize(), roundTrip: roundTrip.serialize(), sendLateness: sendLateness.serialize(), cpu: process.cpuUsage() };
}

async function stop(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  await Promise.all(callers.splice(0).map((c) => new Promise<void>((resolve) => c.socket.close(() => resolve()))));
}

process.on('message', (cmd: CallersCommand) => {
  void (async () => {
    if (cmd.type === 'open') {
      for (let i = callers.length; i < cmd.count; i++) callers.push(await openCaller(i));
      process.send?.({ type: 'opened', ports: callers.map((c) => c.socket.address().port) });
    } else if (cmd.type === 'start') {
      targets = cmd.targets;
      reset();
      start();
    } else if (cmd.type === 'reset') reset();
    else if (cmd.type === 'report') process.send?.(report());
    else if (cmd.type === 'stop') {
      await stop();
      process.send?.({ type: 'stopped' });
    }
  })();
});

process.on('disconnect', () => process.exit(0));
