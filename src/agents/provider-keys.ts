/**
 * Provider keys for a call (flireo-api A.3): the organization's BYOK key if it stored one, else
 * the platform key from the environment. Keys are decrypted here, in the main thread, and handed
 * to the media worker in `call.start.providers`; they are never logged.
 */
import { BYOK_PROVIDERS, type ByokProvider } from '../catalog/providers.js';
import type { ProviderEndpoint, ProviderName } from '../config.js';
import type { SecretBox } from '../crypto.js';
import type { Queryable } from '../db/pool.js';

export type KeySource = 'byok' | 'platform';

export interface ResolvedProviderKey {
  provider: ByokProvider;
  apiKey: string;
  baseUrl: string;
  source: KeySource;
}

export interface ProviderKeyDeps {
  db: Queryable;
  secrets: SecretBox;
  config: { readonly providers: { readonly [P in ProviderName]: ProviderEndpoint } };
}

/** A stored BYOK key that cannot be decrypted (SECRET_KEY changed or the row was tampered with). */
export class ProviderKeyError extends Error {
  constructor(readonly provider: ByokProvider) {
    super(`the stored ${provider} key cannot be decrypted with this SECRET_KEY`);
    this.name = 'ProviderKeyError';
  }
}

const KEY_OF: Record<string, ByokProvider | null> = {
  openai: 'openai',
  openai_realtime: 'openai',
  xai: 'xai',
  xai_realtime: 'xai',
  mistral: 'mistral',
  deepgram: 'deepgram',
  elevenlabs: 'elevenlabs',
  '11labs': 'elevenlabs',
  resend: 'resend',
  // The built-in voice needs no key.
  local: null,
};

/** Which key a config provider uses: `xai_realtime` → `xai`, `local` → null (none needed). */
export function keyProviderFor(provider: string): ByokProvider | null {
  return KEY_OF[provider] ?? null;
}

export function isByokProvider(value: string): value is ByokProvider {
  return (BYOK_PROVIDERS as readonly string[]).includes(value);
}

/**
 * Keys for several providers in one query. `missing` lists the providers that have neither a
 * BYOK key nor a platform key: the call must fail fast (A.3), not start silent.
 */
export async function resolveProviderKeys(
  deps: ProviderKeyDeps,
  orgId: string,
  providers: readonly ByokProvider[],
): Promise<{ keys: Partial<Record<ByokProvider, ResolvedProviderKey>>; missing: ByokProvider[] }> {
  const wanted = [...new Set(providers)];
  const { rows } = await deps.db.query<{ provider: ByokProvider; key_encrypted: string }>(
    'SELECT provider, key_encrypted FROM byok_keys WHERE org_id = $1 AND provider = ANY($2)',
    [orgId, wanted],
  );
  const stored = new Map(rows.map((r) => [r.provider, r.key_encrypted]));
  const keys: Partial<Record<ByokProvider, ResolvedProviderKey>> = {};
  const missing: ByokProvider[] = [];
  for (const provider of wanted) {
    const endpoint = deps.config.providers[provider];
    const sealed = stored.get(provider);
    if (sealed !== undefined) {
      let apiKey: string;
      try {
        apiKey = deps.secrets.decrypt(sealed);
      } catch {
        throw new ProviderKeyError(provider);
      }
      keys[provider] = { provider, apiKey, baseUrl: endpoint.baseUrl, source: 'byok' };
    } else if (endpoint.apiKey !== null) {
      keys[provider] = { provider, apiKey: endpoint.apiKey, baseUrl: endpoint.baseUrl, source: 'platform' };
    } else {
      missing.push(provider);
    }
  }
  return { keys, missing };
}

/** One provider's key (BYOK, else platform), or null when there is none. */
export async function resolveProviderKey(deps: ProviderKeyDeps, orgId: string, provider: string): Promise<ResolvedProviderKey | null> {
  const key = keyProviderFor(provider);
  if (key === null) return null;
  const { keys } = await resolveProviderKeys(deps, orgId, [key]);
  return keys[key] ?? null;
}

/** The `providers` map of the media worker's `call.start`, keyed by BYOK provider name. */
export function providerSettings(keys: Partial<Record<ByokProvider, ResolvedProviderKey>>): Record<string, { baseUrl: string; apiKey: string }> {
  const settings: Record<string, { baseUrl: string; apiKey: string }> = {};
  for (const key of Object.values(keys)) if (key) settings[key.provider] = { baseUrl: key.baseUrl, apiKey: key.apiKey };
  return settings;
}
