/**
 * Non-INVITE client transaction: RFC 3261 §17.1.2 (Figure 6).
 */
import type { SipRequest, SipResponse } from '../message/types.js';
import { backoffCapped, timerT4Wait, transactionTimeout } from '../timers.js';
import type { Destination } from '../transport/types.js';
import { responseClass, type ClientTransactionUser } from './client.js';
import { rule, type Table } from './fsm.js';
import { Transaction, type TransactionContext } from './transaction.js';

export type NictState = 'trying' | 'proceeding' | 'completed' | 'terminated';
export type NictInput = 'provisional' | 'final' | 'timerE' | 'timerF' | 'timerK' | 'transportError';
type NictEffect =
  | 'retransmit'
  | 'backoffE'
  | 'armET2'
  | 'stopEF'
  | 'passUp'
  | 'armK'
  | 'timeout'
  | 'reportTransportError';

export const NICT_TABLE: Table<NictState, NictInput, NictEffect> = {
  trying: {
    // §17.1.2.2: Timer E fires in Trying → retransmit, E = min(2E, T2).
    timerE: rule('trying', 'retransmit', 'backoffE'),
    // §17.1.2.2: Timer F fires → inform the TU of a timeout, Terminated.
    timerF: rule('terminated', 'timeout'),
    // §17.1.2.2: a provisional response → Proceeding, passed up.
    provisional: rule('proceeding', 'passUp'),
    // §17.1.2.2: a final response → Completed, passed up, Timer K.
    final: rule('completed', 'stopEF', 'passUp', 'armK'),
    // §17.1.4: transport error → inform the TU, Terminated.
    transportError: rule('terminated', 'reportTransportError'),
  },
  proceeding: {
    // §17.1.2.2: Timer E fires in Proceeding → retransmit, reset E to T2.
    timerE: rule('proceeding', 'retransmit', 'armET2'),
    timerF: rule('terminated', 'timeout'),
    provisional: rule('proceeding', 'passUp'),
    final: rule('completed', 'stopEF', 'passUp', 'armK'),
    transportError: rule('terminated', 'reportTransportError'),
  },
  completed: {
    // §17.1.2.2: Completed buffers response retransmissions: they are absorbed.
    provisional: rule('completed'),
    final: rule('completed'),
    // §17.1.2.2: Timer K fires → Terminated.
    timerK: rule('terminated'),
  },
  terminated: {},
};

export class NonInviteClientTransaction extends Transaction<NictState, NictInput, NictEffect> {
  private intervalE: number;

  constructor(
    ctx: TransactionContext,
    request: SipRequest,
    key: string,
    readonly destination: Destination,
    reliable: boolean,
    private readonly user: ClientTransactionUser,
  ) {
    super(ctx, NICT_TABLE, 'trying', request, key, reliable);
    this.intervalE = ctx.timers.t1;
  }

  /** §17.1.2.2: send the request; Timer E (unreliable transports) and Timer F. */
  start(): void {
    this.transmit(this.request, this.destination);
    if (!this.reliable) this.arm('timerE', this.intervalE);
    this.arm('timerF', transactionTimeout(this.ctx.timers));
  }

  receive(response: SipResponse): boolean {
    return this.feed(responseClass(response.status) === 'provisional' ? 'provisional' : 'final', response);
  }

  protected run(effect: NictEffect): void {
    switch (effect) {
      case 'retransmit':
        return this.transmit(this.request, this.destination);
      case 'backoffE':
        this.intervalE = backoffCapped(this.ctx.timers, this.intervalE);
        return this.arm('timerE', this.intervalE);
      case 'armET2':
        return this.arm('timerE', this.ctx.timers.t2);
      case 'stopEF':
        this.disarm('timerE');
        return this.disarm('timerF');
      case 'passUp':
        return this.user.onResponse(this.message as SipResponse);
      case 'armK':
        return this.arm('timerK', timerT4Wait(this.ctx.timers, this.reliable));
      case 'timeout':
        return this.user.onTimeout();
      case 'reportTransportError':
        return this.user.onTransportError(this.error ?? new Error('transport error'));
    }
  }

  protected terminatedHook(): void {
    this.user.onTerminated?.();
  }
}
