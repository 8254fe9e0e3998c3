/**
 * RFC 3261 §13.3.1.4: the UAS core — not the transaction — retransmits a 2xx to INVITE, starting
 * at T1 and doubling up to T2, until the ACK arrives; after 64·T1 without ACK it gives up (and
 * the caller of `onGiveUp` ends the session with BYE). Retransmissions go through the INVITE
 * server transaction while it is Accepted (RFC 6026 §8.7), statelessly after that. Reliable
 * transports carry the 2xx once: hop-by-hop reliability already covers the single hop we use.
 *
 * A retransmission whose timer fires late (this process is behind on its event loop) waits again
 * for as long as it was late: the ACK is then more likely queued in our own socket than lost,
 * and a 2xx resent after the caller moved on (it already sent BYE) fails its call. Under
 * overload this keeps retransmissions from adding load and breaking calls that were fine; once
 * the loop keeps up, timers fire on time and a lost ACK is recovered as usual (64·T1 still ends
 * the wait).
 */
import type { TimerHandle } from '../clock.js';
import type { SipResponse } from '../message/types.js';
import { backoffCapped, transactionTimeout } from '../timers.js';
import type { InviteServerTransaction } from '../transaction/invite-server.js';
import type { UaContext } from './context.js';

export class Invite2xxSender {
  private timer?: TimerHandle;
  private deadline?: TimerHandle;
  private interval: number;
  /** When the armed retransmission is due (clock time). */
  private due = 0;
  private done = false;

  constructor(
    private readonly ctx: UaContext,
    private readonly tx: InviteServerTransaction,
    private readonly response: SipResponse,
    private readonly onGiveUp: () => void,
  ) {
    this.interval = ctx.timers.t1;
  }

  /** Sends the 2xx and starts waiting for the ACK. */
  start(): void {
    this.tx.respond(this.response);
    if (!this.tx.reliable) this.arm(this.interval);
    this.deadline = this.ctx.clock.setTimer(transactionTimeout(this.ctx.timers), () => {
      this.stop();
      this.onGiveUp();
    });
  }

  /** The ACK arrived (or the dialog ended): stop retransmitting. */
  stop(): void {
    if (this.done) return;
    this.done = true;
    this.ctx.clock.clearTimer(this.timer);
    this.ctx.clock.clearTimer(this.deadline);
  }

  get stopped(): boolean {
    return this.done;
  }

  private arm(ms: number): void {
    this.due = this.ctx.clock.now() + ms;
    this.timer = this.ctx.clock.setTimer(ms, () => this.retransmit());
  }

  private retransmit(): void {
    if (this.done) return;
    const late = this.ctx.clock.now() - this.due;
    if (late > this.ctx.timers.t1 / 2) {
      this.arm(late);
      return;
    }
    if (this.tx.terminated) {
      this.ctx.transactions.sendStateless(this.response, this.tx.responseDestination).catch(() => undefined);
    } else {
      this.tx.respond(this.response);
    }
    this.interval = backoffCapped(this.ctx.timers, this.interval);
    this.arm(this.interval);
  }
}
