/**
 * An established INVITE dialog as the application sees it (drachtio-srf's `Dialog`): `bye()`,
 * `modify(sdp)`, `refer(target)`, `request()`, `info()`, and typed events. In-dialog requests
 * are routed here by the UA core (§12.2.2); the offer/answer, REFER and session-timer work is
 * done by helpers through `DialogInternals`.
 */
import type { DialogId, DialogRole, DialogState } from '../dialog/state.js';
import { getCSeq } from '../message/headers.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { ServerTransaction } from '../transaction/layer.js';
import { resolveUri, transportOf } from '../transport/resolve.js';
import type { Destination, Source, TransportProtocol } from '../transport/types.js';
import type { DigestClient } from '../digest/index.js';
import { digestFor, type Credentials } from './auth.js';
import { KNOWN_METHODS, type UaContext } from './context.js';
import type { DialogInternals } from './dialog-internals.js';
import { parseDtmfRelay, type DialogDestroyReason, type DialogEvents, type DtmfRelay, type ReferOutcome } from './dialog-types.js';
import { TypedEmitter } from './emitter.js';
import { SipError } from './errors.js';
import { IncomingRequest } from './incoming.js';
import type { Invite2xxSender } from './invite-2xx.js';
import { OfferAnswer, sdpOf } from './offer-answer.js';
import { headerPairs, type HeaderInput } from './outgoing.js';
import { ReferResponse, ReferSender, type ReferOptions } from './refer.js';
import { buildResponse, type ReplyOptions } from './responses.js';
import { cancelInvite, sendWithAuth, type SendHooks } from './sender.js';
import { transactionTimeout } from '../timers.js';
import type { ClientTransaction } from '../transaction/layer.js';
import { SessionTimer } from './session-timer.js';

export interface DialogInit {
  ctx: UaContext;
  state: DialogState;
  transport: TransportProtocol;
  localSdp?: string;
  remoteSdp?: string;
  credentials?: Credentials;
  /** Methods the peer said it allows (its Allow header), to pick UPDATE for refreshes. */
  remoteAllow?: string[];
  /** The address the dialog was set up with (the INVITE's source, or where ours went). */
  peerAddress: string;
}

export interface InDialogRequest {
  method: string;
  headers?: HeaderInput;
  body?: string | Buffer;
  contentType?: string;
}

interface AckWait {
  seq: number;
  sender: Invite2xxSender;
  resolve(): void;
  reject(error: SipError): void;
  /** Set by a `bye()` asked for meanwhile: called once the wait is over either way. */
  onSettled?: () => void;
}

export class Dialog extends TypedEmitter<DialogEvents> implements DialogInternals {
  readonly ctx: UaContext;
  /** In-dialog requests are taken from this address, or from sources the application allows. */
  readonly peerAddress: string;
  readonly state: DialogState;
  readonly transport: TransportProtocol;
  readonly sessionTimer: SessionTimer;
  localSdp?: string;
  remoteSdp?: string;
  private phase: 'early' | 'confirmed' | 'terminated' = 'confirmed';
  private reason?: DialogDestroyReason;
  // Made on first use: most calls never see a re-INVITE, UPDATE or REFER.
  private offerAnswerState?: OfferAnswer;
  private refersState?: ReferSender;
  private readonly digest?: DigestClient;
  private readonly remoteAllow: readonly string[];
  private lastAck?: { seq: number; request: SipRequest; destination: Destination };
  private ackWait?: AckWait;
  private byeRequested?: Promise<void>;
  private byeSending?: Promise<void>;

  constructor(init: DialogInit) {
    super();
    this.ctx = init.ctx;
    this.peerAddress = init.peerAddress;
    this.state = init.state;
    this.transport = init.transport;
    this.localSdp = init.localSdp;
    this.remoteSdp = init.remoteSdp;
    this.digest = digestFor(init.credentials);
    this.remoteAllow = init.remoteAllow ?? [];
    this.sessionTimer = new SessionTimer(this.ctx, {
      refresh: () => void this.refreshSession(),
      expire: () => this.end('session-expired', true),
    });
  }

