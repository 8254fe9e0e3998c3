/** Public API of SDP offer/answer for audio (RFC 3264, RFC 4566/8866) on top of sdp-transform. */
export type { AudioCodec, Direction, LocalMedia, NegotiatedAudio, SdpError, SdpErrorCode, SdpResult } from './types.js';
export { createAnswer, createOffer, parseAnswer, answerDirection } from './negotiate.js';
export { SessionVersion, remoteOrigin, isSessionChanged } from './session.js';
export { readSession, type RemoteSession, type RemoteMedia, type RtpFormat } from './read.js';
export { DEFAULT_PT, CODEC_INFO } from './write.js';
