/**
 * The upward contract of server transactions: the transaction user answers through
 * `respond()` and hears about ACKs, timeouts and transport failures here.
 */
import type { SipRequest } from '../message/types.js';

export interface ServerTransactionUser {
  /** RFC 6026 §8.7: an ACK matching an INVITE transaction in the Accepted state goes to the TU. */
  onAck?(ack: SipRequest): void;
  /** Timer H fired: no ACK arrived for a non-2xx final response (§17.2.1). */
  onTimeout?(): void;
  /** §17.2.4: a response could not be sent. */
  onTransportError?(error: Error): void;
  onTerminated?(): void;
}