  private get offerAnswer(): OfferAnswer {
    return (this.offerAnswerState ??= new OfferAnswer(
      this,
      (req, res) => this.emit('modify', req, res),
      (req) => this.emit('refresh', req),
    ));
  }

  private get refers(): ReferSender {
    return (this.refersState ??= new ReferSender(this));
  }

  get id(): DialogId {
    return this.state.id;
  }

  get callId(): string {
    return this.state.id.callId;
  }

  get role(): DialogRole {
    return this.state.role;
  }

  get isTerminated(): boolean {
    return this.phase === 'terminated';
  }

  /** Why the dialog ended, once it has. */
  get destroyReason(): DialogDestroyReason | undefined {
    return this.reason;
  }

  protected override onListenerError(err: unknown, event: string): void {
    this.ctx.logger.warn({ err, event }, 'dialog listener failed');
  }

  // ---- application API -------------------------------------------------------------

  /** Hangs up (§15.1.1). Idempotent; resolves when the BYE is answered or times out, never rejects. */
  bye(): Promise<void> {
    return this.hangup('bye-sent');
  }

  /** @internal `bye()` with the reason the UA gives (e.g. 'shutdown'). */
  hangup(reason: DialogDestroyReason): Promise<void> {
    if (this.byeRequested) return this.byeRequested;
    if (this.phase === 'terminated') return this.byeSending ?? Promise.resolve();
    const wait = this.ackWait;
    if (!wait) {
      this.end(reason, true);
      this.byeRequested = this.byeSending ?? Promise.resolve();
      return this.byeRequested;
    }
    // §15: the callee MUST NOT send BYE before the ACK for its 2xx arrives (or times out).
    const settled = new Promise<void>((resolve) => (wait.onSettled = resolve));
    this.byeRequested = settled.then(() => {
      this.end(reason, true); // a no-op if the ACK timeout already ended the dialog with BYE
      return this.byeSending ?? Promise.resolve();
    });
    return this.byeRequested;
  }

  /** Same as `bye()` (drachtio-srf naming). */
  destroy(): Promise<void> {
    return this.bye();
  }

  /** Sends a re-INVITE with a new SDP offer (hold, unhold…); resolves with the peer's answer. */
  async modify(sdp: string): Promise<string | undefined> {
    this.assertOpen();
    const response = await this.offerAnswer.reinvite(sdp, this.role === 'uac');
    return sdpOf(response);
  }

  /** Asks the peer to call `target` (RFC 3515); resolves with the final sipfrag status. */
  refer(target: string, options?: ReferOptions): Promise<ReferOutcome> {
    this.assertOpen();
    return this.refers.refer(target, options);
  }

  /** Sends any request in the dialog; resolves with the final response whatever its status. */
  async request(init: InDialogRequest): Promise<SipResponse> {
    this.assertOpen();
    const method = init.method.toUpperCase();
    if (method === 'INVITE') {
      const body = init.body === undefined ? undefined : init.body.toString();
      return this.offerAnswer.reinvite(body, this.role === 'uac').catch((err: unknown) => {
        if (err instanceof SipError && err.response) return err.response;
        throw err;
      });
    }
    const request = this.state.createRequest(method, { headers: headerPairs(init.headers), body: init.body, contentType: init.contentType });
    return this.send(request);
  }

  /** Sends an INFO: a DTMF digit as `application/dtmf-relay`, or any body. */
  info(payload: DtmfRelay | { body: string | Buffer; contentType: string; headers?: HeaderInput }): Promise<SipResponse> {
    if ('signal' in payload) {
      const body = `Signal=${payload.signal}\r\n${payload.duration !== undefined ? `Duration=${payload.duration}\r\n` : ''}`;
      return this.request({ method: 'INFO', body, contentType: 'application/dtmf-relay' });
    }
    return this.request({ method: 'INFO', ...payload });
  }

  // ---- DialogInternals -------------------------------------------------------------

  buildReply(request: SipRequest, status: number, reason?: string, options: ReplyOptions = {}): SipResponse {
    return buildResponse(this.ctx, request, status, reason, options, { contact: this.state.localContact });
  }

