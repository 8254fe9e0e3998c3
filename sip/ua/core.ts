/**
 * The UA core's inbound side (RFC 3261 §8.2, §12.2.2, §9.2): implements the transaction layer's
 * `TransactionUser`, validates requests, routes in-dialog requests to their dialog (481 when
 * there is none), answers OPTIONS, 501/405 for what we do not do, and hands new INVITEs and other
 * out-of-dialog requests to the application through the hooks below.
 */
import { getCallId, getFromTag, getToTag } from '../message/headers.js';
import { generateTag } from '../message/ids.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { InviteServerTransaction } from '../transaction/invite-server.js';
import type { ServerTransaction, TransactionUser } from '../transaction/layer.js';
import type { NonInviteServerTransaction } from '../transaction/non-invite-server.js';
import type { Source } from '../transport/types.js';
import { KNOWN_METHODS, type UaContext } from './context.js';
import type { OverloadGuard } from './overload.js';
import { IncomingRequest, ServerResponse, type RequestSource } from './incoming.js';
import { buildResponse, type ReplyOptions } from './responses.js';
import { uasTerms, type UasCore } from './uas.js';
import { validateRequest } from './validate.js';

export interface InboundHooks {
  /** Overload control for new INVITEs (503 + Retry-After while saturated). */
  overload?: OverloadGuard;
  /** The application's allow-list: false → 403 Forbidden. */
  accept?(source: RequestSource, request: IncomingRequest): boolean;
  /** Status for an out-of-dialog OPTIONS (default 200; 503 while the node drains). */
  optionsStatus?(): number;
  /** Emits `invite`; false when nobody listens. */
  invite(req: IncomingRequest, res: ServerResponse): boolean;
  /** Emits `request` for other out-of-dialog requests; false when nobody listens. */
  request(req: IncomingRequest, res: ServerResponse): boolean;
}

/** Out-of-dialog methods that only make sense inside a dialog (§12.2.2, §15.1.2). */
const DIALOG_ONLY = new Set(['BYE', 'UPDATE', 'INFO', 'PRACK', 'REFER']);

export class UaCore implements TransactionUser {
  /** One closure for every INVITE transaction (each keeps it for its 64·T1 tail), not one each. */
  private readonly routeAck = (ack: SipRequest): void => this.onAck(ack);

  constructor(
    private readonly ctx: UaContext,
    private readonly uas: UasCore,
    private readonly hooks: InboundHooks,
  ) {}

  onRequest(request: SipRequest, tx: ServerTransaction, source: Source): void {
    // RFC 6026 §8.7: an ACK that matches an Accepted INVITE transaction (a peer reusing the
    // INVITE's branch) is passed up; route it like any other 2xx ACK.
    if (tx instanceof InviteServerTransaction) tx.user.onAck = this.routeAck;
    const rejection = validateRequest(request);
    if (rejection) return this.reply(tx, request, rejection.status, rejection.reason, { headers: rejection.headers });
    // §8.2.2.2: the same request reached us over two paths → 482 to the second copy.
    if (this.ctx.transactions.isMerged(request, tx)) return this.reply(tx, request, 482);
    if (getToTag(request)) return this.inDialog(request, tx, source);
    if (!KNOWN_METHODS.has(request.method)) return this.reply(tx, request, 501);
    if (DIALOG_ONLY.has(request.method)) return this.reply(tx, request, 481);
    // The application's view of the request, made once: the allow-list and the handler share it.
    const req = new IncomingRequest(request, source);
    if (this.hooks.accept && !this.hooks.accept(req.source, req)) return this.reply(tx, request, 403);
    if (request.method === 'INVITE' && tx instanceof InviteServerTransaction) return this.newInvite(req, tx);
    if (request.method === 'OPTIONS') return this.reply(tx, request, this.hooks.optionsStatus?.() ?? 200);
    const res = new ServerResponse((status, reason, options) => this.send(tx, request, status, reason, options), request.method);
    if (!this.hooks.request(req, res)) res.send(405);
  }

  /** §9.2: 481 when the CANCEL matches no INVITE; otherwise 200, and 487 to the INVITE. */
  onCancel(cancel: SipRequest, tx: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    if (!invite) return this.reply(tx, cancel, 481);
    this.reply(tx, cancel, 200);
    this.uas.cancel(invite);
  }

