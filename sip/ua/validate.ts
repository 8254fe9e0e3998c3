/**
 * The UAS checks of RFC 3261 §8.2 that come before any method-specific processing, as a pure
 * function from a request to the rejection to send (or undefined).
 */
import { getCallId, getContacts, getContentType, getCSeq, getFrom, getTo } from '../message/headers.js';
import type { SipRequest } from '../message/types.js';
import { SUPPORTED_EXTENSIONS } from './context.js';

export interface Rejection {
  status: number;
  reason?: string;
  headers?: Array<[string, string]>;
}

/** Bodies we understand on offer/answer requests (§8.2.3 → 415 otherwise). */
const ACCEPTED_TYPES = new Set(['application/sdp']);

export function validateRequest(request: SipRequest): Rejection | undefined {
  // §8.1.1: To, From, Call-ID, CSeq are mandatory; the parser enforces most of this already.
  if (!getTo(request) || !getFrom(request) || !getCallId(request) || !getCSeq(request)) {
    return { status: 400, reason: 'Missing Mandatory Header' };
  }
  if (request.method === 'ACK' || request.method === 'CANCEL') return undefined;
  // §8.2.2.3: every option tag in Require must be one we support, else 420 listing the others.
  const unsupported = requiredOptions(request).filter((tag) => !SUPPORTED_EXTENSIONS.has(tag));
  if (unsupported.length > 0) {
    return { status: 420, headers: [['Unsupported', unsupported.join(', ')]] };
  }
  if (request.method === 'INVITE' || request.method === 'UPDATE') {
    // §8.2.3: a body we cannot read is 415 with Accept.
    const type = getContentType(request);
    if (request.body.length > 0 && type && !ACCEPTED_TYPES.has(type)) {
      return { status: 415, headers: [['Accept', 'application/sdp']] };
    }
  }
  // §8.1.1.8: an INVITE must carry exactly one Contact URI to become a dialog's remote target.
  if (request.method === 'INVITE') {
    const contacts = getContacts(request);
    if (!contacts || contacts.length !== 1 || contacts[0] === '*') return { status: 400, reason: 'Bad Contact' };
  }
  return undefined;
}

function requiredOptions(request: SipRequest): string[] {
  return request.headers
    .getAll('require')
    .map((tag) => tag.trim().toLowerCase())
    .filter((tag) => tag !== '');
}
