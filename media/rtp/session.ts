/**
 * One call's RTP session (RFC 3550) on its allocated port pair. Inbound: datagram → validity →
 * source latch → payload type check → reorder window → demux (audio / RFC 4733 events) → the
 * call's handlers. Outbound: one frame per media-clock slot from the RTP port itself (symmetric
 * RTP, RFC 4961). RTCP on the odd port: a sender report about every 5 s, incoming reports parsed
 * into loss, jitter and round-trip time. Bad packets are counted and dropped, never thrown.
 */
import type { RemoteInfo } from 'node:dgram';
import { ReorderWindow } from '../jitter/reorder-window.js';
import type { PortPair } from '../ports.js';
import type { MediaDirection, RemoteMedia, RtpQuality } from '../protocol.js';
import { systemTime, type TimeSource } from '../clock/time.js';
import { RtpParse, createRtpHeader, parseRtp, type RtpHeader } from './packet.js';
import { Latch, SourceLatch } from './latch.js';
import { RtcpReporter } from './rtcp-reporter.js';
import { RtpSender } from './sender.js';

/** Comfort noise (RFC 3389): media is flowing but carries nothing to forward. */
const PT_COMFORT_NOISE = 13;
/** Default window for NAT latching after start or a remote change. */
const LATCH_WINDOW_MS = 3000;

export interface RtpSessionHandlers {
  /** One in-order audio payload; the view is valid only during the call. */
  onAudio(payload: Uint8Array, receivedAt: number): void;
  /** One RFC 4733 telephone-event payload with its RTP timestamp and marker. */
  onTelephoneEvent(payload: Uint8Array, timestamp: number, marker: boolean): void;
  /** The session latched to a source other than the SDP address. */
  onLatched?(address: string, port: number): void;
  /** Every datagram's arrival time, before anything else (the media clock polls with it). */
  onPacketTime?(now: number): void;
}

export interface RtpSessionOptions {
  ports: PortPair;
  remote: RemoteMedia | null;
  handlers: RtpSessionHandlers;
  time?: TimeSource;
  latchWindowMs?: number;
  /** Packets held behind a gap in the reorder window (default 3). */
  reorderDepth?: number;
  /** CNAME for RTCP SDES (RFC 3550 §6.5.1). */
  cname?: string;
}

/** RFC 3264 §6.1: the direction we answer with for a remote direction. */
export function localDirectionFor(remote: MediaDirection): MediaDirection {
  switch (remote) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    default:
      return remote;
  }
}

export class RtpSession {
  private readonly ports: PortPair;
  private readonly handlers: RtpSessionHandlers;
  private readonly time: TimeSource;
  private readonly latch: SourceLatch;
  private readonly header: RtpHeader = createRtpHeader();
  private readonly reorderDepth: number;
  private readonly rtcp: RtcpReporter;
  private remote: RemoteMedia | null = null;
  private sender: RtpSender;
  private reorder: ReorderWindow;
  private direction: MediaDirection = 'sendrecv';
  private closed = false;
  private arrival = 0;
  /** Whether RTCP reports may go out yet (mirrors `latch.sendable` once it turns true). */
  private rtcpSendable = true;
  /** Monotonic time of the last accepted RTP packet (audio, event or comfort noise); 0 = none yet. */
  lastPacketAt = 0;
  private readonly counters = {
    packetsReceived: 0,
    bytesReceived: 0,
    malformed: 0,
    foreignSource: 0,
    unexpectedPayloadType: 0,
    notReceiving: 0,
    ssrcChangesBefore: 0,
    framesSkipped: 0,
  };

