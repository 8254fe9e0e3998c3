/**
 * What the user agent's parts share: the layers below, the clock, timer values and policies.
 * Internal to `sip/ua`; built once by `UserAgent`.
 */
import type { Clock } from '../clock.js';
import type { DialogRegistry } from '../dialog/registry.js';
import type { SessionTimerPolicy } from '../dialog/session-timer.js';
import type { TimerConfig } from '../timers.js';
import type { TransactionLayer } from '../transaction/layer.js';
import type { TransportLayer } from '../transport/layer.js';
import type { Logger } from '../transport/logger.js';
import type { TransportProtocol } from '../transport/types.js';
import type { Dialog } from './dialog.js';

export interface UaContext {
  clock: Clock;
  timers: TimerConfig;
  logger: Logger;
  transactions: TransactionLayer;
  transport: TransportLayer;
  dialogs: DialogRegistry<Dialog>;
  /** RFC 4028 policy, or false to neither ask for nor honour session timers. */
  sessionTimer: SessionTimerPolicy | false;
  /** Value of User-Agent / Server headers, if any. */
  userAgent?: string;
  /** How long a REFER waits for the final NOTIFY. */
  referTimeoutMs: number;
  /** Our Contact header value for a transport (with an optional user part). */
  contact(transport: TransportProtocol, user?: string): string;
}

/** RFC 3261 §20.5 / §20.37 / §20.1: what we advertise. */
export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REFER, NOTIFY';
export const SUPPORTED = 'timer';
export const ACCEPT = 'application/sdp';
/** Methods we implement (→ 405 when not allowed where received) vs unknown ones (→ 501). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'UPDATE', 'INFO', 'REFER', 'NOTIFY',
  'REGISTER', 'SUBSCRIBE', 'PRACK', 'MESSAGE', 'PUBLISH',
]);
/** Option tags we support in Require (§8.2.2.3); `100rel` is not supported in v1. */
export const SUPPORTED_EXTENSIONS: ReadonlySet<string> = new Set(['timer']);
