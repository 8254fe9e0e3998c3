/**
 * The UAC side of a new INVITE (RFC 3261 §13.2): send, report provisional responses, retry with
 * credentials on 401/407 (§22.2) and with a larger Session-Expires on 422 (RFC 4028 §7.4), ACK
 * every 2xx (§13.2.2.4; a second fork's 2xx is ACKed and hung up), CANCEL on abort or ring
 * timeout (§9.1: only after a provisional response), and resolve with the dialog.
 */
import type { TimerHandle } from '../clock.js';
import { DialogState } from '../dialog/state.js';
import { negotiateAsUac, MIN_SE_FLOOR } from '../dialog/session-timer.js';
import { getToTag, parseUnsigned } from '../message/headers.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { ClientTransaction } from '../transaction/layer.js';
import type { Destination } from '../transport/types.js';
import type { DigestClient } from '../digest/index.js';
import { authorize, digestFor, type Credentials } from './auth.js';
import type { UaContext } from './context.js';
import { Dialog } from './dialog.js';
import { SipError } from './errors.js';
import { sdpOf } from './offer-answer.js';
import { nextAttempt } from './outgoing.js';
import { cancelInvite, sendOnce } from './sender.js';

export interface UacHooks {
  /** Each provisional response (100–199). */
  onProvisional?(response: SipResponse): void;
}

export interface UacRun {
  ctx: UaContext;
  request: SipRequest;
  destination: Destination;
  credentials?: Credentials;
  signal?: AbortSignal;
  /** Give up (CANCEL) when no final response arrives in this time. */
  ringTimeoutMs: number;
  hooks: UacHooks;
}

const MAX_ATTEMPTS = 4;

export class UacInvite {
  private tx?: ClientTransaction;
  private current: SipRequest;
  private provisional = false;
  private canceled = false;
  private cancelSent = false;
  private dialog?: Dialog;
  private ringTimer?: TimerHandle;
  private readonly digest?: DigestClient;

  constructor(private readonly run: UacRun) {
    this.current = run.request;
    this.digest = digestFor(run.credentials);
  }

  async start(): Promise<Dialog> {
    const { signal, ctx } = this.run;
    if (signal?.aborted) throw new SipError('SIP_CANCELED', 487, 'Request Terminated');
    const onAbort = (): void => this.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.ringTimer = ctx.clock.setTimer(this.run.ringTimeoutMs, () => this.cancel());
    try {
      return await this.loop();
    } catch (err) {
      // Aborted before any provisional response (§9.1: no CANCEL yet) and Timer B ran out.
      if (this.canceled && err instanceof SipError && err.code === 'SIP_TIMEOUT') throw new SipError('SIP_CANCELED', 487, 'Request Terminated');
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      ctx.clock.clearTimer(this.ringTimer);
    }
  }

  private async loop(): Promise<Dialog> {
    for (let attempt = 0; ; attempt++) {
      const response = await sendOnce(this.run.ctx, this.current, this.run.destination, {
        onTransaction: (tx) => (this.tx = tx),
        onProvisional: (r) => this.onProvisional(r),
        onExtraFinal: (r) => this.on2xx(r),
      });
      if (response.status < 300) return this.established(response);
      if (this.canceled) throw new SipError('SIP_CANCELED', 487, response.reason, response);
      const retry = attempt < MAX_ATTEMPTS ? this.retryFor(response) : undefined;
      if (!retry) throw SipError.rejected(response);
      this.current = retry;
      this.provisional = false;
    }
  }

  private retryFor(response: SipResponse): SipRequest | undefined {
    if (response.status === 401 || response.status === 407) return authorize(this.current, response, this.digest)?.request;
    if (response.status === 422) {
      // RFC 4028 §7.4: retry with Session-Expires raised to the Min-SE the UAS asked for.
      const minSE = parseUnsigned(response.headers.get('min-se'), 2 ** 31 - 1);
      if (minSE === undefined || minSE < MIN_SE_FLOOR) return undefined;
      const next = nextAttempt(this.current);
      next.headers.set('session-expires', String(minSE));
      next.headers.set('min-se', String(minSE));
      return next;
    }
    return undefined;
  }

  private onProvisional(response: SipResponse): void {
    this.provisional = true;
    if (this.canceled && !this.cancelSent) this.sendCancel();
    this.run.hooks.onProvisional?.(response);
  }

  /** The first 2xx: build the dialog, ACK, and either hand it over or hang it up if canceled. */
  private async established(response: SipResponse): Promise<Dialog> {
    const dialog = this.on2xx(response);
    if (!dialog) throw new SipError('SIP_REJECTED', 502, 'Bad 2xx (no Contact or tag)', response);
    if (this.canceled) {
      // §9.1: the 2xx crossed our CANCEL: the call is up, so hang it up.
      void dialog.bye();
      throw new SipError('SIP_CANCELED', 487, 'Request Terminated', response);
    }
    return dialog;
  }

  /** §13.2.2.4: every 2xx gets an ACK; one from another fork gets an ACK and a BYE. */
  private on2xx(response: SipResponse): Dialog | undefined {
    if (response.status < 200 || response.status >= 300) return undefined;
    if (this.dialog && getToTag(response) === this.dialog.id.remoteTag) {
      this.dialog.receive2xxRetransmission(response);
      return this.dialog;
    }
    const dialog = this.createDialog(response);
    if (!dialog) return undefined;
    void dialog.acknowledge(this.current);
    if (this.dialog) {
      void dialog.bye();
      return undefined;
    }
    this.dialog = dialog;
    return dialog;
  }

  private createDialog(response: SipResponse): Dialog | undefined {
    const { ctx } = this.run;
    const contact = this.current.headers.get('contact') ?? ctx.contact(this.run.destination.transport);
    const state = DialogState.asUac(this.current, response, contact);
    if (!state) return undefined;
    const dialog = new Dialog({
      ctx,
      state,
      transport: this.run.destination.transport,
      localSdp: sdpOf(this.current),
      remoteSdp: sdpOf(response),
      credentials: this.run.credentials,
      remoteAllow: response.headers.getAll('allow'),
      peerAddress: this.run.destination.address,
    });
    ctx.dialogs.add(state.id, dialog);
    const terms = ctx.sessionTimer ? negotiateAsUac(response) : undefined;
    if (terms) dialog.sessionTimer.restart(terms.interval, terms.refresher === 'uac');
    return dialog;
  }

  /** AbortSignal or ring timeout. §9.1: CANCEL only once a provisional response has arrived. */
  private cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    if (this.provisional) this.sendCancel();
  }

  private sendCancel(): void {
    if (this.cancelSent || !this.tx || this.tx.currentState !== 'proceeding') return;
    this.cancelSent = true;
    cancelInvite(this.run.ctx, this.tx, this.run.destination);
  }
}
