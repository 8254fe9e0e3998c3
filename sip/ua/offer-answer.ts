/**
 * Mid-dialog offer/answer: re-INVITE (RFC 3261 §14) and UPDATE (RFC 3311), both directions, with
 * glare handling (491 and the §14.1 retry delay) and the RFC 4028 session-timer terms each
 * refresh carries.
 */
import type { TimerHandle } from '../clock.js';
import { glareRetryDelay } from '../dialog/glare.js';
import { negotiateAsUac, negotiateAsUas, type UasDecision } from '../dialog/session-timer.js';
import { getContentType, getCSeq } from '../message/headers.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { InviteServerTransaction } from '../transaction/invite-server.js';
import type { ServerTransaction } from '../transaction/layer.js';
import { transactionTimeout } from '../timers.js';
import type { Source } from '../transport/types.js';
import { ALLOW, SUPPORTED } from './context.js';
import type { DialogInternals } from './dialog-internals.js';
import { SipError } from './errors.js';
import { IncomingRequest, ServerResponse } from './incoming.js';
import { Invite2xxSender } from './invite-2xx.js';
import { headerPairs } from './outgoing.js';
import type { ReplyOptions } from './responses.js';
import { sessionTimerHeaders, startSessionTimer } from './session-terms.js';

const MAX_GLARE_RETRIES = 3;

interface PendingIncoming {
  seq: number;
  offer?: string;
  sender?: Invite2xxSender;
}

