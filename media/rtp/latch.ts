/**
 * Which source address a call accepts RTP from, and where it sends (symmetric RTP, RFC 4961).
 * We start with the SDP `c=`/`m=` address. Behind NAT the real source differs, so for a short
 * window after start (or after a remote change) the first packet of the negotiated audio payload
 * type latches the session to its source. After that, and always for other payload types, only
 * the latched source is accepted: RFC 7362 §5 warns that latching to any packet lets a third
 * party hijack the stream ("RTP bleed").
 */

export const Latch = {
  /** From the accepted source. */
  ACCEPT: 0,
  /** This packet just latched the session to a new source. */
  LATCHED: 1,
  /** From another source: drop and count. */
  FOREIGN: 2,
} as const;
export type LatchResult = (typeof Latch)[keyof typeof Latch];

export class SourceLatch {
  /** Where we send and what we accept. */
  address = '';
  port = 0;
  private locked = false;
  private openedAt = 0;
  private audioPt = -1;

  constructor(private readonly windowMs: number) {}

  get known(): boolean {
    return this.port !== 0;
  }

  get isLocked(): boolean {
    return this.locked;
  }

  /** A new remote from SDP (start, re-INVITE): reopen the latching window. */
  reset(address: string, port: number, audioPt: number, now: number): void {
    this.address = address;
    this.port = port;
    this.audioPt = audioPt;
    this.locked = false;
    this.openedAt = now;
  }

  check(address: string, port: number, payloadType: number, now: number): LatchResult {
    const fromRemote = port === this.port && address === this.address;
    if (this.locked || !this.known) return fromRemote ? Latch.ACCEPT : Latch.FOREIGN;
    if (now - this.openedAt > this.windowMs) {
      // Window over without a valid audio packet: keep the SDP address for good.
      this.locked = true;
      return fromRemote ? Latch.ACCEPT : Latch.FOREIGN;
    }
    if (payloadType !== this.audioPt) return fromRemote ? Latch.ACCEPT : Latch.FOREIGN;
    this.locked = true;
    if (fromRemote) return Latch.ACCEPT;
    this.address = address;
    this.port = port;
    return Latch.LATCHED;
  }
}
