/**
 * INVITE client transaction: RFC 3261 §17.1.1 as amended by RFC 6026 §8.4 (the Accepted state,
 * Timer M). The ACK for a non-2xx final response is built here (§17.1.1.3); the ACK for a 2xx is
 * the UAC core's job (§13.2.2.4).
 */
import { NO_BODY, SipHeaders, type SipRequest, type SipResponse } from '../message/types.js';
import { timerD, transactionTimeout } from '../timers.js';
import type { Destination } from '../transport/types.js';
import { responseClass, type ClientTransactionUser } from './client.js';
import { rule, type Table } from './fsm.js';
import { Transaction, type TransactionContext } from './transaction.js';

export type IctState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
export type IctInput =
  | 'provisional'
  | 'success'
  | 'failure'
  | 'timerA'
  | 'timerB'
  | 'timerD'
  | 'timerM'
  | 'transportError';
type IctEffect =
  | 'retransmit'
  | 'backoffA'
  | 'stopA'
  | 'stopB'
  | 'passUp'
  | 'sendAck'
  | 'armD'
  | 'armM'
  | 'timeout'
  | 'reportTransportError';

export const ICT_TABLE: Table<IctState, IctInput, IctEffect> = {
  calling: {
    // §17.1.1.2: Timer A fires → retransmit, reset A with twice its value (unreliable only).
    timerA: rule('calling', 'retransmit', 'backoffA'),
    // §17.1.1.2: Timer B fires in Calling → inform the TU of a timeout, go to Terminated.
    timerB: rule('terminated', 'timeout'),
    // §17.1.1.2: a provisional response moves to Proceeding, stops retransmissions, goes up.
    // Timer B is stopped too: in Proceeding the TU owns the overall timeout (sipgo#254).
    provisional: rule('proceeding', 'stopA', 'stopB', 'passUp'),
    // RFC 6026 §8.4: a 2xx moves to Accepted and starts Timer M.
    success: rule('accepted', 'stopA', 'stopB', 'passUp', 'armM'),
    // §17.1.1.2: a 300–699 response → send ACK, pass up, Completed, Timer D.
    failure: rule('completed', 'stopA', 'stopB', 'sendAck', 'passUp', 'armD'),
    // §17.1.4: a transport error → inform the TU, Terminated.
    transportError: rule('terminated', 'reportTransportError'),
  },
  proceeding: {
    // §17.1.1.2: further provisional responses are passed up.
    provisional: rule('proceeding', 'passUp'),
    success: rule('accepted', 'passUp', 'armM'),
    failure: rule('completed', 'sendAck', 'passUp', 'armD'),
    transportError: rule('terminated', 'reportTransportError'),
  },
  completed: {
    // §17.1.1.2: a retransmitted final response → re-send the ACK, do not pass it up.
    failure: rule('completed', 'sendAck'),
    // §17.1.1.2: Timer D fires → Terminated.
    timerD: rule('terminated'),
    // §17.1.1.2: a transport failure while sending the ACK → Terminated.
    transportError: rule('terminated'),
  },
  accepted: {
    // RFC 6026 §8.4: further 2xx responses are passed up so the TU re-sends its ACK.
    success: rule('accepted', 'passUp'),
    // RFC 6026 §8.4: anything else is absorbed.
    provisional: rule('accepted'),
    failure: rule('accepted'),
    // RFC 6026 §8.4: Timer M fires → Terminated.
    timerM: rule('terminated'),
  },
  terminated: {},
};

export class InviteClientTransaction extends Transaction<IctState, IctInput, IctEffect> {
  private intervalA: number;

  constructor(
    ctx: TransactionContext,
    request: SipRequest,
    key: string,
    readonly destination: Destination,
    reliable: boolean,
    private readonly user: ClientTransactionUser,
  ) {
    super(ctx, ICT_TABLE, 'calling', request, key, reliable);
    this.intervalA = ctx.timers.t1;
  }

  /** §17.1.1.2: send the INVITE; start Timer A (unreliable transports) and Timer B. */
  start(): void {
    this.transmit(this.request, this.destination);
    if (!this.reliable) this.arm('timerA', this.intervalA);
    this.arm('timerB', transactionTimeout(this.ctx.timers));
  }

  /** A response the transaction layer matched to this transaction (§17.1.3). */
  receive(response: SipResponse): boolean {
    return this.feed(responseClass(response.status), response);
  }

  protected run(effect: IctEffect): void {
    switch (effect) {
      case 'retransmit':
        return this.transmit(this.request, this.destination);
      case 'backoffA':
        this.intervalA *= 2; // §17.1.1.2: A doubles without a cap until Timer B ends it.
        return this.arm('timerA', this.intervalA);
      case 'stopA':
        return this.disarm('timerA');
      case 'stopB':
        return this.disarm('timerB');
      case 'passUp':
        return this.user.onResponse(this.message as SipResponse);
      case 'sendAck':
        return this.transmit(buildNon2xxAck(this.request, this.message as SipResponse), this.destination);
      case 'armD':
        return this.arm('timerD', timerD(this.ctx.timers, this.reliable));
      case 'armM':
        return this.arm('timerM', transactionTimeout(this.ctx.timers));
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

/**
 * §17.1.1.3: the ACK for a non-2xx final response — same Request-URI, Call-ID, From, CSeq
 * number and top Via as the INVITE, the To of the response, and the INVITE's Route headers.
 */
export function buildNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = new SipHeaders();
  const topVia = invite.headers.get('via');
  if (topVia) headers.append('via', topVia);
  headers.append('max-forwards', '70');
  copy(invite.headers, headers, 'from');
  headers.append('to', response.headers.get('to') ?? invite.headers.get('to') ?? '');
  copy(invite.headers, headers, 'call-id');
  const seq = (invite.headers.get('cseq') ?? '1').trim().split(/\s+/)[0];
  headers.append('cseq', `${seq} ACK`);
  for (const route of invite.headers.getAll('route')) headers.append('route', route);
  headers.append('content-length', '0');
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers, body: NO_BODY };
}

function copy(from: SipHeaders, to: SipHeaders, name: string): void {
  const value = from.get(name);
  if (value !== undefined) to.append(name, value);
}
