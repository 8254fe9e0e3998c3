/**
 * Answering a digest challenge (RFC 3261 §22.2) with the `sip/digest` client: a 401 is answered
 * with Authorization, a 407 with Proxy-Authorization, in a new request with the next CSeq.
 * Credentials that drew a second, non-stale challenge for the same realm are wrong: no retry.
 */
import { DigestClient, parseChallenges, parseCredentials, type Credentials, type DigestChallenge } from '../digest/index.js';
import { serializeUri } from '../message/serialize.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { nextAttempt } from './outgoing.js';

export type { Credentials };

/** One digest client per operation (a call, a registration, a dialog), or none. */
export function digestFor(credentials: Credentials | undefined): DigestClient | undefined {
  return credentials ? new DigestClient(credentials) : undefined;
}

/** A challenge we answered once, to send credentials up front on later requests. */
export interface KnownChallenge {
  header: 'authorization' | 'proxy-authorization';
  challenge: DigestChallenge;
}

/** The retry of `request` answering the challenge in `response`, or undefined. */
export function authorize(
  request: SipRequest,
  response: SipResponse,
  client: DigestClient | undefined,
): { request: SipRequest; known: KnownChallenge } | undefined {
  if (!client || (response.status !== 401 && response.status !== 407)) return undefined;
  if (alreadyRefused(request, response)) return undefined;
  const next = nextAttempt(request);
  const answer = client.answer(response, target(next));
  if (!answer.ok) return undefined;
  next.headers.delete(answer.header);
  next.headers.append(answer.header, answer.value);
  return { request: next, known: { header: answer.header, challenge: answer.challenge } };
}

/** Adds credentials for a known challenge to `request` in place (nonce count incremented). */
export function signUpFront(request: SipRequest, known: KnownChallenge, client: DigestClient): void {
  request.headers.delete(known.header);
  request.headers.append(known.header, client.sign(known.challenge, target(request)));
}

function target(request: SipRequest): { method: string; uri: string; body: Buffer } {
  return { method: request.method, uri: serializeUri(request.uri), body: request.body };
}

/** RFC 2617 §3.2.1: a new challenge for a realm we already answered, without `stale`, is a refusal. */
function alreadyRefused(request: SipRequest, response: SipResponse): boolean {
  const proxy = response.status === 407;
  const sent = request.headers.getAll(proxy ? 'proxy-authorization' : 'authorization').map((v) => parseCredentials(v)?.realm);
  if (sent.length === 0) return false;
  const challenges = parseChallenges(response.headers.getAll(proxy ? 'proxy-authenticate' : 'www-authenticate'));
  return challenges.every((c) => !c.stale && sent.includes(c.realm));
}