  constructor(options: RtpSessionOptions) {
    this.ports = options.ports;
    this.handlers = options.handlers;
    this.time = options.time ?? systemTime;
    this.latch = new SourceLatch(options.latchWindowMs ?? LATCH_WINDOW_MS);
    this.reorderDepth = options.reorderDepth ?? 3;
    this.sender = new RtpSender(0, 160);
    this.reorder = this.createReorder(8000, -1);
    this.rtcp = new RtcpReporter(this.ports.rtcp, options.cname ?? `voxgate@${this.ports.rtpPort}`, this.time);
    if (options.remote) this.updateRemote(options.remote);
    this.ports.rtp.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onDatagram(msg, rinfo));
    this.ports.rtp.on('error', () => this.counters.malformed++);
  }

  get localPort(): number {
    return this.ports.rtpPort;
  }

  get remoteAddress(): { address: string; port: number } | null {
    return this.latch.known ? { address: this.latch.address, port: this.latch.port } : null;
  }

  /** True when our direction allows sending and the remote's address is settled (latch.ts). */
  get sending(): boolean {
    return !this.closed && this.latch.sendable && (this.direction === 'sendrecv' || this.direction === 'sendonly');
  }

  get receiving(): boolean {
    return this.direction === 'sendrecv' || this.direction === 'recvonly';
  }

  get ssrc(): number {
    return this.sender.ssrc;
  }

  /** New remote description (answer, re-INVITE, UPDATE): address, codec, direction. */
  updateRemote(remote: RemoteMedia): void {
    const previous = this.remote;
    this.remote = remote;
    const samplesPerFrame = (remote.clockRate * 20) / 1000;
    if (!previous || previous.clockRate !== remote.clockRate) {
      this.sender = new RtpSender(remote.payloadType, samplesPerFrame);
    } else this.sender.payloadType = remote.payloadType;
    if (!previous || previous.clockRate !== remote.clockRate || previous.telephoneEventPt !== remote.telephoneEventPt) {
      this.retireReorder();
      this.reorder = this.createReorder(remote.clockRate, remote.telephoneEventPt ?? -1);
    }
    // Re-INVITE applies the same rule to a new address; the same address keeps its latch.
    if (!previous || previous.address !== remote.address || previous.port !== remote.port || previous.signalAddress !== remote.signalAddress) {
      this.latch.reset(remote.address, remote.port, remote.payloadType, remote.signalAddress, this.time.now());
      this.rtcp.setRemote(remote.address, remote.rtcpPort ?? remote.port + 1, remote.clockRate, this.latch.sendable);
      this.rtcpSendable = this.latch.sendable;
    } else {
      this.latch.setAudioPayloadType(remote.payloadType);
      this.rtcp.setClockRate(remote.clockRate);
    }
    this.setDirection(localDirectionFor(remote.direction));
  }

  /** Our own media direction (what our SDP says): hold stops sending, inactive stops both. */
  setDirection(direction: MediaDirection): void {
    this.direction = direction;
  }

  /** Sends one frame now (called from the media clock). */
  sendFrame(payload: Uint8Array, length: number, marker: boolean, now: number): void {
    if (!this.sending) {
      this.sender.skip(1);
      return;
    }
    this.sender.send(this.ports.rtp, payload, length, marker, this.latch.address, this.latch.port, now);
  }

  /** The remote's RFC 4733 payload type, or -1 when it did not offer telephone-events. */
  get telephoneEventPt(): number {
    return this.remote?.telephoneEventPt ?? -1;
  }

  /** Timestamp the next frame carries (an event starting in this slot starts here). */
  get timestamp(): number {
    return this.sender.timestamp;
  }

  /** An RFC 4733 packet in this slot instead of audio (`eventTimestamp`: the event's start). */
  sendEvent(payload: Uint8Array, length: number, marker: boolean, eventTimestamp: number, now: number): void {
    const pt = this.telephoneEventPt;
    if (!this.sending || pt < 0) return this.sender.skip(1);
    this.sender.sendEvent(this.ports.rtp, payload, length, marker, pt, eventTimestamp, this.latch.address, this.latch.port, now);
  }

  /** Slots that pass without a packet (nothing to send, or skipped after a stall). */
  skip(slots: number, stalled: boolean): void {
    this.sender.skip(slots);
    if (stalled) this.counters.framesSkipped += slots;
  }

  /** Per clock slot: release gaps that waited too long, send RTCP when due. */
  tick(now: number): void {
    this.reorder.tick(now);
    this.rtcp.tick(now, this.sender, this.reorder);
  }

  stats(): RtpQuality {
    const r = this.reorder.stats;
    const remote = this.rtcp.remoteView;
    return {
      packetsReceived: this.counters.packetsReceived,
      packetsSent: this.sender.packetsSent,
      bytesReceived: this.counters.bytesReceived,
      bytesSent: this.sender.octetsSent,
      packetsLost: r.lost,
      duplicates: r.duplicate,
      late: r.late,
      reordered: r.reordered,
      jitterMs: Math.round(this.reorder.source.jitterMs * 100) / 100,
      malformed: this.counters.malformed + r.invalid,
      foreignSource: this.counters.foreignSource,
      unexpectedPayloadType: this.counters.unexpectedPayloadType,
      ssrcChanges: this.counters.ssrcChangesBefore + Math.max(0, r.resets),
      remoteFractionLost: remote.fractionLost,
      remoteCumulativeLost: remote.cumulativeLost,
      remoteJitterMs: remote.jitterMs,
      rttMs: remote.rttMs,
      framesSkipped: this.counters.framesSkipped,
    };
  }

  /** Sends a final BYE report, then returns the ports; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reorder.flush();
    this.rtcp.close(this.sender, () => this.ports.release());
  }

  private createReorder(clockRate: number, telephoneEventPt: number): ReorderWindow {
    const sink = (payload: Uint8Array, _seq: number, ts: number, marker: boolean, pt: number): void =>
      this.demux(payload, ts, marker, pt);
    return new ReorderWindow(sink, { depth: this.reorderDepth, clockRate, telephoneEventPt });
  }

  private retireReorder(): void {
    this.reorder.flush();
    this.counters.ssrcChangesBefore += this.reorder.stats.resets;
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    const now = this.time.now();
    this.handlers.onPacketTime?.(now);
    // The clock tick that just ran may have ended this very call.
    if (this.closed) return;
    const h = this.header;
    if (parseRtp(msg, h) !== RtpParse.OK) {
      this.counters.malformed++;
      return;
    }
    const remote = this.remote;
    if (!remote) {
      this.counters.foreignSource++;
      return;
    }
    const latched = this.latch.check(rinfo.address, rinfo.port, h.payloadType, now);
    if (latched === Latch.FOREIGN) {
      this.counters.foreignSource++;
      return;
    }
    if (latched === Latch.LATCHED) {
      this.rtcp.followRtp(rinfo.address, rinfo.port);
      this.rtcpSendable = true;
      this.handlers.onLatched?.(rinfo.address, rinfo.port);
    } else if (!this.rtcpSendable && this.latch.sendable) {
      this.rtcp.allowSending(); // a NAT-mode peer first heard from its own SDP address
      this.rtcpSendable = true;
    }
    this.accept(msg, h, remote, now);
  }

  private accept(msg: Buffer, h: RtpHeader, remote: RemoteMedia, now: number): void {
    const pt = h.payloadType;
    if (pt !== remote.payloadType && pt !== remote.telephoneEventPt && pt !== PT_COMFORT_NOISE) {
      this.counters.unexpectedPayloadType++;
      return;
    }
    this.lastPacketAt = now;
    this.counters.packetsReceived++;
    this.counters.bytesReceived += h.payloadLength;
    if (pt === PT_COMFORT_NOISE) return;
    if (!this.receiving) {
      this.counters.notReceiving++;
      return;
    }
    this.arrival = now;
    this.reorder.push(msg, now, h);
  }

  private demux(payload: Uint8Array, ts: number, marker: boolean, pt: number): void {
    const remote = this.remote;
    if (!remote) return;
    if (pt === remote.payloadType) this.handlers.onAudio(payload, this.arrival);
    else if (pt === remote.telephoneEventPt) this.handlers.onTelephoneEvent(payload, ts, marker);
  }
}
