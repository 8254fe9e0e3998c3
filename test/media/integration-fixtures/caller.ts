/** A scripted RTP peer on loopback for media integration tests: sends crafted packets, records what arrives. */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
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

/**
 * A block of `size` consecutive free UDP ports starting at an even port (tests never use fixed
 * ports). The pool binds its ports only as calls need them, so the block lies above the kernel's
 * ephemeral range where it can: there no port-0 bind or outgoing connection (the tests' database
 * and Redis clients) can be handed one of its ports meanwhile.
 */
export async function freePortBlock(size: number): Promise<{ min: number; max: number }> {
  const top = ephemeralRangeTop();
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = top + 1 + size <= 65535 ? evenAtOrAbove(top + 1 + Math.floor(Math.random() * (65535 - top - size))) : await ephemeralPort();
    if (min + size - 1 <= 65535 && (await allFree(min, min + size - 1))) return { min, max: min + size - 1 };
  }
  throw new Error('no free port block');
}

/** The last port of the kernel's ephemeral range (Linux: 60999 by default). */
function ephemeralRangeTop(): number {
  try {
    const [, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(high) ? high : 65535;
  } catch {
    return 65535; // unknown: fall back to ports the kernel hands out
  }
}

const evenAtOrAbove = (port: number): number => (port % 2 === 0 ? port : port + 1);

async function ephemeralPort(): Promise<number> {
  const probe = createSocket('udp4');
  const port = await new Promise<number>((resolve) => probe.bind(0, '127.0.0.1', () => resolve(probe.address().port)));
  probe.close();
  return evenAtOrAbove(port);
}

async function allFree(min: number, max: number): Promise<boolean> {
  const sockets: Socket[] = [];
  try {
    for (let p = min; p <= max; p++) {
      const s = createSocket('udp4');
      sockets.push(s);
      const ok = await new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false));
        s.bind({ port: p, address: '0.0.0.0', exclusive: true }, () => resolve(true));
      });
      if (!ok) return false;
    }
    return true;
  } finally {
    for (const s of sockets) {
      try {
        s.close();
      } catch {
        /* never bound */
      }
    }
  }
}
