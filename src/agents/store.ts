/** Reading agents from PostgreSQL, shared by the REST API and the call path. */
import type { Queryable } from '../db/pool.js';
import type { StoredAgent } from './types.js';

export const AGENT_COLUMNS = `id, org_id, name, business_name, notification_email, first_message, is_active,
  webhook_url, webhook_secret, webhook_events, stt_config, llm_config, tts_config, analysis_plan,
  voicemail_detection, voicemail_message, autonomous_silence_handling, silence_timeout_seconds,
  max_duration_seconds, webhook_format, recording_enabled, created_at, updated_at`;

/** The agent, or null when it does not exist or belongs to another organization. */
export async function loadAgent(db: Queryable, orgId: string, agentId: string): Promise<StoredAgent | null> {
  const { rows } = await db.query<StoredAgent>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE org_id = $1 AND id = $2`, [orgId, agentId]);
  return rows[0] ?? null;
}
