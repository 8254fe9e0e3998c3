/**
 * Serialization to wire format (RFC 3261 §7). Header names come out in canonical case, one
 * line per value, and Content-Length is always recomputed from the body (§18.3: it MUST be
 * present on stream transports, and a stale value would break framing).
 */
import { NO_BODY, SipHeaders, canonicalHeaderName, type NameAddr, type SipMessage, type SipResponse, type UriParams, type Via } from './types.js';
import { isToken, quote } from './scan.js';
import { serializeUri } from './uri.js';

export { serializeUri } from './uri.js';

/** CR/LF inside a value would let a value inject headers; fold them to a space. */
function oneLine(s: string): string {
  return s.indexOf('\r') === -1 && s.indexOf('\n') === -1 ? s : s.replace(/[\r\n]+/g, ' ');
}

/** `;name=value` list; values are written as given (quoted values keep their quotes). */
export function serializeParams(params: UriParams): string {
  let out = '';
  for (const [name, value] of Object.entries(params)) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/**
 * name-addr form with the URI always in angle brackets, which is never ambiguous
 * (RFC 3261 §20.10). Display names that are not a plain token list are quoted.
 */
export function serializeNameAddr(na: NameAddr): string {
  let out = '';
  if (na.displayName !== undefined && na.displayName !== '') {
    const plain = na.displayName.split(' ').every((w) => isToken(w));
    out += (plain ? na.displayName : quote(na.displayName)) + ' ';
  }
  return out + '<' + serializeUri(na.uri) + '>' + serializeParams(na.params);
}

export function serializeVia(via: Via): string {
  const host = via.host.indexOf(':') !== -1 ? `[${via.host}]` : via.host;
  const port = via.port !== undefined ? `:${via.port}` : '';
  return `${via.protocol}/${via.transport} ${host}${port}${serializeParams(via.params)}`;
}

export function serializeStartLine(msg: SipMessage): string {
  return msg.kind === 'request'
    ? `${msg.method} ${serializeUri(msg.uri)} SIP/2.0`
    : `SIP/2.0 ${msg.status} ${oneLine(msg.reason)}`;
}

export function serializeMessage(msg: SipMessage): Buffer {
  let head = serializeStartLine(msg) + '\r\n';
  const headers = msg.headers;
  for (let i = 0; i < headers.size; i++) {
    const name = headers.nameAt(i);
    if (name === 'content-length') continue;
    head += canonicalHeaderName(name) + ': ' + oneLine(headers.valueAt(i)) + '\r\n';
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  // Head and body written into one buffer: no separate head buffer copied again by concat.
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLength);
  return out;
}

/**
 * Wire bytes of a message serialized before (a message is not changed once sent), kept on the
 * message itself: a WeakMap entry per sent message cost more than the serialization it saves
 * (every GC has to process the ephemerons). The record names its owner so that a copy made
 * with spread, which carries the record along, is serialized afresh.
 */
const WIRE = Symbol('wire');

interface WireRecord {
  owner: SipMessage;
  bytes: Buffer;
}

type Wired = SipMessage & { [WIRE]?: WireRecord };


/** The wire form of a message, serialized once however often it is sent (retransmissions). */
export function wireBytes(msg: SipMessage): Buffer {
  const record = (msg as Wired)[WIRE];
  if (record !== undefined && record.owner === msg) return record.bytes;
  const bytes = serializeMessage(msg);
  remember(msg, bytes);
  return bytes;
}

function remember(msg: SipMessage, bytes: Buffer): void {
  (msg as Wired)[WIRE] = { owner: msg, bytes };
}

/**
 * A stand-in for a sent response that keeps only its status line fields and its wire bytes: a
 * transaction that may retransmit a response for 64·T1 holds this instead of the parsed headers
 * (whose strings would keep the whole request text alive for as long).
 */
export function wireOnlyResponse(msg: SipResponse): SipResponse {
  const data = wireBytes(msg);
  const stub: SipResponse = { kind: 'response', status: msg.status, reason: msg.reason, headers: new SipHeaders(), body: NO_BODY };
  remember(stub, data);
  return stub;
}
