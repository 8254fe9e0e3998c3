/**
 * RTCP for one session (RFC 3550 §6) on the odd port: a compound SR (or RR while we send
 * nothing) with SDES CNAME about every 5 s, randomised over [0.5, 1.5] × the interval (§6.3.1)
 * so calls started together do not report together; a BYE on close; incoming reports parsed into
 * the remote's view of our stream and the round-trip time (`media/rtcp`). Behind NAT, reports go
 * back to where the peer's RTCP comes from (symmetric RTCP, RFC 4961).
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { TimeSource } from '../clock/time.js';
import type { ReorderWindow } from '../jitter/reorder-window.js';
import { createNtpTime, ntpFromUnixMs } from '../rtcp/ntp.js';
import {
  RtcpParse,
  createReportBlock,
  createRtcpCompound,
  createSenderInfo,
  encodeCname,
  parseRtcp,
  reportSize,
  writeBye,
  writeReport,
} from '../rtcp/packets.js';
import { RtcpSessionStats, type RemoteQuality } from '../rtcp/stats.js';
import type { RtpSender } from './sender.js';

const REPORT_INTERVAL_MS = 5000;

export class RtcpReporter {
  private address = '';
  private port = 0;
  /** True once the peer's own RTCP told us its real RTCP source. */
  private latched = false;
  /** False while a NAT'd peer has not been heard yet: its SDP address is not where it is. */
  private sendable = true;
  private clockRate = 8000;
  private nextAt: number;
  private stats = new RtcpSessionStats(0, 8000);
  private readonly cname: Uint8Array;
  private readonly out: Buffer;
  private readonly parsed = createRtcpCompound();
  private readonly block = createReportBlock();
  private readonly sender = createSenderInfo();
  private readonly ntp = createNtpTime();
  packetsSent = 0;
  packetsReceived = 0;
  malformed = 0;
  /** Reports from an address other than the peer's, ignored. */
  foreign = 0;

  constructor(
    private readonly socket: Socket,
    cname: string,
    private readonly time: TimeSource,
  ) {
    this.cname = encodeCname(cname);
    this.out = Buffer.alloc(reportSize(this.cname.length) + 8);
    this.nextAt = this.time.now() + REPORT_INTERVAL_MS * (0.5 + Math.random());
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onPacket(msg, rinfo));
    socket.on('error', () => this.malformed++);
  }

  get remoteView(): RemoteQuality {
    return this.stats.remote;
  }

  /**
   * The SDP's RTCP address (RFC 3605 `a=rtcp`, else RTP port + 1). `sendable` false holds reports
   * back until `followRtp` or `allowSending` (a NAT'd peer that has not been heard yet).
   */
  setRemote(address: string, port: number, clockRate: number, sendable = true): void {
    this.setClockRate(clockRate);
    this.address = address;
    this.port = port;
    this.latched = false;
    this.sendable = sendable;
  }

  /** The codec's clock changed (re-INVITE to or from Opus): interarrival jitter is counted in it. */
  setClockRate(clockRate: number): void {
    if (clockRate === this.clockRate) return;
    this.clockRate = clockRate;
    this.stats = new RtcpSessionStats(this.stats.localSsrc, clockRate);
  }

  /** RTP latched to a NAT source: until its RTCP shows up, guess RTP port + 1 there. */
  followRtp(address: string, rtpPort: number): void {
    this.sendable = true;
    if (this.latched) return;
    this.address = address;
    this.port = rtpPort + 1;
  }

  /** The peer was heard from its SDP address after all: reports may go there. */
  allowSending(): void {
    this.sendable = true;
  }

  /** Called every clock slot; sends a report when one is due. */
  tick(now: number, sender: RtpSender, reorder: ReorderWindow): void {
    this.stats.localSsrc = sender.ssrc;
    if (now < this.nextAt) return;
    this.nextAt = now + REPORT_INTERVAL_MS * (0.5 + Math.random());
    if (this.port === 0 || !this.sendable) return;
    const unixMs = performance.timeOrigin + now;
    const haveSource = reorder.source.received > 0;
    if (haveSource) {
      reorder.fillReport(this.block);
      this.stats.fillLsrDlsr(this.block, unixMs);
    }
    const sent = sender.packetsSent > 0;
    if (sent) this.fillSenderInfo(sender, now, unixMs);
    const n = writeReport(this.out, 0, {
      ssrc: sender.ssrc,
      sender: sent ? this.sender : null,
      block: haveSource ? this.block : null,
      cname: this.cname,
    });
    if (n > 0) this.send(n);
  }

  /**
   * RFC 3550 §6.6: say goodbye so the far end can drop our SSRC at once. `done` runs once the
   * BYE has left (dgram sends on a later tick, so the socket must stay open until then).
   */
  close(sender: RtpSender, done: () => void): void {
    const n = this.port === 0 || !this.sendable ? -1 : writeBye(this.out, 0, sender.ssrc, this.cname);
    if (n <= 0) return done();
    try {
      this.socket.send(this.out, 0, n, this.port, this.address, () => done());
      this.packetsSent++;
    } catch {
      done();
    }
  }

  /** §6.4.1: the SR's RTP timestamp is the media clock at the SR's NTP time, not at the last packet. */
  private fillSenderInfo(sender: RtpSender, now: number, unixMs: number): void {
    ntpFromUnixMs(unixMs, this.ntp);
    this.sender.ntpMsw = this.ntp.msw;
    this.sender.ntpLsw = this.ntp.lsw;
    this.sender.rtpTimestamp = (sender.lastTimestamp + Math.round(((now - sender.lastSentAt) * this.clockRate) / 1000)) >>> 0;
    this.sender.packetCount = sender.packetsSent >>> 0;
    this.sender.octetCount = sender.octetsSent >>> 0;
  }

  private send(length: number): void {
    try {
      this.socket.send(this.out, 0, length, this.port, this.address);
      this.packetsSent++;
    } catch {
      // Socket closed during teardown.
    }
  }

  private onPacket(msg: Buffer, rinfo: RemoteInfo): void {
    if (parseRtcp(msg, this.parsed) !== RtcpParse.OK || this.parsed.senderSsrc === 0) {
      this.malformed++;
      return;
    }
    // Only from the peer's address: reports from anywhere else are not about this call.
    if (rinfo.address !== this.address) {
      this.foreign++;
      return;
    }
    this.packetsReceived++;
    if (!this.latched) {
      this.latched = true;
      this.port = rinfo.port;
    }
    this.stats.onRtcp(this.parsed, performance.timeOrigin + this.time.now());
  }
}
