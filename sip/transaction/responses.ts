/**
 * The minimal response the transaction layer builds on its own: 100 Trying and stateless 503
 * (RFC 3261 §8.2.6). The UA core builds its richer responses with the message layer's builder.
 */
import { SipHeaders, type SipRequest, type SipResponse } from '../message/types.js';

/** §8.2.6.2: copy Via, From, To, Call-ID and CSeq; §8.2.6.1: echo Timestamp in a 100. */
export function responseTo(request: SipRequest, status: number, reason: string): SipResponse {
  const headers = new SipHeaders();
  for (const via of request.headers.getAll('via')) headers.append('via', via);
  for (const name of ['from', 'to', 'call-id', 'cseq']) {
    const value = request.headers.get(name);
    if (value !== undefined) headers.append(name, value);
  }
  const timestamp = request.headers.get('timestamp');
  if (status === 100 && timestamp !== undefined) headers.append('timestamp', timestamp);
  headers.append('content-length', '0');
  return { kind: 'response', status, reason, headers, body: Buffer.alloc(0) };
}
