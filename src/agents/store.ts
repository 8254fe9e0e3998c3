/**
 * Reading agents from PostgreSQL, shared by the REST API and the call path. The webhook secret
 * is sealed at rest with SecretBox (AES-256-GCM under SECRET_KEY), like provider keys: rows hold
 * it sealed, a `StoredAgent` holds it readable.
 */
import type { SecretBox } from '../crypto.js';
import type { Queryable } from '../db/pool.js';
import type { StoredAgent, WebhookFormat } from './types.js';

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
export function openAgentRow<T extends { webhook_secret: string | null }>(row: T, secrets: SecretBox): T {
  const stored = row.webhook_secret;
  if (stored === null || !SEALED.test(stored)) return row;
  try {
    return { ...row, webhook_secret: secrets.decrypt(stored) };
  } catch {
    return { ...row, webhook_secret: null };
  }
}

/**
 * The agent, or null when it does not exist or belongs to another organization. Its
 * `webhook_format` is the effective one: the agent's own, else the organization's default
 * (`PATCH /organizations {"webhook_format"}`), else camel — so every webhook the call path or the
 * post-call report sends follows the organization's choice without a per-agent setting.
 */
export async function loadAgent(db: Queryable, secrets: SecretBox, orgId: string, agentId: string): Promise<StoredAgent | null> {
  const { rows } = await db.query<Omit<StoredAgent, 'webhook_format'> & { webhook_format: WebhookFormat | null; org_webhook_format: WebhookFormat | null }>(
    `SELECT ${AGENT_COLUMNS}, (SELECT o.webhook_format FROM organizations o WHERE o.id = agents.org_id) AS org_webhook_format
       FROM agents WHERE org_id = $1 AND id = $2`,
    [orgId, agentId],
  );
  if (!rows[0]) return null;
  const { org_webhook_format: orgFormat, ...row } = rows[0];
  return openAgentRow({ ...row, webhook_format: row.webhook_format ?? orgFormat ?? 'camel' }, secrets);
}

/** The webhook key style of an organization (null when it chose none: camel). */
export async function organizationWebhookFormat(db: Queryable, orgId: string): Promise<WebhookFormat | null> {
  const { rows } = await db.query<{ webhook_format: WebhookFormat | null }>('SELECT webhook_format FROM organizations WHERE id = $1', [orgId]);
  return rows[0]?.webhook_format ?? null;
}

/**
 * The style a call's webhooks use: the agent's (`webhook_format`, null when it has none), else
 * the organization's, else camel. `loadAgent` already applies it to saved agents; this is for
 * one-off agents of an outbound call (`assistant` in the request), which have no row.
 */
export async function effectiveWebhookFormat(db: Queryable, orgId: string, agentFormat: WebhookFormat | null): Promise<WebhookFormat> {
  return agentFormat ?? (await organizationWebhookFormat(db, orgId)) ?? 'camel';
}