export class OfferAnswer {
  private incoming?: PendingIncoming;
  private outgoing = false;
  private guardTimer?: TimerHandle;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly dialog: DialogInternals,
    private readonly emitModify: (request: IncomingRequest, response: ServerResponse) => boolean,
    private readonly emitRefresh: (request: IncomingRequest) => void,
  ) {}

  /** §14.2 / RFC 3311 §5.2: a re-INVITE or UPDATE received in the dialog. */
  receive(request: SipRequest, tx: ServerTransaction, source: Source): void {
    const offer = sdpOf(request);
    const isInvite = request.method === 'INVITE';
    // §14.2, RFC 3311 §5.2: an offer while our own offer is outstanding is glare → 491.
    if (this.outgoing && (isInvite || offer)) return void this.dialog.reply(tx, request, 491);
    // §14.2: a re-INVITE while another one we received is still open → 500 with Retry-After.
    if (this.incoming && (isInvite || offer)) {
      return void this.dialog.reply(tx, request, 500, undefined, { headers: { 'Retry-After': String(Math.floor(Math.random() * 10)) } });
    }
    const terms = this.dialog.ctx.sessionTimer ? negotiateAsUas(request, this.dialog.ctx.sessionTimer) : ({ kind: 'none' } as const);
    if (terms.kind === 'too-small') {
      return void this.dialog.reply(tx, request, 422, undefined, { headers: { 'Min-SE': String(terms.minSE) } });
    }
    this.dialog.state.refreshTarget(request); // §12.2.2: a target refresh replaces the remote target
    const seq = getCSeq(request)?.seq ?? 0;
    if (isInvite) this.incoming = { seq, offer };
    const req = new IncomingRequest(request, source);
    const res = new ServerResponse((status, reason, options) => {
      if (status >= 200) this.dialog.ctx.clock.clearTimer(this.guardTimer);
      return this.answer(request, tx, status, reason, options, terms);
    }, request.method);
    if (offer && this.emitModify(req, res)) return this.guard(req, res);
    // A refresh (no offer), or nobody listening: answer with the SDP we last sent.
    res.send(200);
    if (!offer) this.emitRefresh(req);
  }

  /** The ACK for our 2xx to a re-INVITE (§13.3.1.4); false when it is not ours. */
  receiveAck(ack: SipRequest): boolean {
    const pending = this.incoming;
    if (!pending || getCSeq(ack)?.seq !== pending.seq) return false;
    pending.sender?.stop();
    const answer = sdpOf(ack);
    if (!pending.offer && answer) this.dialog.remoteSdp = answer; // offer in our 2xx, answer in ACK
    this.incoming = undefined;
    this.wake();
    return true;
  }

  /**
   * Sends a re-INVITE with `sdp` (§14.1); retries after the §14.1 delay on 491. Resolves with the
   * 2xx; a final non-2xx rejects with `SipError` and leaves the session as it was.
   */
  async reinvite(sdp: string | undefined, ownsCallId: boolean): Promise<SipResponse> {
    await this.waitIdle();
    this.outgoing = true;
    try {
      for (let attempt = 0; ; attempt++) {
        const request = this.dialog.state.createRequest('INVITE', {
          body: sdp,
          contentType: 'application/sdp',
          headers: [['Allow', ALLOW], ...this.refreshHeaders()],
        });
        const response = await this.dialog.sendInvite(request).catch((err: unknown) => this.failed(err));
        if (response.status === 491 && attempt < MAX_GLARE_RETRIES) {
          // §14.1: while we wait, the other side's re-INVITE must get through.
          this.outgoing = false;
          this.wake();
          await sleep(this.dialog, glareRetryDelay(ownsCallId));
          await this.waitIdle();
          this.outgoing = true;
          continue;
        }
        return this.concluded(response, sdp);
      }
    } finally {
      this.outgoing = false;
      this.wake();
    }
  }

  /** RFC 3311: an UPDATE without a body, used as a session refresh. */
  async update(): Promise<SipResponse> {
    await this.waitIdle();
    this.outgoing = true;
    try {
      const request = this.dialog.state.createRequest('UPDATE', { headers: this.refreshHeaders() });
      const response = await this.dialog.send(request);
      return this.concluded(response, undefined);
    } finally {
      this.outgoing = false;
      this.wake();
    }
  }

  /** §14.1: a re-INVITE that times out (408) or cannot be sent ends the dialog with BYE. */
  private failed(err: unknown): never {
    if (err instanceof SipError && (err.code === 'SIP_TIMEOUT' || err.code === 'SIP_TRANSPORT')) {
      this.dialog.end('transport-error', true);
    }
    throw err;
  }

  stop(): void {
    this.incoming?.sender?.stop();
    this.incoming = undefined;
    this.wake();
  }

  private concluded(response: SipResponse, sdp: string | undefined): SipResponse {
    if (response.status >= 300) {
      // §14.1: a 408 or 481 to a re-INVITE means the dialog is gone or unreachable.
      if (response.status === 408 || response.status === 481) this.dialog.end('transport-error', response.status === 408);
      throw SipError.rejected(response);
    }
    this.dialog.state.refreshTarget(response);
    if (sdp !== undefined) this.dialog.localSdp = sdp;
    const answer = sdpOf(response);
    if (answer) this.dialog.remoteSdp = answer;
    const terms = negotiateAsUac(response);
    if (terms) this.dialog.sessionTimer.restart(terms.interval, terms.refresher === 'uac');
    else this.dialog.sessionTimer.stop();
    return response;
  }

  /** RFC 4028 §7.4: a refresh we send names us (its UAC) as the refresher. */
  private refreshHeaders(): Array<[string, string]> {
    const timer = this.dialog.sessionTimer;
    if (!this.dialog.ctx.sessionTimer) return [];
    const supported: [string, string] = ['Supported', SUPPORTED];
    return timer.active ? [supported, ['Session-Expires', `${timer.interval};refresher=uac`]] : [supported];
  }

  private answer(request: SipRequest, tx: ServerTransaction, status: number, reason: string | undefined, options: ReplyOptions, terms: UasDecision): SipResponse | undefined {
    const success = status >= 200 && status < 300;
    const body = success ? (options.body ?? this.dialog.localSdp) : options.body;
    const headers = success ? [...sessionTimerHeaders(terms), ...headerPairs(options.headers)] : headerPairs(options.headers);
    const contentType = body ? (options.contentType ?? 'application/sdp') : undefined;
    if (request.method === 'INVITE' && success) return this.answerInvite(request, tx as InviteServerTransaction, status, reason, { headers, body, contentType }, terms);
    const response = this.dialog.reply(tx, request, status, reason, { headers, body, contentType });
    if (success && response) this.accepted(request, body, terms);
    if (status >= 200 && request.method === 'INVITE') this.incomingDone();
    return response;
  }

  private answerInvite(request: SipRequest, tx: InviteServerTransaction, status: number, reason: string | undefined, options: ReplyOptions, terms: UasDecision): SipResponse | undefined {
    const response = this.dialog.buildReply(request, status, reason, options);
    const sender = new Invite2xxSender(this.dialog.ctx, tx, response, () => {
      this.incomingDone();
      this.dialog.end('ack-timeout', true);
    });
    if (this.incoming) this.incoming.sender = sender;
    sender.start();
    this.accepted(request, typeof options.body === 'string' ? options.body : options.body?.toString(), terms);
    return response;
  }

  private accepted(request: SipRequest, localBody: string | Buffer | undefined, terms: UasDecision): void {
    const offer = sdpOf(request);
    if (offer) this.dialog.remoteSdp = offer;
    if (localBody !== undefined) this.dialog.localSdp = localBody.toString();
    startSessionTimer(this.dialog.sessionTimer, terms, 'uas');
  }

  private incomingDone(): void {
    if (this.incoming?.sender && !this.incoming.sender.stopped) return; // still waiting for the ACK
    this.incoming = undefined;
    this.wake();
  }

  /** A `modify` listener that never answers must not hold the transaction forever. */
  private guard(_req: IncomingRequest, res: ServerResponse): void {
    if (res.finalSent) return;
    this.guardTimer = this.dialog.ctx.clock.setTimer(transactionTimeout(this.dialog.ctx.timers), () => {
      if (!res.finalSent) res.send(500, 'No Answer From Application');
    });
  }

  private waitIdle(): Promise<void> {
    if (!this.incoming && !this.outgoing) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.dialog.ctx.clock.setTimer(transactionTimeout(this.dialog.ctx.timers), () => {
        reject(new SipError('SIP_INVALID_STATE', 491, 'Request Pending'));
      });
      this.idleWaiters.push(() => {
        this.dialog.ctx.clock.clearTimer(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    while (!this.incoming && !this.outgoing && this.idleWaiters.length > 0) this.idleWaiters.shift()?.();
  }
}

export function sdpOf(message: SipRequest | SipResponse): string | undefined {
  return message.body.length > 0 && getContentType(message) === 'application/sdp' ? message.body.toString('utf8') : undefined;
}

function sleep(dialog: DialogInternals, ms: number): Promise<void> {
  return new Promise((resolve) => dialog.ctx.clock.setTimer(ms, resolve));
}
