/**
 * The digest computation of RFC 2617 §3.2.2 and RFC 7616 §3.4.1–§3.4.3, shared by client and
 * server: H(A1), H(A2) and the request-digest for MD5, SHA-256, SHA-512-256 and their -sess
 * variants, with qop=auth, qop=auth-int or no qop (RFC 2069 compatibility).
 */
import { createHash } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';
export type DigestQop = 'auth' | 'auth-int';

const HASHES: Record<string, string> = { md5: 'md5', 'sha-256': 'sha256', 'sha-512-256': 'sha512-256' };

/** Normalizes an algorithm token (case-insensitive, RFC 7616 §3.3); undefined when unknown. */
export function parseAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined || token === '') return 'MD5'; // RFC 2617 §3.2.1: absent means MD5
  const t = token.toLowerCase();
  const sess = t.endsWith('-sess');
  const base = sess ? t.slice(0, -5) : t;
  const canonical = { md5: 'MD5', 'sha-256': 'SHA-256', 'sha-512-256': 'SHA-512-256' }[base];
  return canonical ? ((sess ? `${canonical}-sess` : canonical) as DigestAlgorithm) : undefined;
}

/** Relative strength used to pick among several challenges (RFC 7616 §3.7: prefer the strongest). */
export function algorithmRank(a: DigestAlgorithm): number {
  return a.startsWith('SHA-512-256') ? 3 : a.startsWith('SHA-256') ? 2 : 1;
}

export function hashHex(algorithm: DigestAlgorithm, data: string | Buffer): string {
  const base = algorithm.toLowerCase().replace(/-sess$/, '');
  return createHash(HASHES[base]).update(data).digest('hex');
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  /** The password, or a precomputed H(username:realm:password) as `ha1`. */
  password?: string;
  ha1?: string;
  method: string;
  uri: string;
  nonce: string;
  /** Absent for RFC 2069-style digests. */
  qop?: DigestQop;
  nc?: string;
  cnonce?: string;
  /** Entity body for qop=auth-int. */
  body?: Buffer;
}

/** H(A1), including the -sess step (RFC 7616 §3.4.2). */
export function computeHa1(input: DigestInput): string {
  const base = input.ha1 ?? hashHex(input.algorithm, `${input.username}:${input.realm}:${input.password ?? ''}`);
  return input.algorithm.endsWith('-sess') ? hashHex(input.algorithm, `${base}:${input.nonce}:${input.cnonce ?? ''}`) : base;
}

/** The `response` value (RFC 7616 §3.4.1; RFC 2617 §3.2.2.1 without qop). */
export function computeResponse(input: DigestInput): string {
  const ha1 = computeHa1(input);
  const a2 =
    input.qop === 'auth-int'
      ? `${input.method}:${input.uri}:${hashHex(input.algorithm, input.body ?? Buffer.alloc(0))}`
      : `${input.method}:${input.uri}`;
  const ha2 = hashHex(input.algorithm, a2);
  const middle = input.qop ? `${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}` : input.nonce;
  return hashHex(input.algorithm, `${ha1}:${middle}:${ha2}`);
}

/** Formats a nonce count as 8 hex digits (RFC 7616 §3.4: nc=00000001). */
export function formatNc(n: number): string {
  return n.toString(16).padStart(8, '0');
}
