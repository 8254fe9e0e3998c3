/** A scripted RTP peer on loopback for media integration tests: sends crafted packets, records what arrives. */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { createRtpHeader, parseRtp, writeRtpHeader } from '../../../media/rtp/packet.js';

export interface Received {
  at: number;
  seq: number;
  ts: number;
  pt: number;
  marker: boolean;
  ssrc: number;
  payload: Buffer;
}

export class TestCaller {
  readonly received: Received[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (msg) => {
      const h = createRtpHeader();
      if (parseRtp(msg, h) !== 0) return;
      this.received.push({
        at: performance.now(),
        seq: h.sequenceNumber,
        ts: h.timestamp,
        pt: h.payloadType,
        marker: h.marker,
        ssrc: h.ssrc,
        payload: Buffer.from(msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)),
      });
    });
  }

  /** A peer on `address` (any of 127.0.0.0/8: a different address is a different host to the engine). */
  static async open(address = '127.0.0.1'): Promise<TestCaller> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    return new TestCaller(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends one RTP packet to `port` on loopback. */
  send(port: number, f: { seq: number; ts: number; pt?: number; ssrc?: number; marker?: boolean; payload: Uint8Array }): void {
    const buf = Buffer.alloc(12 + f.payload.length);
    writeRtpHeader(buf, 0, { marker: f.marker ?? false, pt: f.pt ?? 0, seq: f.seq & 0xffff, ts: f.ts >>> 0, ssrc: f.ssrc ?? 0x1234 });
    buf.set(f.payload, 12);
    this.socket.send(buf, port, '127.0.0.1');
  }

  sendRaw(port: number, data: Uint8Array): void {
    this.socket.send(data, port, '127.0.0.1');
  }

  close(): void {
    this.socket.close();
  }
}

/** A 160-byte µ-law frame whose first two bytes carry `n` (so order can be checked at the far end). */
export function taggedFrame(n: number): Uint8Array {
  const f = new Uint8Array(160).fill(0x55);
  f[0] = (n >> 8) & 0x7f;
  f[1] = n & 0xff;
  return f;
}

export function tagOf(payload: Uint8Array): number {
  return ((payload[0] & 0x7f) << 8) | payload[1];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, timeoutMs = 5000, stepMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('waitFor timed out');
    await sleep(stepMs);
  }
}
