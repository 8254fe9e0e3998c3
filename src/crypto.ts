/**
 * Secrets at rest and API keys.
 * - Provider keys (BYOK) and trunk passwords: AES-256-GCM with a key derived from SECRET_KEY
 *   (HKDF-SHA256), stored as `v1.<iv>.<tag>.<ciphertext>` (base64url), so a later key rotation can
 *   add a `v2` format without guessing.
 * - API keys: random, shown once, stored as SHA-256 hex plus a short visible prefix. A fast hash is
 *   enough because the keys carry 256 bits of entropy (no dictionary to attack).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit IVs for GCM
const TAG_BYTES = 16;

export class SecretBox {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    this.key = Buffer.from(hkdfSync('sha256', secretKey, 'voxgate', 'voxgate secrets at rest v1', 32));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws if the value was not produced by `encrypt` with the same SECRET_KEY (GCM tag mismatch). */
  decrypt(sealed: string): string {
    const [format, iv, tag, body] = sealed.split('.');
    if (format !== FORMAT || !iv || !tag || body === undefined) throw new Error('unrecognised encrypted value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

export const API_KEY_PREFIX = 'vg_live_';
/** How much of a key is kept in clear to identify it in listings and logs (`vg_live_ab12cd`). */
const VISIBLE_CHARS = API_KEY_PREFIX.length + 6;

export interface GeneratedApiKey {
  key: string;
  hash: string;
  prefix: string;
}

export function generateApiKey(): GeneratedApiKey {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, hash: hashApiKey(key), prefix: key.slice(0, VISIBLE_CHARS) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of two strings of any length (hashing first hides the length). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