  /** An ACK with no server transaction: the ACK for a 2xx, routed by dialog id. */
  onAck(ack: SipRequest): void {
    const callId = getCallId(ack);
    const localTag = getToTag(ack);
    const remoteTag = getFromTag(ack);
    if (!callId || !localTag || !remoteTag) return;
    this.ctx.dialogs.get({ callId, localTag, remoteTag })?.receiveAck(ack);
  }

  /** A 2xx that outlived its INVITE transaction: re-send the dialog's ACK (§13.2.2.4). */
  onStrayResponse(response: SipResponse): void {
    const callId = getCallId(response);
    const localTag = getFromTag(response);
    const remoteTag = getToTag(response);
    if (!callId || !localTag || !remoteTag) return;
    this.ctx.dialogs.get({ callId, localTag, remoteTag })?.receive2xxRetransmission(response);
  }

  /** §12.2.2: requests with a To tag belong to a dialog; unknown dialogs get 481. */
  private inDialog(request: SipRequest, tx: ServerTransaction, source: Source): void {
    const callId = getCallId(request) ?? '';
    const dialog = this.ctx.dialogs.get({ callId, localTag: getToTag(request) ?? '', remoteTag: getFromTag(request) ?? '' });
    if (dialog) {
      // A BYE or re-INVITE from a third party that learnt the dialog's tags must not end or
      // redirect the call: only the dialog's peer, or a source the application allows.
      if (!this.fromPeerOrAllowed(request, source, dialog.peerAddress)) return this.reply(tx, request, 403);
      return dialog.handleRequest(request, tx, source);
    }
    // Out-of-dialog OPTIONS with a stale To tag is still a ping worth answering.
    if (request.method === 'OPTIONS') return this.reply(tx, request, this.hooks.optionsStatus?.() ?? 200);
    this.reply(tx, request, 481);
  }

  private fromPeerOrAllowed(request: SipRequest, source: Source, peerAddress: string): boolean {
    if (!this.hooks.accept || sameAddress(source.address, peerAddress)) return true;
    const req = new IncomingRequest(request, source);
    return this.hooks.accept(req.source, req);
  }

  private newInvite(req: IncomingRequest, tx: InviteServerTransaction): void {
    const request = req.message;
    if (this.ctx.dialogs.full) return this.reply(tx, request, 503, undefined, { headers: { 'Retry-After': '5' } });
    const overload = this.hooks.overload;
    if (overload?.shouldRefuse()) {
      return this.reply(tx, request, 503, undefined, { headers: { 'Retry-After': overload.retryAfter } });
    }
    const terms = uasTerms(this.ctx, request);
    // RFC 4028 §9: a Session-Expires below our Min-SE is refused with 422 and our Min-SE.
    if (terms.kind === 'too-small') return this.reply(tx, request, 422, undefined, { headers: { 'Min-SE': String(terms.minSE) } });
    const res = this.uas.prepare(req, tx, terms, this.routeAck);
    if (!this.hooks.invite(req, res)) res.send(480);
  }

  private send(tx: ServerTransaction, request: SipRequest, status: number, reason?: string, options: ReplyOptions = {}): SipResponse | undefined {
    const contact = this.ctx.contact(tx.responseDestination.transport);
    const response = buildResponse(this.ctx, request, status, reason, options, { toTag: getToTag(request) ? undefined : generateTagOnce(request), contact });
    return tx.respond(response) ? response : undefined;
  }

  private reply(tx: ServerTransaction, request: SipRequest, status: number, reason?: string, options: ReplyOptions = {}): void {
    this.send(tx, request, status, reason, options);
  }
}

/** IPv4-mapped IPv6 (dual-stack sockets) and plain IPv4 name the same peer. */
function sameAddress(a: string, b: string): boolean {
  const plain = (x: string) => (x.startsWith('::ffff:') ? x.slice(7) : x);
  return plain(a) === plain(b);
}

const tags = new WeakMap<SipRequest, string>();

/** One To tag per request, so a 1xx and the final response agree (§8.2.6.2). */
function generateTagOnce(request: SipRequest): string {
  let tag = tags.get(request);
  if (!tag) {
    tag = generateTag();
    tags.set(request, tag);
  }
  return tag;
}