  reply(tx: ServerTransaction, request: SipRequest, status: number, reason?: string, options: ReplyOptions = {}): SipResponse | undefined {
    const response = this.buildReply(request, status, reason, options);
    return tx.respond(response) ? response : undefined;
  }

  async send(request: SipRequest, hooks: SendHooks = {}): Promise<SipResponse> {
    const destination = await this.destination();
    const { response } = await sendWithAuth(this.ctx, request, destination, this.digest, hooks);
    return response;
  }

  async sendInvite(request: SipRequest): Promise<SipResponse> {
    const destination = await this.destination();
    let tx: ClientTransaction | undefined;
    // A re-INVITE that rings without a final answer for 64·T1 is canceled (§9.1 bounds the rest).
    const deadline = this.ctx.clock.setTimer(transactionTimeout(this.ctx.timers), () => {
      if (tx && tx.currentState === 'proceeding') cancelInvite(this.ctx, tx, destination);
    });
    const hooks: SendHooks = { onExtraFinal: (r) => this.receive2xxRetransmission(r), onTransaction: (t) => (tx = t) };
    try {
      const result = await sendWithAuth(this.ctx, request, destination, this.digest, hooks);
      if (result.response.status >= 200 && result.response.status < 300) this.sendAck(result.request, destination);
      return result.response;
    } finally {
      this.ctx.clock.clearTimer(deadline);
    }
  }

  end(reason: DialogDestroyReason, sendBye: boolean): void {
    if (this.phase === 'terminated') return;
    this.phase = 'terminated';
    this.reason = reason;
    this.sessionTimer.stop();
    this.offerAnswerState?.stop();
    this.refersState?.stop();
    // Only build the error (a stack trace) when an ACK is still awaited: not for every BYE.
    if (this.ackWait) this.settleAckWait(new SipError('SIP_DIALOG_TERMINATED', 481, 'Dialog Terminated'));
    this.ctx.dialogs.delete(this.id, this);
    if (sendBye) this.byeSending = this.sendBye();
    this.emit('destroyed', reason);
  }

  // ---- UA core hooks (internal) -----------------------------------------------------

  /** @internal §13.2.2.4: ACK the 2xx to our initial INVITE (the UAC core builds this ACK). */
  async acknowledge(invite: SipRequest): Promise<void> {
    try {
      this.sendAck(invite, await this.destination());
    } catch (err) {
      this.ctx.logger.warn({ err, callId: this.callId }, 'cannot send ACK');
    }
  }

  /**
   * @internal §13.3.1.4: the UAS waits for the ACK of its initial 2xx; `resolve` on the ACK,
   * `reject` when the wait fails (no ACK, the dialog ended first). Callbacks, not a promise: the
   * caller already has the one promise the application sees.
   */
  expectAck(seq: number, sender: Invite2xxSender, resolve: () => void, reject: (error: SipError) => void): void {
    this.phase = 'early';
    this.ackWait = { seq, sender, resolve, reject };
  }

  /** @internal The 2xx was never ACKed within 64·T1: end the session with BYE. */
  ackTimedOut(): void {
    this.settleAckWait(new SipError('SIP_ACK_TIMEOUT', 408, 'No ACK'));
    this.end('ack-timeout', true);
  }

  /** @internal An ACK routed to this dialog (§13.3.1.4, RFC 6026 §8.7). */
  receiveAck(ack: SipRequest): void {
    const seq = getCSeq(ack)?.seq;
    const wait = this.ackWait;
    if (wait && seq === wait.seq) {
      const answer = sdpOf(ack);
      if (answer && !this.remoteSdp) this.remoteSdp = answer; // offer in our 2xx, answer in the ACK
      if (this.phase === 'early') this.phase = 'confirmed';
      this.settleAckWait();
      return;
    }
    this.offerAnswerState?.receiveAck(ack);
  }

  /** @internal A 2xx retransmission: §13.2.2.4 says to re-send the same ACK. */
  receive2xxRetransmission(response: SipResponse): void {
    const ack = this.lastAck;
    if (response.status < 200 || response.status >= 300 || !ack || getCSeq(response)?.seq !== ack.seq) return;
    this.ctx.transactions.sendStateless(ack.request, ack.destination).catch(() => undefined);
  }

