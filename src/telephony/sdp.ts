/**
 * Offer/answer for one call's audio leg (RFC 3264), on the SIP stack's SDP module: the offer
 * picks the codec (G.711 only, so audio reaches the model without transcoding — DESIGN §8), the
 * answer advertises SIP_PUBLIC_IP and the RTP port the media worker bound, and every new answer
 * in the same session bumps the o= version.
 */
import { createAnswer, createOffer, parseAnswer, SessionVersion, type Direction, type LocalMedia, type NegotiatedAudio, type SdpError } from '../../sip/index.js';
import type { MediaDirection, RemoteMedia } from '../../media/index.js';

/** Until the worker has bound a port, negotiation uses the discard port; only the codec choice matters. */
const PROBE_PORT = 9;

export type Negotiation = { ok: true; remote: RemoteMedia; sdp: string } | { ok: false; error: SdpError };

/** The remote's direction is the mirror of ours (RFC 3264 §6.1). */
const REMOTE_DIRECTION: Readonly<Record<Direction, MediaDirection>> = {
  sendrecv: 'sendrecv',
  recvonly: 'sendonly',
  sendonly: 'recvonly',
  inactive: 'inactive',
};

export function remoteMediaOf(n: NegotiatedAudio, signalAddress?: string): RemoteMedia {
  return {
    ...(signalAddress !== undefined && { signalAddress }),
    address: n.remoteAddress,
    port: n.remotePort,
    rtcpPort: n.remoteRtcpPort,
    payloadType: n.payloadType,
    codec: n.codec,
    clockRate: n.clockRate,
    ptime: n.ptime,
    telephoneEventPt: n.telephoneEventPt ?? null,
    // RFC 2543-style hold (c=0.0.0.0) keeps sendrecv but means "send me nothing".
    direction: n.hold && n.direction === 'sendrecv' ? 'inactive' : REMOTE_DIRECTION[n.direction],
  };
}

export class CallSdp {
  private readonly version = new SessionVersion();
  private port = PROBE_PORT;
  private offered: string | null = null;

  constructor(private readonly publicIp: string) {}

  /** Sets the RTP port of later answers (after `call.ready`). */
  bind(port: number): void {
    this.port = port;
  }

  private local(version: number): LocalMedia {
    return { address: this.publicIp, port: this.port, codecs: ['PCMU', 'PCMA'], telephoneEvent: true, sessionId: this.version.sessionId, version };
  }

  /** Our offer of an outbound INVITE (after `bind`). */
  offer(): string {
    this.offered = this.version.describe((version) => createOffer(this.local(version)));
    return this.offered;
  }

  /** The far end's answer to `offer()`. */
  readAnswer(answer: string | Buffer, signalAddress?: string): { ok: true; remote: RemoteMedia } | { ok: false; error: SdpError } {
    if (this.offered === null) return { ok: false, error: { code: 'malformed', message: 'no offer was made', status: 400 } };
    const result = parseAnswer(this.offered, answer);
    return result.ok ? { ok: true, remote: remoteMediaOf(result.negotiated, signalAddress) } : result;
  }

  /** Answers an offer (initial INVITE or re-INVITE/UPDATE); `signalAddress` is where the SIP came from. */
  answer(offer: string | Buffer, signalAddress?: string): Negotiation {
    let negotiated: NegotiatedAudio | undefined;
    let failure: SdpError | undefined;
    const sdp = this.version.describe((version) => {
      const result = createAnswer(offer, this.local(version));
      if (!result.ok) {
        failure = result.error;
        return '';
      }
      negotiated = result.negotiated;
      return result.sdp;
    });
    if (failure || !negotiated) return { ok: false, error: failure ?? { code: 'malformed', message: 'no answer', status: 400 } };
    return { ok: true, remote: remoteMediaOf(negotiated, signalAddress), sdp };
  }
}
