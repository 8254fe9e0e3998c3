/**
 * Per-call RTCP bookkeeping (RFC 3550 §6.4.1): remembers the peer's last SR so our next report can
 * carry LSR/DLSR, and turns the peer's report block about our stream into call-quality figures —
 * fraction lost, cumulative lost, jitter in ms — and the round-trip time A − LSR − DLSR.
 * Times are wall-clock Unix milliseconds from a clock the caller provides.
 */

import { msToNtpShort, ntpMiddle, ntpMiddleFromUnixMs, roundTripMs } from './ntp.js';
import type { ReportBlock, RtcpCompound } from './packets.js';

/** What the peer reports about the stream we send. Null until a report about us arrives. */
export interface RemoteQuality {
  /** Fraction of our packets lost in the peer's last interval, 0–1. */
  fractionLost: number | null;
  cumulativeLost: number | null;
  jitterMs: number | null;
  /** Latest round-trip time; null until the peer echoes one of our SRs. */
  rttMs: number | null;
  /** Reports about us received. */
  reports: number;
}

export class RtcpSessionStats {
  readonly remote: RemoteQuality = { fractionLost: null, cumulativeLost: null, jitterMs: null, rttMs: null, reports: 0 };
  /** SSRC of the peer's last SR, 0 before any. */
  peerSsrc = 0;
  private lastSrMiddle = 0;
  private lastSrArrivalMs = 0;

  /**
   * @param localSsrc the SSRC we send with (reports about other SSRCs are not about us)
   * @param clockRate RTP clock of the stream we send, to turn jitter into milliseconds
   */
  constructor(
    public localSsrc: number,
    private readonly clockRate: number,
  ) {}

  /** Take in a parsed compound packet that arrived at `arrivalUnixMs`. */
  onRtcp(parsed: RtcpCompound, arrivalUnixMs: number): void {
    if (parsed.hasSr) {
      this.peerSsrc = parsed.senderSsrc;
      this.lastSrMiddle = ntpMiddle(parsed.sr.ntpMsw, parsed.sr.ntpLsw);
      this.lastSrArrivalMs = arrivalUnixMs;
    }
    for (let i = 0; i < parsed.blockCount; i++) {
      const b = parsed.blocks[i];
      if (b.ssrc === this.localSsrc >>> 0) this.onBlockAboutUs(b, arrivalUnixMs);
    }
  }

  /** Set LSR and DLSR of the block we are about to send (zero until the peer has sent an SR). */
  fillLsrDlsr(block: ReportBlock, nowUnixMs: number): void {
    if (this.lastSrMiddle === 0) {
      block.lsr = 0;
      block.dlsr = 0;
      return;
    }
    block.lsr = this.lastSrMiddle;
    block.dlsr = msToNtpShort(Math.max(0, nowUnixMs - this.lastSrArrivalMs));
  }

  private onBlockAboutUs(b: ReportBlock, arrivalUnixMs: number): void {
    const r = this.remote;
    r.reports++;
    r.fractionLost = b.fractionLost / 256;
    r.cumulativeLost = b.cumulativeLost;
    r.jitterMs = (b.jitter * 1000) / this.clockRate;
    const rtt = roundTripMs(ntpMiddleFromUnixMs(arrivalUnixMs), b.lsr, b.dlsr);
    if (rtt !== null) r.rttMs = rtt;
  }
}
