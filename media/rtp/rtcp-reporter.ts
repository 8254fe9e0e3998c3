/**
 * RTCP for one session (RFC 3550 §6): a compound SR (or RR while we send nothing) with SDES
 * CNAME about every 5 s, randomised over [0.5, 1.5] × the interval (§6.3.1) so calls started
 * together do not report together; a BYE on close; incoming SR/RR parsed into the remote's view
 * of our stream and the round-trip time from LSR/DLSR (§6.4.1).
 */
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { TimeSource } from '../clock/time.js';
import type { ReorderWindow } from '../jitter/reorder-window.js';
import { buildReport, buildBye, parseCompound, type ReportBlock, type RtcpParsed } from './rtcp-codec.js';
import type { RtpSender } from './sender.js';

const REPORT_INTERVAL_MS = 5000;
/** 2^32 / 1000: NTP fraction units per millisecond. */
const NTP_UNITS_PER_MS = 4294967.296;
const NTP_EPOCH_OFFSET_S = 2208988800;

export interface RemoteView {
  /** Fraction of our packets the remote lost in its last interval, 0–1. */
  fractionLost: number | null;
  cumulativeLost: number | null;
  jitterMs: number | null;
  rttMs: number | null;
}

export class RtcpReporter {
  readonly remoteView: RemoteView = { fractionLost: null, cumulativeLost: null, jitterMs: null, rttMs: null };
  private address = '';
  private port = 0;
  private clockRate = 8000;
  private nextAt = 0;
  private ourSsrc = 0;
  /** Middle 32 bits of the last SR's NTP time from the remote, and when it arrived (for LSR/DLSR). */
  private lastSrNtp = 0;
  private lastSrAt = 0;
  private readonly block: ReportBlock = { ssrc: 0, fractionLost: 0, cumulativeLost: 0, highestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 };
  private readonly parsed: RtcpParsed = { senderSsrc: 0, isSr: false, ntpMiddle: 0, blocks: [] };
  packetsSent = 0;
  packetsReceived = 0;
  malformed = 0;

  constructor(
    private readonly socket: Socket,
    private readonly cname: string,
    private readonly time: TimeSource,
  ) {
    this.nextAt = this.time.now() + REPORT_INTERVAL_MS * (0.5 + Math.random());
    socket.on('message', (msg: Buffer) => this.onPacket(msg));
    socket.on('error', () => this.malformed++);
  }

  setRemote(address: string, port: number, clockRate: number): void {
    this.address = address;
    this.port = port;
    this.clockRate = clockRate;
  }

  /** Called every clock slot; sends a report when one is due. */
  tick(now: number, sender: RtpSender, reorder: ReorderWindow): void {
    this.ourSsrc = sender.ssrc;
    if (now < this.nextAt) return;
    this.nextAt = now + REPORT_INTERVAL_MS * (0.5 + Math.random());
    if (this.port === 0) return;
    const haveSource = reorder.source.received > 0;
    if (haveSource) this.fillBlock(reorder, now);
    const sent = sender.packetsSent > 0;
    const ntpMs = performance.timeOrigin + now;
    const rtpTs = (sender.lastTimestamp + Math.round(((now - sender.lastSentAt) * this.clockRate) / 1000)) >>> 0;
    const packet = buildReport({
      ssrc: sender.ssrc,
      sender: sent ? { ntpMs, rtpTimestamp: rtpTs, packets: sender.packetsSent, octets: sender.octetsSent } : null,
      block: haveSource ? this.block : null,
      cname: this.cname,
    });
    this.send(packet);
  }

  /** RFC 3550 §6.6: say goodbye so the far end can drop our SSRC at once. */
  close(sender: RtpSender): void {
    if (this.port !== 0) this.send(buildBye(sender.ssrc, this.cname));
  }

  private fillBlock(reorder: ReorderWindow, now: number): void {
    reorder.fillReport(this.block);
    this.block.lsr = this.lastSrNtp;
    // DLSR in 1/65536 s since that SR arrived; 0 when we never got one (§6.4.1).
    this.block.dlsr = this.lastSrAt ? Math.round(((now - this.lastSrAt) * 65536) / 1000) >>> 0 : 0;
  }

  private send(packet: Uint8Array): void {
    try {
      this.socket.send(packet, this.port, this.address);
      this.packetsSent++;
    } catch {
      // Socket closed during teardown.
    }
  }

  private onPacket(msg: Buffer): void {
    const now = this.time.now();
    if (!parseCompound(msg, this.parsed)) {
      this.malformed++;
      return;
    }
    this.packetsReceived++;
    if (this.parsed.isSr) {
      this.lastSrNtp = this.parsed.ntpMiddle;
      this.lastSrAt = now;
    }
    for (const b of this.parsed.blocks) if (b.ssrc === this.ourSsrc) this.applyBlock(b, now);
  }

  private applyBlock(b: ReportBlock, now: number): void {
    this.remoteView.fractionLost = b.fractionLost / 256;
    this.remoteView.cumulativeLost = b.cumulativeLost;
    this.remoteView.jitterMs = Math.round(((b.jitter * 1000) / this.clockRate) * 100) / 100;
    if (b.lsr !== 0) {
      // §6.4.1: RTT = A − LSR − DLSR, all in NTP short format (1/65536 s).
      const a = ntpMiddle(performance.timeOrigin + now);
      const rtt = (a - b.lsr - b.dlsr) >>> 0;
      if (rtt < 0x80000000) this.remoteView.rttMs = Math.round((rtt * 1000 * 100) / 65536) / 100;
    }
  }
}

/** Middle 32 bits of the 64-bit NTP timestamp for a wall-clock time in ms. */
export function ntpMiddle(unixMs: number): number {
  const seconds = Math.floor(unixMs / 1000) + NTP_EPOCH_OFFSET_S;
  const fraction = Math.floor((unixMs % 1000) * NTP_UNITS_PER_MS);
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}
