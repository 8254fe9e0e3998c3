/**
 * Responses the UAS core builds (RFC 3261 §8.2.6, §12.1.1): the message layer's builder plus
 * the To tag, Contact and Record-Route a dialog-creating response needs, Server, and Allow /
 * Supported / Accept where they are mandatory or useful (2xx to INVITE and OPTIONS, 405).
 */
import { createResponse } from '../message/build.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { ACCEPT, ALLOW, SUPPORTED, type UaContext } from './context.js';
import { headerPairs, type HeaderInput } from './outgoing.js';

export interface ReplyOptions {
  headers?: HeaderInput;
  body?: Buffer | string;
  contentType?: string;
}

export interface ReplyContext {
  /** The To tag to add when the request has none (one per UAS dialog, §8.2.6.2). */
  toTag?: string;
  /** Our Contact, for responses that establish or refresh a dialog (§12.1.1, §13.3.1). */
  contact?: string;
}

const OFFER_ANSWER = new Set(['INVITE', 'UPDATE']);

/** Methods whose 2xx (and, for INVITE, 101–199) carry a Contact and create or refresh a dialog. */
const DIALOG_METHODS = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export function buildResponse(
  ctx: Pick<UaContext, 'userAgent'>,
  request: SipRequest,
  status: number,
  reason: string | undefined,
  options: ReplyOptions = {},
  reply: ReplyContext = {},
): SipResponse {
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  // A body on a response to INVITE/UPDATE (183 early media, 200) is SDP unless said otherwise.
  const contentType = options.contentType ?? (OFFER_ANSWER.has(request.method) ? 'application/sdp' : undefined);
  const response = createResponse(request, status, reason, {
    toTag: status > 100 ? reply.toTag : undefined,
    body,
    contentType: body && body.length > 0 ? contentType : undefined,
  });
  const h = response.headers;
  const dialogForming = DIALOG_METHODS.has(request.method) && status > 100 && status < 300;
  if (dialogForming && request.method === 'INVITE') {
    for (const rr of request.headers.getAll('record-route')) h.append('record-route', rr);
  }
  if (dialogForming && reply.contact) h.append('contact', reply.contact);
  if ((status >= 200 && status < 300 && (request.method === 'INVITE' || request.method === 'OPTIONS')) || status === 405) {
    h.append('allow', ALLOW);
    h.append('supported', SUPPORTED);
    if (request.method === 'OPTIONS') h.append('accept', ACCEPT);
  }
  if (ctx.userAgent) h.append('server', ctx.userAgent);
  // Most responses carry no extra headers: skipping the loop for them keeps its feedback on one
  // array shape (an empty array's map differs from a pairs array's; a switch deoptimised this).
  if (options.headers) {
    for (const [name, value] of headerPairs(options.headers)) {
      if (name.toLowerCase() === 'contact') h.set('contact', value);
      else h.append(name, value);
    }
  }
  return response;
}
