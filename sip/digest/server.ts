/**
 * Digest server side (RFC 3261 §22.4, RFC 7616 §3.3, §3.5): challenges with self-validating
 * nonces (timestamp + random + HMAC, so no state is needed to know a nonce is ours and
 * fresh), verification of Authorization values, and nonce-count replay protection.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { computeResponse, parseAlgorithm, type DigestAlgorithm, type DigestQop } from './compute.js';
import { parseAuthValues, serializeAuthValue } from './params.js';

export interface ChallengeOptions {
  realm: string;
  algorithm?: DigestAlgorithm;
  /** Default ['auth']; [] produces an RFC 2069 challenge. */
  qop?: DigestQop[];
  opaque?: string;
  stale?: boolean;
  /** Defaults to a fresh random nonce; DigestServer passes its signed nonces. */
  nonce?: string;
}

/** A WWW-Authenticate / Proxy-Authenticate value. */
export function createChallenge(options: ChallengeOptions): string {
  const qop = options.qop ?? ['auth'];
  return serializeAuthValue('Digest', [
    ['realm', options.realm],
    ['nonce', options.nonce ?? randomBytes(18).toString('base64url')],
    ['opaque', options.opaque],
    ['algorithm', options.algorithm ?? 'MD5'],
    ['qop', qop.length > 0 ? `"${qop.join(',')}"` : undefined],
    ['stale', options.stale ? 'true' : undefined],
  ]);
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: DigestQop;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

/** Parses an Authorization / Proxy-Authorization value; undefined when it is not usable Digest. */
export function parseCredentials(value: string): DigestCredentials | undefined {
  const v = parseAuthValues(value)?.[0];
  if (!v || v.scheme.toLowerCase() !== 'digest') return undefined;
  const p = v.params;
  const algorithm = parseAlgorithm(p.algorithm);
  if (!algorithm || p.username === undefined || p.realm === undefined || !p.nonce || p.uri === undefined || !p.response) return undefined;
  const qop = p.qop?.toLowerCase();
  if (qop !== undefined && qop !== 'auth' && qop !== 'auth-int') return undefined;
  if (qop && (!/^[0-9a-fA-F]{8}$/.test(p.nc ?? '') || !p.cnonce)) return undefined;
  const c: DigestCredentials = { username: p.username, realm: p.realm, nonce: p.nonce, uri: p.uri, response: p.response, algorithm };
  if (qop) Object.assign(c, { qop, nc: p.nc, cnonce: p.cnonce });
  if (p.opaque !== undefined) c.opaque = p.opaque;
  return c;
}

export type VerifyFailure = 'malformed' | 'realm' | 'algorithm' | 'unknown-user' | 'bad-response' | 'stale' | 'bad-nonce' | 'replay';
export type VerifyResult = { ok: true; username: string; credentials: DigestCredentials } | { ok: false; reason: VerifyFailure };

/** Returns the password, or `{ ha1 }` = H(username:realm:password) for stores that keep only that. */
export type PasswordLookup = (username: string, realm: string) => string | { ha1: string } | undefined;

export interface VerifyOptions {
  method: string;
  realm: string;
  lookup: PasswordLookup;
  /** 'valid', 'stale' (ours but expired: re-challenge with stale=true) or 'invalid'. */
  checkNonce?: (nonce: string) => 'valid' | 'stale' | 'invalid';
  /** Called for qop requests; returns false when this nc was already seen for the nonce. */
  acceptNonceCount?: (nonce: string, nc: number) => boolean;
  body?: Buffer;
  /** Algorithms accepted; default all. */
  algorithms?: DigestAlgorithm[];
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Verifies an Authorization value against a request (RFC 7616 §3.5). Never throws. */
export function verifyAuthorization(header: string | undefined, options: VerifyOptions): VerifyResult {
  const c = header === undefined ? undefined : parseCredentials(header);
  if (!c) return { ok: false, reason: 'malformed' };
  if (c.realm !== options.realm) return { ok: false, reason: 'realm' };
  if (options.algorithms && !options.algorithms.includes(c.algorithm)) return { ok: false, reason: 'algorithm' };
  const secret = options.lookup(c.username, c.realm);
  if (secret === undefined) return { ok: false, reason: 'unknown-user' };
  const expected = computeResponse({
    algorithm: c.algorithm,
    username: c.username,
    realm: c.realm,
    ...(typeof secret === 'string' ? { password: secret } : { ha1: secret.ha1 }),
    method: options.method,
    uri: c.uri,
    nonce: c.nonce,
    qop: c.qop,
    nc: c.nc,
    cnonce: c.cnonce,
    body: options.body,
  });
  if (!sameHex(expected, c.response)) return { ok: false, reason: 'bad-response' };
  // Check the nonce only after the response: stale=true promises the credentials were right.
  const nonceState = options.checkNonce?.(c.nonce) ?? 'valid';
  if (nonceState !== 'valid') return { ok: false, reason: nonceState === 'stale' ? 'stale' : 'bad-nonce' };
  if (c.qop && options.acceptNonceCount && !options.acceptNonceCount(c.nonce, parseInt(c.nc ?? '0', 16))) {
    return { ok: false, reason: 'replay' };
  }
  return { ok: true, username: c.username, credentials: c };
}

export interface DigestServerOptions {
  realm: string;
  algorithm?: DigestAlgorithm;
  qop?: DigestQop[];
  /** Nonce lifetime; an older nonce is answered with stale=true. Default 5 minutes. */
  nonceTtlMs?: number;
  /** HMAC key for nonces; random per instance by default (nonces do not survive a restart). */
  secret?: Buffer;
  now?: () => number;
  /** Bound on remembered nonce counts (oldest dropped first). Default 10 000. */
  maxTrackedNonces?: number;
}

/** Challenge-and-verify helper for one realm, with nonce expiry and nc replay detection. */
export class DigestServer {
  private readonly secret: Buffer;
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly lastNc = new Map<string, number>();
  private readonly maxTracked: number;

  constructor(private readonly options: DigestServerOptions) {
    this.secret = options.secret ?? randomBytes(32);
    this.ttl = options.nonceTtlMs ?? 300_000;
    this.now = options.now ?? Date.now;
    this.maxTracked = options.maxTrackedNonces ?? 10_000;
  }

  /** A fresh challenge value; `stale` after a 'stale' verification failure. */
  challenge(stale = false): string {
    return createChallenge({ realm: this.options.realm, algorithm: this.options.algorithm, qop: this.options.qop, stale, nonce: this.makeNonce() });
  }

  verify(header: string | undefined, request: { method: string; body?: Buffer }, lookup: PasswordLookup): VerifyResult {
    return verifyAuthorization(header, {
      method: request.method,
      body: request.body,
      realm: this.options.realm,
      lookup,
      checkNonce: (n) => this.checkNonce(n),
      acceptNonceCount: (n, nc) => this.acceptNonceCount(n, nc),
    });
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }

  private makeNonce(): string {
    const payload = `${this.now().toString(36)}.${randomBytes(9).toString('base64url')}`;
    return `${payload}.${this.sign(payload)}`;
  }

  checkNonce(nonce: string): 'valid' | 'stale' | 'invalid' {
    const lastDot = nonce.lastIndexOf('.');
    if (lastDot <= 0) return 'invalid';
    const payload = nonce.slice(0, lastDot);
    const mac = Buffer.from(nonce.slice(lastDot + 1));
    const expected = Buffer.from(this.sign(payload));
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return 'invalid';
    const issued = parseInt(payload.slice(0, payload.indexOf('.')), 36);
    const age = this.now() - issued;
    return Number.isFinite(age) && age >= 0 && age <= this.ttl ? 'valid' : 'stale';
  }

  /** RFC 7616 §3.4: each use of a nonce carries a larger nc; an old or repeated one is a replay. */
  private acceptNonceCount(nonce: string, nc: number): boolean {
    const last = this.lastNc.get(nonce) ?? 0;
    if (nc <= last) return false;
    this.lastNc.delete(nonce); // re-insert to keep insertion order = recency
    this.lastNc.set(nonce, nc);
    while (this.lastNc.size > this.maxTracked) {
      const oldest = this.lastNc.keys().next().value;
      if (oldest === undefined) break;
      this.lastNc.delete(oldest);
    }
    return true;
  }
}
