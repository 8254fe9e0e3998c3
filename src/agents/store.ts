/**
 * Reading agents from PostgreSQL, shared by the REST API and the call path. The webhook secret
 * is sealed at rest with SecretBox (AES-256-GCM under SECRET_KEY), like provider keys: rows hold
 * it sealed, a `StoredAgent` holds it readable.
 */
import type { SecretBox } from '../crypto.js';
import type { Queryable } from '../db/pool.js';
import type { StoredAgent } from './types.js';

export const AGENT_COLUMNS = `id, org_id, name, business_name, notification_email, first_message, is_active,
  webhook_url, webhook_secret, webhook_events, stt_config, llm_config, tts_config, analysis_plan,
  voicemail_detection, voicemail_message, autonomous_silence_handling, silence_timeout_seconds,
  max_duration_seconds, webhook_format, recording_enabled, created_at, updated_at`;

/** SecretBox's `v1.<iv>.<tag>.<ciphertext>` (base64url parts). */
const SEALED = /^v1\.[\w-]+\.[\w-]+\.[\w-]*$/;

export function sealWebhookSecret(secret: string | null, secrets: SecretBox): string | null {
  return secret === null ? null : secrets.encrypt(secret);
}

/**
 * The row with its webhook secret readable. A secret stored before secrets were sealed is read as
 * it is; a sealed one that no longer opens (SECRET_KEY changed) is dropped, so webhooks go out
 * unsigned rather than signed with garbage.
 */
export function openAgentRow(row: StoredAgent, secrets: SecretBox): StoredAgent {
  const stored = row.webhook_secret;
  if (stored === null || !SEALED.test(stored)) return row;
  try {
    return { ...row, webhook_secret: secrets.decrypt(stored) };
  } catch {
    return { ...row, webhook_secret: null };
  }
}

/** The agent, or null when it does not exist or belongs to another organization. */
export async function loadAgent(db: Queryable, secrets: SecretBox, orgId: string, agentId: string): Promise<StoredAgent | null> {
  const { rows } = await db.query<StoredAgent>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE org_id = $1 AND id = $2`, [orgId, agentId]);
  return rows[0] ? openAgentRow(rows[0], secrets) : null;
}
