/**
 * Transaction matching keys (RFC 3261 §17.1.3, §17.2.3).
 */
import { getCallId, getCSeq, getFromTag, getTopVia } from '../message/headers.js';
import { isRfc3261Branch } from '../message/ids.js';
import type { SipRequest, SipResponse } from '../message/types.js';

/**
 * The parts joined into one new string. A template literal would be a rope whose leaves are
 * slices of the received message's text, and a key kept for a transaction's 64·T1 tail would
 * then keep the whole message alive; `join` copies the characters into a flat string.
 */
function joinKey(...parts: Array<string | number>): string {
  return parts.join('|');
}

/**
 * §17.1.3: a response matches a client transaction by the branch of its top Via and the method
 * of its CSeq (a CANCEL shares its INVITE's branch).
 */
export function clientKey(message: SipRequest | SipResponse): string | undefined {
  const branch = getTopVia(message)?.params.branch;
  const method = getCSeq(message)?.method;
  if (!branch || !method) return undefined;
  return joinKey(branch, method);
}

/**
 * §17.2.3: a request matches a server transaction by top-Via branch, sent-by and method, where an
 * ACK matches its INVITE. Requests without the RFC 3261 magic cookie fall back to the RFC 2543
 * identifiers (Call-ID, CSeq number, From tag, top Via).
 */
export function serverKey(request: SipRequest, method = request.method === 'ACK' ? 'INVITE' : request.method): string | undefined {
  const via = getTopVia(request);
  if (!via) return undefined;
  const sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
  const branch = via.params.branch;
  if (isRfc3261Branch(branch)) return joinKey(branch, sentBy, method);
  const cseq = getCSeq(request);
  const callId = getCallId(request);
  if (!cseq || !callId) return undefined;
  return joinKey('2543', callId, cseq.seq, getFromTag(request) ?? '', sentBy, branch ?? '', method);
}

/**
 * §8.2.2.2: requests without a To tag that share From tag, Call-ID and CSeq with a pending
 * server transaction but arrive on a different branch are merged requests (→ 482).
 */
export function mergeKey(request: SipRequest): string | undefined {
  const cseq = getCSeq(request);
  const callId = getCallId(request);
  const fromTag = getFromTag(request);
  if (!cseq || !callId || !fromTag) return undefined;
  return joinKey(callId, fromTag, cseq.seq, cseq.method);
}
