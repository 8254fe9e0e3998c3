/**
 * The number a caller dialed (DESIGN §3 step 2): the Request-URI's user part, else the To
 * header's, normalised to E.164. Trunks write it in many ways — `+31850835037`,
 * `0031850835037`, `31850835037`, `tel:+31…`, with `;phone-context` or visual separators.
 */
import type { IncomingRequest } from '../../sip/index.js';
import { normalizeE164 } from '../phone.js';

function asE164(user: string | undefined): string | null {
  if (!user) return null;
  const bare = user.split(';')[0]; // user parameters such as ;phone-context=… (RFC 3966 §5.1.5)
  return normalizeE164(bare, { bareDigitsAreInternational: true });
}

export function dialedNumber(req: Pick<IncomingRequest, 'uri' | 'to'>): string | null {
  return asE164(req.uri.user) ?? asE164(req.to.uri.user);
}

/** The caller's number for the call record, or null for anonymous and non-numeric callers. */
export function callerNumber(req: Pick<IncomingRequest, 'from'>): string | null {
  return asE164(req.from.uri.user);
}
