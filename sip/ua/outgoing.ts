/**
 * Builders for requests the UAC core sends outside a dialog (RFC 3261 §8.1.1), CANCEL (§9.1)
 * and retries (§8.1.3.5, §22.2).
 */
import { getCSeq, parseNameAddr } from '../message/headers.js';
import { generateCallId, generateTag } from '../message/ids.js';
import { serializeNameAddr, serializeUri } from '../message/serialize.js';
import { NO_BODY, normalizeHeaderName, SipHeaders, type SipRequest, type SipUri } from '../message/types.js';
import type { TransportProtocol } from '../transport/types.js';
import type { UaContext } from './context.js';

export type HeaderInput = Record<string, string | string[]> | Iterable<readonly [string, string]>;

/** Normalizes the header shapes the public API accepts into (name, value) pairs. */
export function headerPairs(input: HeaderInput | undefined): Array<[string, string]> {
  if (!input) return [];
  if (Symbol.iterator in input) return [...(input as Iterable<readonly [string, string]>)].map(([n, v]) => [n, v]);
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(input)) {
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, v]);
  }
  return out;
}

export interface OutOfDialogInit {
  method: string;
  uri: SipUri;
  transport: TransportProtocol;
  /** User part of From (and Contact), e.g. the calling number. */
  fromUser?: string;
  /** Application headers; a From, To, Call-ID or Contact given here replaces ours. */
  headers?: HeaderInput;
  body?: Buffer | string;
  contentType?: string;
  cseq?: number;
}

/** §8.1.1: To, From (with a new tag), Call-ID, CSeq, Max-Forwards, Contact; Via comes later. */
export function buildOutOfDialog(ctx: UaContext, init: OutOfDialogInit): SipRequest {
  const extra = headerPairs(init.headers);
  const custom = new Map(extra.map(([n, v]) => [normalizeHeaderName(n), v]));
  const host = ctx.transport.sentBy(init.transport).host;
  const user = init.fromUser ?? 'voxgate';
  const headers = new SipHeaders();
  headers.append('max-forwards', '70');
  headers.append('from', withTag(custom.get('from') ?? `<sip:${user}@${bracket(host)}>`));
  headers.append('to', custom.get('to') ?? `<${serializeUri(init.uri)}>`);
  headers.append('call-id', custom.get('call-id') ?? generateCallId());
  headers.append('cseq', `${init.cseq ?? 1} ${init.method}`);
  headers.append('contact', custom.get('contact') ?? ctx.contact(init.transport, init.fromUser));
  if (ctx.userAgent) headers.append('user-agent', ctx.userAgent);
  const skip = new Set(['from', 'to', 'call-id', 'contact', 'cseq', 'via', 'content-length']);
  for (const [name, value] of extra) if (!skip.has(normalizeHeaderName(name))) headers.append(name, value);
  const body = typeof init.body === 'string' ? Buffer.from(init.body) : (init.body ?? NO_BODY);
  if (body.length > 0 && init.contentType && !headers.has('content-type')) headers.append('content-type', init.contentType);
  return { kind: 'request', method: init.method, uri: init.uri, headers, body };
}

/** A From value gets a fresh tag when it has none (§8.1.1.3). */
function withTag(from: string): string {
  const parsed = parseNameAddr(from);
  if (!parsed || parsed.params.tag) return from;
  return serializeNameAddr({ ...parsed, params: { ...parsed.params, tag: generateTag() } });
}

export function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * §9.1: a CANCEL copies the INVITE's Request-URI, Call-ID, To, From, CSeq number (method
 * CANCEL), its top Via (same branch, so it matches the INVITE's server transaction) and Routes.
 */
export function buildCancel(invite: SipRequest): SipRequest {
  const headers = new SipHeaders();
  const via = invite.headers.get('via');
  if (via) headers.append('via', via);
  headers.append('max-forwards', '70');
  for (const name of ['from', 'to', 'call-id']) headers.append(name, invite.headers.get(name) ?? '');
  headers.append('cseq', `${getCSeq(invite)?.seq ?? 1} CANCEL`);
  for (const route of invite.headers.getAll('route')) headers.append('route', route);
  return { kind: 'request', method: 'CANCEL', uri: invite.uri, headers, body: NO_BODY };
}

/**
 * A copy of `request` to send again as a new transaction (§8.1.3.5, §22.2): the same headers and
 * body, no Via (the transaction layer adds one with a new branch), and CSeq plus one.
 */
export function nextAttempt(request: SipRequest): SipRequest {
  const headers = new SipHeaders();
  for (const [name, value] of request.headers) if (name !== 'via') headers.append(name, value);
  const cseq = getCSeq(request);
  if (cseq) headers.set('cseq', `${cseq.seq + 1} ${cseq.method}`);
  return { kind: 'request', method: request.method, uri: request.uri, headers, body: request.body };
}
