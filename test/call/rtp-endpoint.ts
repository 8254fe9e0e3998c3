/**
 * One end of an RTP stream for tests: a UDP socket that sends µ-law frames paced from a deadline
 * clock (queued speech, else silence) to the peer's SDP address, and records every RTP packet
 * it receives with its arrival time, so tests can check what was heard and when.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { createRtpHeader, parseRtp, writeRtpHeader } from '../../media/rtp/packet.js';
import { DtmfSender } from '../../media/dtmf/sender.js';
import { mulawSilence } from '../fakes/audio.js';

export interface HeardPacket {
  at: number;
  seq: number;
  ts: number;
  pt: number;
  marker: boolean;
  payload: Buffer;
}

const FRAME_BYTES = 160;
const FRAME_MS = 20;

export class RtpEndpoint {
  readonly heard: HeardPacket[] = [];
  /** performance.now() of every frame sent, whether it carried speech, and its payload. */
  readonly sent: Array<{ at: number; voiced: boolean; payload: Uint8Array }> = [];
  private remote: { address: string; port: number } | null = null;
  private seq = Math.floor(Math.random() * 65535);
  private ts = Math.floor(Math.random() * 2 ** 31);
  private queue: Array<{ frame: Uint8Array; voiced: boolean }> = [];
  /** A digit being sent as RFC 4733 events in place of audio frames, and its payload type. */
  private dtmf: { sender: DtmfSender; pt: number } | null = null;
  private clock: NodeJS.Timeout | null = null;
  private readonly silence = mulawSilence(FRAME_MS);
  private replyToFirstSender = false;

  private constructor(private readonly socket: Socket) {
    const header = createRtpHeader();
    socket.on('message', (msg, from) => {
      if (parseRtp(msg, header) !== 0) return;
      if (this.replyToFirstSender && !this.remote) this.start({ address: from.address, port: from.port });
      this.heard.push({
        at: performance.now(),
        seq: header.sequenceNumber,
        ts: header.timestamp,
        pt: header.payloadType,
        marker: header.marker,
        payload: Buffer.from(msg.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength)),
      });
    });
  }

  static async bind(host = '127.0.0.1', port = 0): Promise<RtpEndpoint> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(port, host, () => resolve()));
    return new RtpEndpoint(socket);
  }

  get host(): string {
    return this.socket.address().address;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Starts sending to the peer (silence until something is queued). */
  start(remote: { address: string; port: number }): void {
    this.remote = remote;
    this.stop();
    const start = performance.now();
    let n = 0;
    const tick = () => {
      if (this.dtmf) this.sendDtmfPacket();
      else {
        const next = this.queue.shift();
        this.send(next?.frame ?? this.silence, next?.voiced ?? false);
      }
      n += 1;
      this.clock = setTimeout(tick, Math.max(0, start + n * FRAME_MS - performance.now()));
    };
    tick();
  }

  /** Starts sending once the peer's first packet arrives, to where it came from (symmetric RTP). */
  startOnFirstPacket(): void {
    this.replyToFirstSender = true;
  }

  /** Queues µ-law audio (any length) to be sent in 20 ms frames after what is already queued. */
  say(ulaw: Uint8Array, voiced = true): void {
    for (let i = 0; i + FRAME_BYTES <= ulaw.length; i += FRAME_BYTES) this.queue.push({ frame: ulaw.subarray(i, i + FRAME_BYTES), voiced });
  }

  /** Sends `digit` as RFC 4733 telephone-events (payload type `pt`) in place of audio. */
  sendDigit(digit: string, pt = 101): void {
    const sender = new DtmfSender();
    sender.start(digit, this.ts);
    this.dtmf = { sender, pt };
  }

  private sendDtmfPacket(): void {
    const { sender, pt } = this.dtmf!;
    if (!this.remote) return;
    const packet = Buffer.alloc(12 + 4);
    const n = sender.next(packet, 12);
    if (n === 0) {
      this.ts = (this.ts + sender.durationUnits) >>> 0;
      this.dtmf = null;
      return;
    }
    writeRtpHeader(packet, 0, { marker: sender.marker, pt, seq: this.seq, ts: sender.timestamp, ssrc: 0x5eed });
    this.seq = (this.seq + 1) & 0xffff;
    this.socket.send(packet.subarray(0, 12 + n), this.remote.port, this.remote.address);
  }

  /** Milliseconds of audio still waiting to be sent. */
  get pendingMs(): number {
    return this.queue.length * FRAME_MS;
  }

  /** Packets heard since `since` (performance.now()). */
  heardSince(since: number): HeardPacket[] {
    return this.heard.filter((p) => p.at >= since);
  }

  stop(): void {
    if (this.clock) clearTimeout(this.clock);
    this.clock = null;
  }

  close(): void {
    this.stop();
    this.socket.close();
  }

  private send(frame: Uint8Array, voiced: boolean): void {
    if (!this.remote) return;
    const packet = Buffer.alloc(12 + frame.length);
    writeRtpHeader(packet, 0, { marker: false, pt: 0, seq: this.seq, ts: this.ts, ssrc: 0x5eed });
    packet.set(frame, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + FRAME_BYTES) >>> 0;
    this.sent.push({ at: performance.now(), voiced, payload: frame });
    this.socket.send(packet, this.remote.port, this.remote.address);
  }
}
