/** Builders for requests (RFC 3261 §8.1.1) and responses (§8.2.6) used by the upper layers. */
import { NO_BODY, SipHeaders, type NameAddr, type SipRequest, type SipResponse, type SipUri, type Via } from './types.js';
import { parseNameAddr, parseUri, toOfHeaders } from './headers.js';
import { serializeNameAddr, serializeUri, serializeVia } from './serialize.js';
import type { PartialMessage } from './parse.js';

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  199: 'Early Dialog Terminated', 200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy',
  380: 'Alternative Service', 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Long', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme',
  420: 'Bad Extension', 421: 'Extension Required', 422: 'Session Interval Too Small', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending', 493: 'Undecipherable',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large', 580: 'Precondition Failure',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

/** The RFC 3261 §21 reason phrase for a status code (a generic one for unknown codes). */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? REASONS[Math.floor(status / 100) * 100] ?? 'Unknown';
}

type Addr = NameAddr | string;

export interface RequestInit {
  method: string;
  uri: SipUri | string;
  from: Addr;
  to: Addr;
  callId: string;
  cseq: number;
  /** Top-most first. */
  via: Via | string | Array<Via | string>;
  maxForwards?: number;
  contact?: Addr;
  /** Extra headers in order (name, value). */
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

const addrText = (a: Addr): string => (typeof a === 'string' ? a : serializeNameAddr(a));

/** Builds a request with the mandatory headers of RFC 3261 §8.1.1 in the usual order. */
export function createRequest(init: RequestInit): SipRequest {
  const uri = typeof init.uri === 'string' ? parseUri(init.uri) : init.uri;
  if (!uri) throw new TypeError(`invalid Request-URI: ${String(init.uri)}`);
  const headers = new SipHeaders();
  const vias = Array.isArray(init.via) ? init.via : [init.via];
  for (const v of vias) headers.append('via', typeof v === 'string' ? v : serializeVia(v));
  headers.append('max-forwards', String(init.maxForwards ?? 70));
  headers.append('from', addrText(init.from));
  headers.append('to', addrText(init.to));
  headers.append('call-id', init.callId);
  headers.append('cseq', `${init.cseq} ${init.method}`);
  if (init.contact !== undefined) headers.append('contact', addrText(init.contact));
  for (const [n, v] of init.headers ?? []) headers.append(n, v);
  const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : (init.body ?? NO_BODY);
  if (init.contentType !== undefined) headers.set('content-type', init.contentType);
  return { kind: 'request', method: init.method, uri, headers, body };
}

export interface ResponseOptions {
  /** Adds this tag to To when the request's To has none (RFC 3261 §8.2.6.2). */
  toTag?: string;
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

function withToTag(to: string, tag: string, headers: SipHeaders): string {
  // The request's To as parsed when it was validated (cached), not parsed again per response.
  const na = headers.get('to') === to ? toOfHeaders(headers) : parseNameAddr(to);
  if (na?.params.tag) return to;
  // The tag is the last header parameter: the request's To text stays as the peer wrote it.
  return `${to};tag=${tag}`;
}

/**
 * Builds a response to a request, or to the `partial` of a request that failed to parse:
 * Via (all values, in order), From, To, Call-ID and CSeq are copied (RFC 3261 §8.2.6.2),
 * and Timestamp for 100 Trying (§8.2.6.1).
 */
export function createResponse(
  request: SipRequest | PartialMessage,
  status: number,
  reason?: string,
  options: ResponseOptions = {},
): SipResponse {
  const src = request.headers;
  const headers = new SipHeaders();
  for (const v of src.getAll('via')) headers.append('via', v);
  for (const name of ['from', 'to', 'call-id', 'cseq'] as const) {
    const v = src.get(name);
    if (v === undefined) continue;
    headers.append(name, name === 'to' && options.toTag && status !== 100 ? withToTag(v, options.toTag, src) : v);
  }
  const ts = src.get('timestamp');
  if (status === 100 && ts !== undefined) headers.append('timestamp', ts);
  for (const [n, v] of options.headers ?? []) headers.append(n, v);
  if (options.contentType !== undefined) headers.set('content-type', options.contentType);
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : (options.body ?? NO_BODY);
  return { kind: 'response', status, reason: reason ?? reasonPhrase(status), headers, body };
}

/** True when a failed parse can still be answered: a request (not ACK) with a readable Via. */
export function canRespond(partial: PartialMessage | undefined): partial is PartialMessage {
  return !!partial && partial.kind === 'request' && partial.method !== 'ACK' && partial.headers.has('via');
}

export { serializeUri };
