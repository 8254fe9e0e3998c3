/**
 * The upward contract of client transactions (SIP.js `TransactionUser`, sipgo handlers): the
 * transaction user implements it and hears about responses, timeouts and transport failures.
 */
import type { SipResponse } from '../message/types.js';

export interface ClientTransactionUser {
  /**
   * Responses the transaction passes up: provisional and final responses (§17.1.1.2, §17.1.2.2),
   * and for INVITE the retransmitted 2xx seen in the Accepted state (RFC 6026 §8.4) so that the
   * UAC core re-sends its ACK (§13.2.2.4).
   */
  onResponse(response: SipResponse): void;
  /** Timer B or F fired: RFC 3261 §8.1.3.1 says the TU MUST treat this as a 408. */
  onTimeout(): void;
  /** §17.1.4: the transport failed; §8.1.3.1 says the TU treats this as a 503. */
  onTransportError(error: Error): void;
  onTerminated?(): void;
}

/** The status class of a response, as the client machines' inputs name it. */
export function responseClass(status: number): 'provisional' | 'success' | 'failure' {
  if (status < 200) return 'provisional';
  if (status < 300) return 'success';
  return 'failure';
}
