/**
 * INVITE server transaction: RFC 3261 §17.2.1 as amended by RFC 6026 §8.5–§8.7 (the Accepted
 * state and Timer L). The 2xx itself is retransmitted by the UAS core (§13.3.1.4), which passes
 * each retransmission through `respond()` while the transaction is Accepted.
 */
import { createResponse } from '../message/build.js';
import { wireOnlyResponse } from '../message/serialize.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { backoffCapped, timerT4Wait, transactionTimeout } from '../timers.js';
import type { Destination } from '../transport/types.js';
import { rule, type Table } from './fsm.js';
import type { ServerTransactionUser } from './server.js';
import { Transaction, type TransactionContext } from './transaction.js';

export type IstState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
export type IstInput =
  | 'request'
  | 'ack'
  | 'tuProvisional'
  | 'tuSuccess'
  | 'tuFailure'
  | 'timerG'
  | 'timerH'
  | 'timerI'
  | 'timerL'
  | 'timerTrying'
  | 'transportError';
type IstEffect =
  | 'trying'
  | 'send'
  | 'resend'
  | 'armGH'
  | 'backoffG'
  | 'stopGH'
  | 'armI'
  | 'armL'
  | 'passAck'
  | 'timeout'
  | 'reportTransportError';

export const IST_TABLE: Table<IstState, IstInput, IstEffect> = {
  proceeding: {
    // §17.2.1: a retransmitted INVITE → re-send the most recent provisional response (100 Trying
    // when the TU has sent none yet).
    request: rule('proceeding', 'resend'),
    // §17.2.1: the TU did not answer within 200 ms (we wait less) → 100 Trying.
    timerTrying: rule('proceeding', 'trying'),
    // §17.2.1: provisional responses from the TU are sent.
    tuProvisional: rule('proceeding', 'send'),
    // RFC 6026 §8.5: a 2xx from the TU is sent, the transaction goes to Accepted, Timer L starts.
    tuSuccess: rule('accepted', 'send', 'armL'),
    // §17.2.1: a 300–699 from the TU is sent; Completed; Timer G (unreliable) and Timer H.
    tuFailure: rule('completed', 'send', 'armGH'),
    // §17.2.4: a transport failure → inform the TU, Terminated.
    transportError: rule('terminated', 'reportTransportError'),
  },
  completed: {
    // §17.2.1: a retransmitted INVITE → re-send the final response.
    request: rule('completed', 'resend'),
    // §17.2.1: Timer G fires → re-send, G = min(2G, T2).
    timerG: rule('completed', 'resend', 'backoffG'),
    // §17.2.1: Timer H fires → no ACK arrived: inform the TU, Terminated.
    timerH: rule('terminated', 'timeout'),
    // §17.2.1: the ACK → Confirmed, Timer I absorbs further ACKs.
    ack: rule('confirmed', 'stopGH', 'armI'),
    transportError: rule('terminated', 'reportTransportError'),
  },
  confirmed: {
    // §17.2.1: Confirmed absorbs ACK (and INVITE) retransmissions.
    ack: rule('confirmed'),
    request: rule('confirmed'),
    // §17.2.1: Timer I fires → Terminated.
    timerI: rule('terminated'),
  },
  accepted: {
    // RFC 6026 §8.7: INVITE retransmissions are absorbed (the UAS core re-sends the 2xx).
    request: rule('accepted'),
    // RFC 6026 §8.7: an ACK is passed up to the TU.
    ack: rule('accepted', 'passAck'),
    // RFC 6026 §8.7: 2xx retransmissions from the TU are sent.
    tuSuccess: rule('accepted', 'send'),
    // RFC 6026 §8.7: Timer L fires → Terminated.
    timerL: rule('terminated'),
    // RFC 6026 §8.8: a 2xx that cannot be sent is reported; the transaction stays until L.
    transportError: rule('accepted', 'reportTransportError'),
  },
  terminated: {},
};

export class InviteServerTransaction extends Transaction<IstState, IstInput, IstEffect> {
  private intervalG: number;
  private lastResponse?: SipResponse;
  user: ServerTransactionUser = {};

  constructor(
    ctx: TransactionContext,
    request: SipRequest,
    key: string,
    /** Where responses go (§18.2.2), fixed when the request arrived. */
    readonly responseDestination: Destination,
    reliable: boolean,
  ) {
    super(ctx, IST_TABLE, 'proceeding', request, key, reliable);
    this.intervalG = ctx.timers.t1;
  }

  /**
   * §17.2.1: arms the 100 Trying delay unless the TU already answered. The layer calls it once
   * the TU has seen the request, so an INVITE answered (or refused) at once never arms a timer
   * only to clear it.
   */
  startTryingTimer(): void {
    if (this.state === 'proceeding' && !this.lastResponse) this.arm('timerTrying', this.ctx.timers.trying);
  }

  /** Sends a response from the TU; false when the current state does not allow it. */
  respond(response: SipResponse): boolean {
    const input: IstInput =
      response.status < 200 ? 'tuProvisional' : response.status < 300 ? 'tuSuccess' : 'tuFailure';
    return this.feed(input, response);
  }

  /** A retransmission of the INVITE matched to this transaction (§17.2.3). */
  receiveRequest(request: SipRequest): boolean {
    return this.feed(request.method === 'ACK' ? 'ack' : 'request', request);
  }

  protected run(effect: IstEffect): void {
    switch (effect) {
      case 'trying':
        return this.sendTrying();
      case 'send': {
        this.disarm('timerTrying');
        const response = this.message as SipResponse;
        // A 2xx is never re-sent by the transaction (the UAS core does it, §13.3.1.4): keep
        // only what Proceeding/Completed retransmit, so an Accepted transaction stays small.
        this.transmit(response, this.responseDestination);
        // A non-2xx final is re-sent until the ACK (Timer G, up to 64·T1): keep its bytes only.
        this.lastResponse = response.status >= 200 && response.status < 300 ? undefined : response.status >= 200 ? wireOnlyResponse(response) : response;
        if (response.status >= 200) this.releaseRequest();
        return;
      }
      case 'resend':
        if (!this.lastResponse) return this.sendTrying();
        return this.transmit(this.lastResponse, this.responseDestination);
      case 'armGH':
        if (!this.reliable) this.arm('timerG', this.intervalG);
        return this.arm('timerH', transactionTimeout(this.ctx.timers));
      case 'backoffG':
        this.intervalG = backoffCapped(this.ctx.timers, this.intervalG);
        return this.arm('timerG', this.intervalG);
      case 'stopGH':
        this.disarm('timerG');
        return this.disarm('timerH');
      case 'armI':
        return this.arm('timerI', timerT4Wait(this.ctx.timers, this.reliable));
      case 'armL':
        return this.arm('timerL', transactionTimeout(this.ctx.timers));
      case 'passAck':
        return this.user.onAck?.(this.message as SipRequest);
      case 'timeout':
        return this.user.onTimeout?.();
      case 'reportTransportError':
        return this.user.onTransportError?.(this.error ?? new Error('transport error'));
    }
  }

  private sendTrying(): void {
    this.disarm('timerTrying');
    this.lastResponse = createResponse(this.request, 100);
    this.transmit(this.lastResponse, this.responseDestination);
  }

  protected terminatedHook(): void {
    this.user.onTerminated?.();
  }
}
