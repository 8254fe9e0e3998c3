/** Types of the SDP offer/answer layer (RFC 3264, RFC 4566/8866). */

export type AudioCodec = 'PCMU' | 'PCMA' | 'opus';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What we can do locally, given to createOffer / createAnswer. */
export interface LocalMedia {
  /** Address advertised in c= and o= (IPv4 or IPv6). */
  address: string;
  /** Our RTP port (RTCP on port + 1 unless `rtcpPort`). */
  port: number;
  rtcpPort?: number;
  /** Supported codecs in our order of preference. */
  codecs: AudioCodec[];
  /** Offer / accept RFC 4733 telephone-event. Default true. */
  telephoneEvent?: boolean;
  /** Packetization we would like (ms); the offerer's a=ptime wins in an answer. Default 20. */
  ptime?: number;
  /** What we are willing to do; default sendrecv. */
  direction?: Direction;
  /** o= sess-id and sess-version (see SessionVersion). */
  sessionId: string;
  version: number;
  /** o= username; default '-'. */
  username?: string;
  /** In an answer, list every common codec (offer order) instead of only the chosen one. */
  answerAllCodecs?: boolean;
}

/** The outcome of a negotiation: what the media worker needs for one audio stream. */
export interface NegotiatedAudio {
  payloadType: number;
  codec: AudioCodec;
  clockRate: number;
  channels: number;
  /** Packetization time to send with (ms). */
  ptime: number;
  /** RFC 4733 payload type when both sides support it at the codec's clock rate. */
  telephoneEventPt?: number;
  remoteAddress: string;
  remotePort: number;
  remoteRtcpPort: number;
  /** Our direction for this stream. */
  direction: Direction;
  /** The remote side put us on hold (sendonly/inactive, or c=0.0.0.0 in RFC 2543 style). */
  hold: boolean;
  /** Index of the m-line in the SDP. */
  mediaIndex: number;
}

export type SdpErrorCode =
  /** The SDP text could not be read (missing v=/o=/m= lines, bad port …): 400 in SIP terms. */
  | 'malformed'
  /** No audio stream we could accept: the caller answers 488 Not Acceptable Here. */
  | 'no-common-codec'
  /** An answer that does not match its offer (RFC 3264 §6: same m-lines, offered formats). */
  | 'answer-mismatch';

export interface SdpError {
  code: SdpErrorCode;
  message: string;
  /** SIP status for answering the request that carried the SDP. */
  status: 400 | 488;
}

export type SdpResult<T> = ({ ok: true } & T) | { ok: false; error: SdpError };
