/**
 * Non-INVITE server transaction: RFC 3261 §17.2.2 (Figure 8).
 */
import { wireOnlyResponse } from '../message/serialize.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { timerJ } from '../timers.js';
import type { Destination } from '../transport/types.js';
import { rule, type Table } from './fsm.js';
import type { ServerTransactionUser } from './server.js';
import { Transaction, type TransactionContext } from './transaction.js';

export type NistState = 'trying' | 'proceeding' | 'completed' | 'terminated';
export type NistInput = 'request' | 'tuProvisional' | 'tuFinal' | 'timerJ' | 'transportError';
type NistEffect = 'send' | 'resend' | 'armJ' | 'reportTransportError';

export const NIST_TABLE: Table<NistState, NistInput, NistEffect> = {
  trying: {
    // §17.2.2: request retransmissions in Trying are discarded.
    request: rule('trying'),
    // §17.2.2: a provisional response from the TU → sent, Proceeding.
    tuProvisional: rule('proceeding', 'send'),
    // §17.2.2: a final response from the TU → sent, Completed, Timer J.
    tuFinal: rule('completed', 'send', 'armJ'),
    // §17.2.4: the only send in Trying is a response, so a failure here is reported.
    transportError: rule('terminated', 'reportTransportError'),
  },
  proceeding: {
    // §17.2.2: a retransmitted request → re-send the most recent provisional response.
    request: rule('proceeding', 'resend'),
    tuProvisional: rule('proceeding', 'send'),
    tuFinal: rule('completed', 'send', 'armJ'),
    transportError: rule('terminated', 'reportTransportError'),
  },
  completed: {
    // §17.2.2: a retransmitted request → re-send the final response; other TU responses refused.
    request: rule('completed', 'resend'),
    // §17.2.2: Timer J fires → Terminated.
    timerJ: rule('terminated'),
    transportError: rule('terminated', 'reportTransportError'),
  },
  terminated: {},
};

export class NonInviteServerTransaction extends Transaction<NistState, NistInput, NistEffect> {
  private lastResponse?: SipResponse;
  user: ServerTransactionUser = {};

  constructor(
    ctx: TransactionContext,
    request: SipRequest,
    key: string,
    readonly responseDestination: Destination,
    reliable: boolean,
  ) {
    super(ctx, NIST_TABLE, 'trying', request, key, reliable);
  }

  respond(response: SipResponse): boolean {
    return this.feed(response.status < 200 ? 'tuProvisional' : 'tuFinal', response);
  }

  receiveRequest(request: SipRequest): boolean {
    return this.feed('request', request);
  }

  protected run(effect: NistEffect): void {
    switch (effect) {
      case 'send':
      {
        const response = this.message as SipResponse;
        this.transmit(response, this.responseDestination);
        // Completed lasts 64·T1 (Timer J) on UDP: keep the final response's bytes, not its headers.
        if (response.status >= 200) {
          this.releaseRequest();
          this.lastResponse = wireOnlyResponse(response);
        } else this.lastResponse = response;
        return;
      }
      case 'resend':
        if (this.lastResponse) this.transmit(this.lastResponse, this.responseDestination);
        return;
      case 'armJ':
        return this.arm('timerJ', timerJ(this.ctx.timers, this.reliable));
      case 'reportTransportError':
        return this.user.onTransportError?.(this.error ?? new Error('transport error'));
    }
  }

  protected terminatedHook(): void {
    this.user.onTerminated?.();
  }
}
