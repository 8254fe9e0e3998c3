/**
 * Outbound RTP stream of one call: random SSRC, sequence number and timestamp (RFC 3550 §5.1,
 * §8), a timestamp that follows the media clock slot by slot whether or not a packet goes out,
 * and a few preallocated packet buffers used in rotation so nothing is allocated per packet.
 * `dgram` reads a buffer after the current turn (it resolves the address on the next tick), so
 * a buffer is reused only once its send completed; if all are busy the pool grows by one.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { RTP_HEADER_SIZE, writeRtpHeader, type RtpHeaderFields } from './packet.js';

/** Buffers in rotation: more than one clock wake ever sends per call. */
const BUFFERS = 4;
const MAX_PAYLOAD = 1460;

export class RtpSender {
  readonly ssrc: number;
  private readonly fields: RtpHeaderFields;
  private readonly buffers: Buffer[] = [];
  private readonly busy: boolean[] = [];
  /** One completion callback per buffer, made once: no closure per packet. */
  private readonly done: (() => void)[] = [];
  private next = 0;
  packetsSent = 0;
  /** Payload octets sent (the SR's sender octet count, RFC 3550 §6.4.1). */
  octetsSent = 0;
  /** RTP timestamp and monotonic time of the last packet, to place an SR on the RTP timeline. */
  lastTimestamp = 0;
  lastSentAt = 0;
  sendErrors = 0;

  constructor(
    payloadType: number,
    private readonly samplesPerFrame: number,
  ) {
    this.ssrc = randomInt(1, 0xffffffff) >>> 0;
    this.fields = { marker: false, pt: payloadType, seq: randomInt(0, 0x10000), ts: randomInt(0, 0xffffffff) >>> 0, ssrc: this.ssrc };
    this.lastTimestamp = this.fields.ts;
    for (let i = 0; i < BUFFERS; i++) this.addBuffer();
  }

  /** Packet buffers allocated (more than the initial 4 only when sends were still pending). */
  get bufferCount(): number {
    return this.buffers.length;
  }

  private addBuffer(): number {
    const i = this.buffers.length;
    this.buffers.push(Buffer.alloc(RTP_HEADER_SIZE + MAX_PAYLOAD));
    this.busy.push(false);
    this.done.push(() => {
      this.busy[i] = false;
    });
    return i;
  }

  private freeBuffer(): number {
    const n = this.buffers.length;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      if (!this.busy[i]) {
        this.next = (i + 1) % n;
        return i;
      }
    }
    return this.addBuffer();
  }

  set payloadType(pt: number) {
    this.fields.pt = pt;
  }

  /** The timestamp the next packet will carry. */
  get timestamp(): number {
    return this.fields.ts;
  }

  get sequence(): number {
    return this.fields.seq;
  }

  /**
   * Moves the timestamp past `slots` frames that were not sent (silence suppressed, hold, or
   * skipped after a stall): the receiver sees a timestamp gap, not a sequence gap (RFC 3550 §5.1).
   */
  skip(slots: number): void {
    this.fields.ts = (this.fields.ts + slots * this.samplesPerFrame) >>> 0;
  }

  /**
   * Sends an RFC 4733 event packet in this slot: its own payload type, the timestamp of the
   * event's start (§2.5.1.2); sequence and stream timestamp move on as for a frame.
   */
  sendEvent(socket: Socket, payload: Uint8Array, length: number, marker: boolean, pt: number, eventTimestamp: number, address: string, port: number, now: number): void {
    const audioPt = this.fields.pt;
    const audioTs = this.fields.ts;
    this.fields.pt = pt;
    this.fields.ts = eventTimestamp;
    this.send(socket, payload, length, marker, address, port, now);
    this.fields.pt = audioPt;
    this.fields.ts = (audioTs + this.samplesPerFrame) >>> 0;
  }

  /** Sends one frame of `length` payload bytes and advances sequence and timestamp. */
  send(socket: Socket, payload: Uint8Array, length: number, marker: boolean, address: string, port: number, now: number): void {
    const i = this.freeBuffer();
    const buf = this.buffers[i];
    const n = length < MAX_PAYLOAD ? length : MAX_PAYLOAD;
    this.fields.marker = marker;
    writeRtpHeader(buf, 0, this.fields);
    buf.set(payload.length === n ? payload : payload.subarray(0, n), RTP_HEADER_SIZE);
    try {
      this.busy[i] = true;
      socket.send(buf, 0, RTP_HEADER_SIZE + n, port, address, this.done[i]);
      this.packetsSent++;
      this.octetsSent += n;
    } catch {
      // Closed socket during teardown, or a bad address from SDP: counted, never thrown at the clock.
      this.busy[i] = false;
      this.sendErrors++;
    }
    this.lastTimestamp = this.fields.ts;
    this.lastSentAt = now;
    this.fields.seq = (this.fields.seq + 1) & 0xffff;
    this.fields.ts = (this.fields.ts + this.samplesPerFrame) >>> 0;
  }
}
