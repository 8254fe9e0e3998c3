/**
 * The UAS side of a new INVITE (RFC 3261 §13.3): the `req`/`res` pair handed to the application,
 * CANCEL (§9.2: 200 to the CANCEL, 487 to the INVITE), and `createUAS`, which sends the 2xx,
 * retransmits it until the ACK (§13.3.1.4) and resolves with the confirmed dialog.
 */
import type { TimerHandle } from '../clock.js';
import { DialogState } from '../dialog/state.js';
import { negotiateAsUas, type UasDecision } from '../dialog/session-timer.js';
import { getCSeq } from '../message/headers.js';
import { generateTag } from '../message/ids.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { InviteServerTransaction } from '../transaction/invite-server.js';
import type { UaContext } from './context.js';
import { Dialog } from './dialog.js';
import { SipError } from './errors.js';
import { IncomingRequest, ServerResponse } from './incoming.js';
import { Invite2xxSender } from './invite-2xx.js';
import { sdpOf } from './offer-answer.js';
import { headerPairs, type HeaderInput } from './outgoing.js';
import { buildResponse } from './responses.js';
import { sessionTimerHeaders, startSessionTimer } from './session-terms.js';

export interface UasOptions {
  /** Our SDP answer (or offer, when the INVITE had none). */
  localSdp?: string;
  headers?: HeaderInput;
}

interface PendingInvite {
  req: IncomingRequest;
  res: ServerResponse;
  tx: InviteServerTransaction;
  toTag: string;
  contact: string;
  terms: UasDecision;
  /** Set by createUAS: the 2xx was built; start retransmitting and build the dialog. */
  onSuccess?: (response: SipResponse) => void;
  /** Set by createUAS: the caller canceled first. */
  onCancel?: () => void;
  guard?: TimerHandle;
}

export class UasCore {
  // A Map, not a WeakMap: entries leave in forget() (final response, CANCEL, transaction end),
  // and a WeakMap entry per INVITE costs every GC its ephemeron processing.
  private readonly byRequest = new Map<IncomingRequest, PendingInvite>();
  private readonly byTx = new Map<InviteServerTransaction, PendingInvite>();

  constructor(
    private readonly ctx: UaContext,
    private readonly inviteTimeoutMs: number,
  ) {}

  get pending(): number {
    return this.byTx.size;
  }

  /** Makes the `res` of a new INVITE for the application; the caller emits it with `req`. */
  prepare(req: IncomingRequest, tx: InviteServerTransaction, terms: UasDecision, onAck: (ack: SipRequest) => void): ServerResponse {
    const toTag = generateTag();
    const contact = this.ctx.contact(req.source.transport, req.uri.user);
    const pending = { req, tx, toTag, contact, terms } as PendingInvite;
    pending.res = new ServerResponse((status, reason, options) => this.respond(pending, status, reason, options), 'INVITE', true);
    this.byRequest.set(req, pending);
    this.byTx.set(tx, pending);
    tx.user = { onAck, onTerminated: () => this.forget(pending) };
    // An application that never answers must not hold the call (and the transaction) forever.
    pending.guard = this.ctx.clock.setTimer(this.inviteTimeoutMs, () => {
      if (!pending.res.finalSent) pending.res.send(480, 'No Answer');
    });
    return pending.res;
  }

  /** §9.2: a CANCEL for a pending INVITE → 487 unless a final response went out already. */
  cancel(tx: InviteServerTransaction): void {
    const pending = this.byTx.get(tx);
    if (!pending || pending.res.finalSent) return;
    pending.res.send(487);
    pending.req.markCanceled();
    pending.onCancel?.();
  }

  createUAS(req: IncomingRequest, res: ServerResponse, options: UasOptions = {}): Promise<Dialog> {
    if (req.canceled) return Promise.reject(new SipError('SIP_CANCELED', 487, 'Request Terminated'));
    if (res.finalSent) return Promise.reject(new SipError('SIP_INVALID_STATE', 500, 'final response already sent'));
    const pending = this.byRequest.get(req);
    if (!pending || pending.res !== res) return Promise.reject(new SipError('SIP_INVALID_STATE', 500, 'not a pending INVITE'));
    return new Promise<Dialog>((resolve, reject) => {
      pending.onCancel = () => reject(new SipError('SIP_CANCELED', 487, 'Request Terminated'));
      pending.onSuccess = (response) => this.confirm(pending, response, options, resolve, reject);
      const headers = [...sessionTimerHeaders(pending.terms), ...headerPairs(options.headers)];
      res.sendInternal(200, undefined, { headers: headers.length > 0 ? headers : undefined, body: options.localSdp, contentType: 'application/sdp' });
    });
  }

  private respond(pending: PendingInvite, status: number, reason: string | undefined, options: Parameters<ServerResponse['send']>[2] = {}): SipResponse | undefined {
    const request = pending.tx.request;
    const response = buildResponse(this.ctx, request, status, reason, options, { toTag: pending.toTag, contact: pending.contact });
    // After a final response a CANCEL has no effect (§9.2): nothing more to keep for this INVITE.
    if (status >= 200) this.forget(pending);
    if (status >= 200 && status < 300) {
      const onSuccess = pending.onSuccess;
      pending.onSuccess = undefined;
      onSuccess?.(response);
      return response;
    }
    return pending.tx.respond(response) ? response : undefined;
  }

  /** Builds the dialog, starts the 2xx retransmission and waits for the ACK (§13.3.1.4). */
  private confirm(pending: PendingInvite, response: SipResponse, options: UasOptions, resolve: (dialog: Dialog) => void, reject: (error: SipError) => void): void {
    const request = pending.tx.request;
    const state = DialogState.asUas(request, pending.toTag, pending.contact);
    if (!state) {
      pending.tx.respond(buildResponse(this.ctx, request, 400, 'Bad Contact', {}, { toTag: pending.toTag }));
      return reject(new SipError('SIP_INVALID_STATE', 400, 'INVITE cannot form a dialog'));
    }
    const dialog = new Dialog({
      ctx: this.ctx,
      state,
      transport: pending.req.source.transport,
      localSdp: options.localSdp,
      remoteSdp: sdpOf(request),
      remoteAllow: request.headers.getAll('allow'),
      peerAddress: pending.req.source.address,
    });
    this.ctx.dialogs.add(state.id, dialog);
    const sender = new Invite2xxSender(this.ctx, pending.tx, response, () => dialog.ackTimedOut());
    dialog.expectAck(getCSeq(request)?.seq ?? 0, sender, () => resolve(dialog), reject);
    sender.start();
    startSessionTimer(dialog.sessionTimer, pending.terms, 'uas');
  }

  /** Releases what the pending INVITE holds, so the transaction's remaining life stays small. */
  private forget(pending: PendingInvite): void {
    this.ctx.clock.clearTimer(pending.guard);
    this.byRequest.delete(pending.req);
    this.byTx.delete(pending.tx);
    pending.onCancel = undefined;
    pending.tx.user.onTerminated = undefined;
  }
}

/** RFC 4028 terms for a new INVITE, or 'none' when session timers are off. */
export function uasTerms(ctx: UaContext, request: SipRequest): UasDecision {
  return ctx.sessionTimer ? negotiateAsUas(request, ctx.sessionTimer) : { kind: 'none' };
}
