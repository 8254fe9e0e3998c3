/** Identifiers with enough randomness to be globally unique (RFC 3261 §8.1.1.4, §8.1.1.7, §19.3). */
import { randomFillSync } from 'node:crypto';

// One system call per few hundred identifiers instead of one per identifier (a call setup needs
// several tags and branches). The bytes are still CSPRNG output, each handed out once.
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

function randomBytes(n: number): Buffer {
  if (poolOffset + n > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const out = POOL.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

/** RFC 3261 §8.1.1.7: branches of RFC 3261 transactions start with this magic cookie. */
export const BRANCH_COOKIE = 'z9hG4bK';

/** A new Via branch: the magic cookie plus 96 random bits (token characters only). */
export function generateBranch(): string {
  return BRANCH_COOKIE + randomBytes(12).toString('base64url');
}

/** A From/To tag with 64 random bits (RFC 3261 §19.3 asks for at least 32). */
export function generateTag(): string {
  return randomBytes(8).toString('hex');
}

/** A Call-ID with 128 random bits, optionally `@host`. */
export function generateCallId(host?: string): string {
  const id = randomBytes(16).toString('hex');
  return host ? `${id}@${host}` : id;
}

/** True when a branch follows RFC 3261 (cookie plus at least one character, RFC 4475 §3.2.1). */
export function isRfc3261Branch(branch: string | null | undefined): branch is string {
  return typeof branch === 'string' && branch.length > BRANCH_COOKIE.length && branch.startsWith(BRANCH_COOKIE);
}
