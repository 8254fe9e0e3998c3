/**
 * Which source a call accepts RTP from, and where it sends (symmetric RTP, RFC 4961).
 *
 * Strict by default: only the SDP's `c=` address and `m=` port, both ways. Carriers and SBCs send
 * from the address they advertise; anything else arriving at our port is someone else's stream —
 * typically the caller of a dead call still sending to a port we bound again after a restart.
 * Latching to "the first packet" lets such a stream (or an attacker) take the call over: RTP bleed,
 * RFC 7362 §5.
 *
 * NAT is the one exception (see `isBehindNat`): when the SDP names a private address and the
 * INVITE came from another one, the phone sits behind a NAT whose public side is the signalling
 * source. Then, within a window after start or a remote change, the first packet of the negotiated
 * audio payload type from the signalling IP — any port, NATs remap ports — latches the session to
 * its source, once (RFC 7362 §4.1, restricted as §5 advises). Until the peer has been heard (from
 * there, or from the exact SDP address) nothing is sent: a private address is not reachable from
 * here, and on our own network it may be another host. After the lock no other source is accepted;
 * SSRC changes from the accepted source are fine (the reorder window counts them).
 */
import { isBehindNat, plainAddress } from './addresses.js';

export const Latch = {
  /** From the accepted source. */
  ACCEPT: 0,
  /** This packet just latched the session to a new source (NAT). */
  LATCHED: 1,
  /** From another source: drop and count. */
  FOREIGN: 2,
} as const;
export type LatchResult = (typeof Latch)[keyof typeof Latch];

export class SourceLatch {
  /** Where we send and what we accept. */
  address = '';
  port = 0;
  /** The signalling IP a NAT'd peer may latch from; '' = strict. */
  private natSource = '';
  private locked = true;
  private heard = false;
  private openedAt = 0;
  private audioPt = -1;

  constructor(private readonly windowMs: number) {}

  get known(): boolean {
    return this.port !== 0;
  }

  get isLocked(): boolean {
    return this.locked;
  }

  /** True when the SDP address is private and differs from the signalling source. */
  get natMode(): boolean {
    return this.natSource !== '';
  }

  /** Where to send is settled: the SDP address when strict; behind NAT only once the peer was heard. */
  get sendable(): boolean {
    return this.port !== 0 && (this.natSource === '' || this.heard);
  }

  /** A new remote from SDP (start, re-INVITE): strict, or a new NAT latching window. */
  reset(address: string, port: number, audioPt: number, signalAddress: string | undefined, now: number): void {
    this.address = address;
    this.port = port;
    this.audioPt = audioPt;
    this.natSource = signalAddress !== undefined && isBehindNat(address, signalAddress) ? plainAddress(signalAddress) : '';
    this.locked = this.natSource === '';
    this.heard = false;
    this.openedAt = now;
  }

  /** Same remote, new codec (re-INVITE PCMU → PCMA): a pending NAT latch waits for the new type. */
  setAudioPayloadType(payloadType: number): void {
    this.audioPt = payloadType;
  }

  check(address: string, port: number, payloadType: number, now: number): LatchResult {
    const fromCurrent = port === this.port && address === this.address;
    if (!this.locked && now - this.openedAt > this.windowMs) this.locked = true;
    if (this.locked) {
      if (fromCurrent && payloadType === this.audioPt) this.heard = true;
      return fromCurrent ? Latch.ACCEPT : Latch.FOREIGN;
    }
    if (payloadType !== this.audioPt) return fromCurrent ? Latch.ACCEPT : Latch.FOREIGN;
    if (!fromCurrent && address !== this.natSource) return Latch.FOREIGN;
    this.locked = true;
    this.heard = true;
    if (fromCurrent) return Latch.ACCEPT;
    this.address = address;
    this.port = port;
    return Latch.LATCHED;
  }
}