  /** @internal §12.2.2: a request inside this dialog. */
  handleRequest(request: SipRequest, tx: ServerTransaction, source: Source): void {
    const seq = getCSeq(request)?.seq ?? 0;
    if (!this.state.acceptRemoteSeq(seq)) return void this.reply(tx, request, 500, 'Out Of Order');
    switch (request.method) {
      case 'BYE':
        this.reply(tx, request, 200);
        if (this.listenerCount('bye') > 0) this.emit('bye', new IncomingRequest(request, source));
        return this.end('bye-received', false);
      case 'INVITE':
      case 'UPDATE':
        return this.offerAnswer.receive(request, tx, source);
      case 'INFO':
        this.reply(tx, request, 200);
        return void this.emit('info', new IncomingRequest(request, source), this.dtmfOf(request));
      case 'NOTIFY':
        this.reply(tx, request, 200);
        this.refers.receiveNotify(request);
        return void this.emit('notify', new IncomingRequest(request, source));
      case 'REFER':
        return this.receiveRefer(request, tx, source);
      case 'OPTIONS':
        return void this.reply(tx, request, 200);
      default:
        // §8.2.1: a method we know but do not take here is 405 (with Allow); anything else 501.
        return void this.reply(tx, request, KNOWN_METHODS.has(request.method) ? 405 : 501);
    }
  }

  // ---- private ---------------------------------------------------------------------

  private receiveRefer(request: SipRequest, tx: ServerTransaction, source: Source): void {
    if (!request.headers.has('refer-to')) return void this.reply(tx, request, 400, 'Missing Refer-To');
    const response = new ReferResponse(this, tx, request);
    if (!this.emit('refer', new IncomingRequest(request, source), response)) response.reject(603);
  }

  private dtmfOf(request: SipRequest): DtmfRelay | undefined {
    const type = (request.headers.get('content-type') ?? '').toLowerCase();
    return type.startsWith('application/dtmf-relay') ? parseDtmfRelay(request.body.toString('utf8')) : undefined;
  }

  private async destination(): Promise<Destination> {
    const hop = this.state.nextHop();
    return resolveUri(hop, hop.params.transport !== undefined ? transportOf(hop) : this.transport);
  }

  /** §13.2.2.4: the ACK for a 2xx has the INVITE's CSeq number and the same credentials. */
  private sendAck(invite: SipRequest, destination: Destination): void {
    const seq = getCSeq(invite)?.seq ?? 0;
    const headers: Array<[string, string]> = [];
    for (const name of ['authorization', 'proxy-authorization']) {
      for (const value of invite.headers.getAll(name)) headers.push([name, value]);
    }
    const ack = this.state.createRequest('ACK', { seq, headers });
    this.lastAck = { seq, request: ack, destination };
    this.ctx.transactions.sendStateless(ack, destination).catch(() => undefined);
  }

  private async sendBye(): Promise<void> {
    try {
      await this.send(this.state.createRequest('BYE'));
    } catch (err) {
      this.ctx.logger.debug({ err, callId: this.callId }, 'BYE failed');
    }
  }

  /** RFC 4028 §10: refresh with UPDATE when the peer allows it, else re-INVITE with our SDP. */
  private async refreshSession(): Promise<void> {
    if (this.phase === 'terminated') return;
    try {
      if (this.remoteAllow.some((m) => m.trim().toUpperCase() === 'UPDATE')) await this.offerAnswer.update();
      else await this.offerAnswer.reinvite(this.localSdp, this.role === 'uac');
    } catch (err) {
      this.ctx.logger.debug({ err, callId: this.callId }, 'session refresh failed');
    }
  }

  private settleAckWait(error?: SipError): void {
    const wait = this.ackWait;
    if (!wait) return;
    this.ackWait = undefined;
    wait.sender.stop();
    if (error) wait.reject(error);
    else wait.resolve();
    wait.onSettled?.();
  }

  private assertOpen(): void {
    if (this.phase === 'terminated') throw new SipError('SIP_DIALOG_TERMINATED', 481, 'Dialog Terminated');
  }
}
