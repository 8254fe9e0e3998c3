/**
 * Public entry of voxgate's SIP stack. `src/` imports `sip/` only through this file.
 *
 * Layers (each imports only the ones before it): message ← transport ← transaction ← dialog ←
 * ua, plus the leaf modules `digest` and `sdp`. Most applications need only `UserAgent`,
 * `Dialog`, `SipError` and the SDP helpers.
 */

// User agent: the application API (drachtio-srf shape).
export {
  UserAgent,
  type UserAgentOptions,
  type UserAgentEvents,
  type TransportSpec,
  type UacOptions,
  type UacOutcome,
  type RequestOptions,
} from './ua/user-agent.js';
export { Dialog, type InDialogRequest } from './ua/dialog.js';
export type { DialogDestroyReason, DialogEvents, DtmfRelay, ReferOutcome } from './ua/dialog-types.js';
export { parseDtmfRelay } from './ua/dialog-types.js';
export { IncomingRequest, ServerResponse, type RequestSource, type IncomingRequestEvents } from './ua/incoming.js';
export type { ReplyOptions } from './ua/responses.js';
export type { UasOptions } from './ua/uas.js';
export type { OverloadOptions, OverloadStats } from './ua/overload.js';
export type { UacHooks } from './ua/uac.js';
export { ReferResponse, ReferSubscription, parseSipfrag, type ReferOptions } from './ua/refer.js';
export { Registration, type RegisterOptions, type RegistrationEvents } from './ua/register.js';
export { SipError, isSipError, type SipErrorCode } from './ua/errors.js';
export type { HeaderInput } from './ua/outgoing.js';
export { TypedEmitter } from './ua/emitter.js';

// Time and timers.
export { type Clock, type TimerHandle, RealClock, realClock, FakeClock } from './clock.js';
export { type TimerConfig, DEFAULT_TIMERS } from './timers.js';

// Transports (the loopback one is the test seam).
export type { Transport, TransportProtocol, Endpoint, Destination, Source } from './transport/types.js';
export { TransportError } from './transport/types.js';
export { UdpTransport, type UdpTransportOptions } from './transport/udp.js';
export { TcpTransport, type TcpTransportOptions } from './transport/tcp.js';
export { LoopbackNetwork, LoopbackTransport, type LoopbackFaults, type LoopbackPacket } from './transport/loopback.js';
export type { Logger } from './transport/logger.js';

// Dialog-layer values applications may want.
export type { DialogId, DialogRole } from './dialog/state.js';
export { type SessionTimerPolicy, DEFAULT_SESSION_TIMER } from './dialog/session-timer.js';

// Leaf layers: message model and helpers, digest, SDP offer/answer.
export * from './message/index.js';
export * as digest from './digest/index.js';
export {
  DigestServer,
  DigestClient,
  createChallenge,
  verifyAuthorization,
  type Credentials,
  type DigestServerOptions,
  type VerifyResult,
} from './digest/index.js';
export * from './sdp/index.js';
