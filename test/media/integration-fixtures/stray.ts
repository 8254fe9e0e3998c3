/**
 * The caller of a dead call, still streaming: one socket that sends a µ-law RTP packet to each
 * target port every 20 ms (as a phone does until its own RTP timeout), and counts what comes back.
 */
import { createSocket, type Socket } from 'node:dgram';
import { writeRtpHeader } from '../../../media/rtp/packet.js';
import { taggedFrame } from './caller.js';

/** Tag of stray frames: no test call's own frames reach it. */
export const STRAY_TAG = 0x7000;

export class StrayStream {
  /** Datagrams that came back to this caller (from whoever now holds its old port). */
  received = 0;
  private timer: NodeJS.Timeout | null = null;
  private targets: number[] = [];
  private seq = 0;
  private count = 0;
  private waiters: { n: number; resolve: () => void }[] = [];
  private readonly packet = Buffer.alloc(12 + 160);

  private constructor(private readonly socket: Socket) {
    this.packet.set(taggedFrame(STRAY_TAG), 12);
    socket.on('message', () => this.received++);
  }

  /** A caller on `address`, not sending yet (its port can go into an SDP first). */
  static async open(address = '127.0.0.1'): Promise<StrayStream> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    return new StrayStream(socket);
  }

  /** Opens a caller and starts streaming at once to `targets` on 127.0.0.1. */
  static async aimAt(targets: number[]): Promise<StrayStream> {
    const stray = await StrayStream.open();
    stray.stream(targets);
    return stray;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends one packet to each target now and every 20 ms until `stop()`. */
  stream(targets: number[]): void {
    this.targets = targets;
    this.tick();
    this.timer ??= setInterval(() => this.tick(), 20);
  }

  /** Datagrams sent so far. */
  get packetsSent(): number {
    return this.count;
  }

  /** Resolves once `n` datagrams have left. */
  sent(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }

  private tick(): void {
    this.seq = (this.seq + 1) & 0xffff;
    writeRtpHeader(this.packet, 0, { marker: false, pt: 0, seq: this.seq, ts: (this.seq * 160) >>> 0, ssrc: 0xdead });
    for (const port of this.targets) {
      this.socket.send(this.packet, port, '127.0.0.1', () => {
        this.count++;
        this.waiters = this.waiters.filter((w) => (this.count >= w.n ? (w.resolve(), false) : true));
      });
    }
  }
}

/** True when `port` on 127.0.0.1 can be bound right now (nobody holds it). */
export async function canBind(port: number): Promise<boolean> {
  const probe = createSocket('udp4');
  const ok = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.bind({ port, address: '127.0.0.1', exclusive: true }, () => resolve(true));
  });
  try {
    probe.close();
  } catch {
    // Never bound.
  }
  return ok;
}
