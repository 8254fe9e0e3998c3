/**
 * Answering a digest challenge (RFC 3261 §22.2) with the `sip/digest` client: a 401 is answered
 * with Authorization, a 407 with Proxy-Authorization, in a new request with the next CSeq. The
 * digest client remembers nonces, so a second challenge for credentials it already sent (and not
 * marked `stale`) yields no retry.
 */
import { DigestClient, type Credentials } from '../digest/index.js';
import { serializeUri } from '../message/serialize.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { nextAttempt } from './outgoing.js';

export type { Credentials };

/** One digest client per operation (a call, a registration, a dialog), or none. */
export function digestFor(credentials: Credentials | undefined): DigestClient | undefined {
  return credentials ? new DigestClient(credentials) : undefined;
}

export function authorize(request: SipRequest, response: SipResponse, client: DigestClient | undefined): SipRequest | undefined {
  if (!client || (response.status !== 401 && response.status !== 407)) return undefined;
  const answer = client.answer(response, { method: request.method, uri: serializeUri(request.uri), body: request.body });
  if (!answer.ok) return undefined;
  const next = nextAttempt(request);
  next.headers.delete(answer.header);
  next.headers.append(answer.header, answer.value);
  return next;
}
