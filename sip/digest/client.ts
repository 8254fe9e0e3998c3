/**
 * Digest client (RFC 3261 §22.2–§22.3, RFC 2617, RFC 7616): reads the challenges of a 401/407,
 * picks the strongest one we support, and builds the Authorization / Proxy-Authorization
 * value for the retried request, counting nonce uses per nonce.
 */
import { randomBytes } from 'node:crypto';
import { algorithmRank, computeResponse, formatNc, hashHex, parseAlgorithm, type DigestAlgorithm, type DigestQop } from './compute.js';
import { parseAuthValues, serializeAuthValue } from './params.js';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  /** qop options offered; empty for an RFC 2069 challenge. */
  qop: DigestQop[];
  opaque?: string;
  /** RFC 2617 §3.2.1: the nonce expired but the credentials were right; retry without asking the user. */
  stale: boolean;
  /** RFC 7616 §3.4.4 */
  userhash: boolean;
  domain?: string;
}

/** Reads every Digest challenge from WWW-Authenticate / Proxy-Authenticate values; skips what we cannot use. */
export function parseChallenges(values: string | string[]): DigestChallenge[] {
  const out: DigestChallenge[] = [];
  for (const value of Array.isArray(values) ? values : [values]) {
    for (const v of parseAuthValues(value) ?? []) {
      if (v.scheme.toLowerCase() !== 'digest') continue;
      const p = v.params;
      const algorithm = parseAlgorithm(p.algorithm);
      if (!algorithm || p.realm === undefined || !p.nonce) continue;
      const qop = (p.qop ?? '')
        .split(',')
        .map((q) => q.trim().toLowerCase())
        .filter((q): q is DigestQop => q === 'auth' || q === 'auth-int');
      // A qop list naming only unknown options cannot be answered.
      if (p.qop !== undefined && qop.length === 0) continue;
      const c: DigestChallenge = { realm: p.realm, nonce: p.nonce, algorithm, qop, stale: p.stale?.toLowerCase() === 'true', userhash: p.userhash?.toLowerCase() === 'true' };
      if (p.opaque !== undefined) c.opaque = p.opaque;
      if (p.domain !== undefined) c.domain = p.domain;
      out.push(c);
    }
  }
  return out;
}

/** The strongest challenge: SHA-512-256 over SHA-256 over MD5 (RFC 7616 §3.7); first wins a tie. */
export function selectChallenge(challenges: DigestChallenge[]): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const c of challenges) if (!best || algorithmRank(c.algorithm) > algorithmRank(best.algorithm)) best = c;
  return best;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface AuthorizeRequest {
  method: string;
  /** The Request-URI exactly as it will be sent (digest-uri). */
  uri: string;
  body?: Buffer;
}

export interface AuthorizeOptions {
  /** Defaults to 1; the DigestClient counts for you. */
  nc?: number;
  cnonce?: string;
  /** Use auth-int when offered (costs a hash of the body); default false. */
  preferAuthInt?: boolean;
}

/** Builds the credentials value for one challenge (RFC 7616 §3.4). */
export function buildAuthorization(
  challenge: DigestChallenge,
  credentials: Credentials,
  request: AuthorizeRequest,
  options: AuthorizeOptions = {},
): string {
  const qop: DigestQop | undefined =
    challenge.qop.length === 0
      ? undefined // RFC 2069 compatibility: no qop, no cnonce, no nc
      : options.preferAuthInt && challenge.qop.includes('auth-int')
        ? 'auth-int'
        : challenge.qop.includes('auth')
          ? 'auth'
          : 'auth-int';
  const cnonce = qop || challenge.algorithm.endsWith('-sess') ? (options.cnonce ?? randomBytes(12).toString('hex')) : undefined;
  const nc = qop ? formatNc(options.nc ?? 1) : undefined;
  const response = computeResponse({
    algorithm: challenge.algorithm,
    username: credentials.username,
    realm: challenge.realm,
    password: credentials.password,
    method: request.method,
    uri: request.uri,
    nonce: challenge.nonce,
    qop,
    nc,
    cnonce,
    body: request.body,
  });
  const username = challenge.userhash ? hashHex(challenge.algorithm, `${credentials.username}:${challenge.realm}`) : credentials.username;
  return serializeAuthValue('Digest', [
    ['username', username],
    ['realm', challenge.realm],
    ['nonce', challenge.nonce],
    ['uri', request.uri],
    ['response', response],
    ['algorithm', challenge.algorithm],
    ['cnonce', cnonce],
    ['opaque', challenge.opaque],
    ['qop', qop],
    ['nc', nc],
    ['userhash', challenge.userhash ? 'true' : undefined],
  ]);
}

export type DigestAnswer =
  | { ok: true; header: 'authorization' | 'proxy-authorization'; value: string; challenge: DigestChallenge }
  /** no-challenge: nothing usable offered; rejected: the same credentials failed for this nonce already. */
  | { ok: false; reason: 'no-challenge' | 'rejected' };

interface ChallengedResponse {
  status: number;
  headers: { getAll(name: string): string[] };
}

/**
 * Stateful client for one set of credentials: answers 401/407 responses, increments the nonce
 * count on every reuse of a nonce, and gives up when the server refuses the same nonce twice
 * without `stale=true` (RFC 3261 §22.2: do not retry credentials that were just rejected).
 */
export class DigestClient {
  private readonly counts = new Map<string, number>();
  private readonly cnonces = new Map<string, string>();

  constructor(private readonly credentials: Credentials) {}

  answer(response: ChallengedResponse, request: AuthorizeRequest, options: { preferAuthInt?: boolean } = {}): DigestAnswer {
    const proxy = response.status === 407;
    const challenge = selectChallenge(parseChallenges(response.headers.getAll(proxy ? 'proxy-authenticate' : 'www-authenticate')));
    if (!challenge) return { ok: false, reason: 'no-challenge' };
    const key = `${challenge.realm}\u0000${challenge.nonce}`;
    const used = this.counts.get(key) ?? 0;
    // A second challenge with a nonce we already answered and no stale flag means bad credentials.
    if (used > 0 && !challenge.stale) return { ok: false, reason: 'rejected' };
    return { ok: true, header: proxy ? 'proxy-authorization' : 'authorization', value: this.sign(challenge, request, options), challenge };
  }

  /** Credentials for a later request reusing a known challenge (pre-emptive, nc incremented). */
  sign(challenge: DigestChallenge, request: AuthorizeRequest, options: { preferAuthInt?: boolean } = {}): string {
    const key = `${challenge.realm}\u0000${challenge.nonce}`;
    const nc = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, nc);
    let cnonce = this.cnonces.get(key);
    if (!cnonce) {
      cnonce = randomBytes(12).toString('hex');
      this.cnonces.set(key, cnonce);
    }
    if (this.counts.size > 64) this.forgetOldest();
    return buildAuthorization(challenge, this.credentials, request, { nc, cnonce, preferAuthInt: options.preferAuthInt });
  }

  private forgetOldest(): void {
    const oldest = this.counts.keys().next().value;
    if (oldest !== undefined) {
      this.counts.delete(oldest);
      this.cnonces.delete(oldest);
    }
  }
}
