/**
 * The organization's Resend key (BYOK provider `resend`), decrypted. The BYOK routes own writing
 * `byok_keys`; this only reads it. Domains need the org's own key (they live in the org's Resend
 * account), so there is deliberately no fallback to the platform's RESEND_API_KEY here.
 */
import type { SecretBox } from '../crypto.js';
import type { Queryable } from '../db/pool.js';

export class ResendKeyUnreadableError extends Error {
  constructor() {
    super('The stored Resend key cannot be decrypted (was SECRET_KEY changed?); save it again with POST /api/v1/byok');
    this.name = 'ResendKeyUnreadableError';
  }
}

/** null when the org has no `resend` key. */
export async function orgResendKey(db: Queryable, secrets: SecretBox, orgId: string): Promise<string | null> {
  const { rows } = await db.query<{ key_encrypted: string }>("SELECT key_encrypted FROM byok_keys WHERE org_id = $1 AND provider = 'resend'", [
    orgId,
  ]);
  if (!rows[0]) return null;
  try {
    return secrets.decrypt(rows[0].key_encrypted);
  } catch {
    throw new ResendKeyUnreadableError();
  }
}
