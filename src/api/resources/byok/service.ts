/**
 * Organization provider keys (flireo-api B §3.10). Keys are sealed with AES-256-GCM
 * (src/crypto.ts, SECRET_KEY) before they reach the database; only the row's `secret_id` is ever
 * shown. The call path reads them through src/agents/provider-keys.ts.
 */
import { BYOK_PROVIDERS, type ByokProvider } from '../../../catalog/providers.js';
import type { SecretBox } from '../../../crypto.js';
import type { Queryable } from '../../../db/pool.js';
import { invalid, missingField } from '../../errors.js';
import type { ByokKeysView } from './schema.js';

/** Printable ASCII without spaces: what every provider's keys are made of. */
const KEY_CHARS = /^[\x21-\x7e]+$/;

export function byokProvider(value: string | undefined): ByokProvider {
  if (value === undefined) throw missingField('provider');
  return (value === '11labs' ? 'elevenlabs' : value) as ByokProvider;
}

export async function getByokKeys(db: Queryable, orgId: string): Promise<ByokKeysView> {
  const { rows } = await db.query<{ provider: ByokProvider; secret_id: string }>('SELECT provider, secret_id FROM byok_keys WHERE org_id = $1', [orgId]);
  const ids = new Map(rows.map((r) => [r.provider, r.secret_id]));
  const view = {} as Record<string, string | null>;
  for (const provider of BYOK_PROVIDERS) view[`${provider}_secret_id`] = ids.get(provider) ?? null;
  return view as ByokKeysView;
}

/** Adds or replaces the key; a replace rotates the secret id. */
export async function setByokKey(db: Queryable, secrets: SecretBox, orgId: string, provider: ByokProvider, apiKey: string): Promise<ByokKeysView> {
  const key = apiKey.trim();
  if (key === '') throw invalid('api_key', 'must not be empty');
  if (!KEY_CHARS.test(key)) throw invalid('api_key', 'must be an API key (printable characters, no spaces)');
  await db.query(
    `INSERT INTO byok_keys (org_id, provider, key_encrypted) VALUES ($1, $2, $3)
     ON CONFLICT (org_id, provider) DO UPDATE SET key_encrypted = EXCLUDED.key_encrypted, secret_id = gen_random_uuid()`,
    [orgId, provider, secrets.encrypt(key)],
  );
  return getByokKeys(db, orgId);
}

/** Removes the key (calls fall back to the platform key); removing an absent key is not an error. */
export async function deleteByokKey(db: Queryable, orgId: string, provider: ByokProvider): Promise<ByokKeysView> {
  await db.query('DELETE FROM byok_keys WHERE org_id = $1 AND provider = $2', [orgId, provider]);
  return getByokKeys(db, orgId);
}
