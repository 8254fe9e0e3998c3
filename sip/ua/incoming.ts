/**
 * The application's view of a received request (`req`) and its way to answer (`res`), in the
 * drachtio-srf shape: `ua.on('invite', (req, res) => …)`.
 */
import { getContentType, getFrom, getTo } from '../message/headers.js';
import { serializeUri } from '../message/serialize.js';
import type { NameAddr, SipHeaders, SipRequest, SipResponse, SipUri } from '../message/types.js';
import type { Source, TransportProtocol } from '../transport/types.js';
import { TypedEmitter } from './emitter.js';
import { SipError } from './errors.js';
import type { ReplyOptions } from './responses.js';

export interface RequestSource {
  address: string;
  port: number;
  transport: TransportProtocol;
}

export interface IncomingRequestEvents {
  /** The caller sent CANCEL before we answered (§9.2); we have already answered 487. */
  cancel: [];
}

export class IncomingRequest extends TypedEmitter<IncomingRequestEvents> {
  readonly method: string;
  readonly uri: SipUri;
  readonly headers: SipHeaders;
  readonly body: Buffer;
  readonly source: RequestSource;
  private wasCanceled = false;

  constructor(
    readonly message: SipRequest,
    source: Source,
  ) {
    super();
    this.method = message.method;
    this.uri = message.uri;
    this.headers = message.headers;
    this.body = message.body;
    this.source = { address: source.address, port: source.port, transport: source.transport };
  }

  // Read on demand: most requests reach code that never looks at them (a BYE, an ACK'd INVITE).
  get callId(): string {
    return this.headers.get('call-id') ?? '';
  }

  get from(): NameAddr {
    return getFrom(this.message) ?? emptyNameAddr();
  }

  get to(): NameAddr {
    return getTo(this.message) ?? emptyNameAddr();
  }

  /** First value of a header (case-insensitive, compact forms accepted). */
  get(name: string): string | undefined {
    return this.headers.get(name);
  }

  getAll(name: string): string[] {
    return this.headers.getAll(name);
  }

  has(name: string): boolean {
    return this.headers.has(name);
  }

  get uriString(): string {
    return serializeUri(this.uri);
  }

  get contentType(): string | undefined {
    return getContentType(this.message);
  }

  get bodyText(): string {
    return this.body.toString('utf8');
  }

  /** The SDP body, when the request carries `application/sdp`. */
  get sdp(): string | undefined {
    return this.body.length > 0 && this.contentType === 'application/sdp' ? this.bodyText : undefined;
  }

  get canceled(): boolean {
    return this.wasCanceled;
  }

  /** @internal Called by the UA core when a CANCEL matched this request. */
  markCanceled(): void {
    if (this.wasCanceled) return;
    this.wasCanceled = true;
    this.emit('cancel');
  }
}

function emptyNameAddr(): NameAddr {
  return { uri: { scheme: 'sip', host: '', params: {}, headers: {} }, params: {} };
}

/** How the UA core actually sends a response for a request; false when refused. */
export type Responder = (status: number, reason: string | undefined, options: ReplyOptions) => SipResponse | undefined;

export class ServerResponse {
  private last?: number;

  constructor(
    private readonly responder: Responder,
    private readonly method: string,
    /** A 2xx to an initial INVITE goes through `ua.createUAS`, which builds the dialog. */
    private readonly successViaCreateUas = false,
  ) {}

  /** Sends a provisional or final response; returns false when a final one was already sent. */
  send(status: number, reason?: string | ReplyOptions, options: ReplyOptions = {}): boolean {
    if (typeof reason === 'object') return this.send(status, undefined, reason);
    if (this.successViaCreateUas && status >= 200 && status < 300) {
      throw new SipError('SIP_INVALID_STATE', 500, 'answer an INVITE with ua.createUAS()');
    }
    if (this.finalSent || !Number.isInteger(status) || status < 100 || status > 699) return false;
    if (status === 100 && this.method === 'INVITE') return true; // the transaction sent it already
    const sent = this.responder(status, reason, options);
    if (sent) this.last = status;
    return sent !== undefined;
  }

  /** @internal Used by createUAS and the dialog to send the 2xx. */
  sendInternal(status: number, reason: string | undefined, options: ReplyOptions): SipResponse | undefined {
    if (this.finalSent) return undefined;
    const sent = this.responder(status, reason, options);
    if (sent) this.last = status;
    return sent;
  }

  /** The status of the last response sent, if any. */
  get status(): number | undefined {
    return this.last;
  }

  get finalSent(): boolean {
    return this.last !== undefined && this.last >= 200;
  }
}
