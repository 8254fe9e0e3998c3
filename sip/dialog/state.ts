/**
 * Dialog state (RFC 3261 §12): the dialog id (Call-ID, local tag, remote tag), local and remote
 * URIs, CSeq numbers, remote target and route set, and the construction of requests inside the
 * dialog (§12.2.1.1). Pure data: no I/O and no timers.
 */
import {
  getCallId,
  getContacts,
  getCSeq,
  getFrom,
  getRoutes,
  getTo,
} from '../message/headers.js';
import { serializeNameAddr, serializeUri } from '../message/serialize.js';
import { NO_BODY, SipHeaders, type NameAddr, type SipMessage, type SipRequest, type SipResponse, type SipUri } from '../message/types.js';

export type DialogRole = 'uac' | 'uas';

export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

export interface InDialogRequestOptions {
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer | string;
  contentType?: string;
  /** CSeq number to use instead of the next local one (ACK, CANCEL). */
  seq?: number;
}

export class DialogState {
  /** Highest CSeq number seen from the remote side (§12.2.2); undefined until the first request. */
  remoteSeq?: number;

  private constructor(
    readonly role: DialogRole,
    readonly id: DialogId,
    /** Our URI with our tag (From of our requests). */
    readonly local: NameAddr,
    /** The peer's URI with its tag (To of our requests). */
    readonly remote: NameAddr,
    public localSeq: number,
    public remoteTarget: SipUri,
    /** Route set in the order Route headers are written (§12.1.1, §12.1.2). */
    readonly routeSet: readonly NameAddr[],
    /** Our Contact header value. */
    readonly localContact: string,
  ) {}

  /**
   * §12.1.1: the UAS side of a dialog created by a 2xx (or 101–199 with a tag) to `request`:
   * route set = Record-Route in order, remote target = Contact, remote seq = CSeq.
   */
  static asUas(request: SipRequest, localTag: string, localContact: string): DialogState | undefined {
    const from = getFrom(request);
    const to = getTo(request);
    const callId = getCallId(request);
    const contact = firstContact(request);
    const cseq = getCSeq(request);
    const routes = getRoutes(request, 'record-route');
    const remoteTag = from?.params.tag;
    if (!from || !to || !callId || !contact || !cseq || !routes || typeof remoteTag !== 'string') return undefined;
    const local: NameAddr = { ...to, params: { ...to.params, tag: localTag } };
    const state = new DialogState('uas', { callId, localTag, remoteTag }, local, from, 0, contact, routes, localContact);
    state.remoteSeq = cseq.seq;
    return state;
  }

  /**
   * §12.1.2: the UAC side of a dialog created by `response` to `request`: route set =
   * Record-Route of the response reversed, remote target = its Contact, local seq = the CSeq.
   */
  static asUac(request: SipRequest, response: SipResponse, localContact: string): DialogState | undefined {
    const from = getFrom(request);
    const to = getTo(response);
    const callId = getCallId(request);
    const contact = firstContact(response);
    const cseq = getCSeq(request);
    const routes = getRoutes(response, 'record-route');
    const localTag = from?.params.tag;
    const remoteTag = to?.params.tag;
    if (!from || !to || !callId || !contact || !cseq || !routes) return undefined;
    if (typeof localTag !== 'string' || typeof remoteTag !== 'string') return undefined;
    const id = { callId, localTag, remoteTag };
    return new DialogState('uac', id, from, to, cseq.seq, contact, [...routes].reverse(), localContact);
  }

  /** §12.2.1.1: the next local CSeq number. */
  nextSeq(): number {
    this.localSeq += 1;
    return this.localSeq;
  }

  /**
   * §12.2.2: a request with a CSeq lower than the remote sequence number is out of order (→ 500).
   * Otherwise the remote sequence number advances.
   */
  acceptRemoteSeq(seq: number): boolean {
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /** §12.2.1.2 / §12.2.2: a target refresh request or its 2xx replaces the remote target. */
  refreshTarget(message: SipMessage): void {
    const contact = firstContact(message);
    if (contact) this.remoteTarget = contact;
  }

  /** The URI of the next hop: the first route, or the remote target (§12.2.1.1, §8.1.2). */
  nextHop(): SipUri {
    return this.routeSet[0]?.uri ?? this.remoteTarget;
  }

  /**
   * §12.2.1.1: To = remote URI and tag, From = local URI and tag, Call-ID, CSeq, and the
   * Request-URI / Route from the route set (loose routing when the first route has `lr`,
   * strict routing otherwise).
   */
  createRequest(method: string, options: InDialogRequestOptions = {}): SipRequest {
    const seq = options.seq ?? this.nextSeq();
    const headers = new SipHeaders();
    headers.append('max-forwards', '70');
    headers.append('from', serializeNameAddr(this.local));
    headers.append('to', serializeNameAddr(this.remote));
    headers.append('call-id', this.id.callId);
    headers.append('cseq', `${seq} ${method}`);
    const { uri, routes } = this.requestTarget();
    for (const route of routes) headers.append('route', route);
    if (method !== 'ACK' && method !== 'CANCEL') headers.append('contact', this.localContact);
    for (const [name, value] of options.headers ?? []) headers.append(name, value);
    const body = typeof options.body === 'string' ? Buffer.from(options.body) : (options.body ?? NO_BODY);
    if (options.contentType !== undefined && body.length > 0) headers.set('content-type', options.contentType);
    return { kind: 'request', method, uri, headers, body };
  }

  private requestTarget(): { uri: SipUri; routes: string[] } {
    const first = this.routeSet[0];
    if (!first || 'lr' in first.uri.params) {
      return { uri: this.remoteTarget, routes: this.routeSet.map((r) => serializeNameAddr(r)) };
    }
    // §12.2.1.1 strict routing: the first route becomes the Request-URI (without parameters not
    // allowed there) and the remote target goes last in the Route set.
    const uri: SipUri = { ...first.uri, params: { ...first.uri.params }, headers: {} };
    delete uri.params.method;
    const rest = this.routeSet.slice(1).map((r) => serializeNameAddr(r));
    rest.push(`<${serializeUri(this.remoteTarget)}>`);
    return { uri, routes: rest };
  }
}

function firstContact(message: SipMessage): SipUri | undefined {
  const contacts = getContacts(message);
  const first = contacts?.[0];
  return first && first !== '*' ? first.uri : undefined;
}
