/**
 * Offer/answer for one call's audio leg (RFC 3264), on the SIP stack's SDP module: the offer
 * picks the codec (G.711 only, so audio reaches the model without transcoding — DESIGN §8), the
 * answer advertises SIP_PUBLIC_IP and the RTP port the media worker bound, and every new answer
 * in the same session bumps the o= version.
 */
import { createAnswer, SessionVersion, type Direction, type NegotiatedAudio, type SdpError } from '../../sip/index.js';
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

export function remoteMediaOf(n: NegotiatedAudio): RemoteMedia {
  return {
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

  constructor(private readonly publicIp: string) {}

  /** Sets the RTP port of later answers (after `call.ready`). */
  bind(port: number): void {
    this.port = port;
  }

  /** Answers an offer (initial INVITE or re-INVITE/UPDATE). */
  answer(offer: string | Buffer): Negotiation {
    let negotiated: NegotiatedAudio | undefined;
    let failure: SdpError | undefined;
    const sdp = this.version.describe((version) => {
      const result = createAnswer(offer, {
        address: this.publicIp,
        port: this.port,
        codecs: ['PCMU', 'PCMA'],
        telephoneEvent: true,
        sessionId: this.version.sessionId,
        version,
      });
      if (!result.ok) {
        failure = result.error;
        return '';
      }
      negotiated = result.negotiated;
      return result.sdp;
    });
    if (failure || !negotiated) return { ok: false, error: failure ?? { code: 'malformed', message: 'no answer', status: 400 } };
    return { ok: true, remote: remoteMediaOf(negotiated), sdp };
  }
}
