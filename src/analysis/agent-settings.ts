/**
 * What the post-call work needs from the call's agent: where the report goes, the analysis plan,
 * the chat model, the notification address. Read from the saved agent; when the call owner hands
 * over the agent the call really ran with (after assistant-request overrides), that wins. The
 * snapshot holds a webhook secret, so it travels through Redis sealed with SecretBox.
 */
import type { AgentRuntimeConfig } from '../agents/index.js';
import { loadAgent } from '../agents/store.js';
import type { AnalysisPlan } from '../agents/types.js';
import type { SecretBox } from '../crypto.js';
import type { Queryable } from '../db/pool.js';
import type { AgentWebhookSettings } from '../events/index.js';
import type { CallRecord } from './call-record.js';

/** The parts of the resolved agent the post-call job uses (pass the call's AgentRuntimeConfig). */
export type CallAgentSnapshot = Pick<AgentRuntimeConfig, 'name' | 'webhook' | 'analysisPlan' | 'llm' | 'metadata'>;

export interface PostCallAgent {
  name: string | null;
  webhook: AgentWebhookSettings;
  analysisPlan: AnalysisPlan | null;
  llm: { provider: string; model: string } | null;
  metadata: Record<string, unknown>;
  notificationEmail: string | null;
}

const NO_WEBHOOK: AgentWebhookSettings = { url: null, secret: null, events: [], format: 'camel' };

export function sealSnapshot(secrets: SecretBox, agent: CallAgentSnapshot): string {
  const { name, webhook, analysisPlan, llm, metadata } = agent;
  return secrets.encrypt(JSON.stringify({ name, webhook, analysisPlan, llm: { provider: llm.provider, model: llm.model }, metadata }));
}

export function openSnapshot(secrets: SecretBox, sealed: string | undefined): CallAgentSnapshot | null {
  if (!sealed) return null;
  try {
    return JSON.parse(secrets.decrypt(sealed)) as CallAgentSnapshot;
  } catch {
    return null; // SECRET_KEY changed since: fall back to the saved agent
  }
}

export async function postCallAgent(db: Queryable, secrets: SecretBox, call: CallRecord, snapshot: CallAgentSnapshot | null): Promise<PostCallAgent> {
  const row = call.agent_id ? await loadAgent(db, secrets, call.org_id, call.agent_id) : null;
  const saved: PostCallAgent = {
    name: call.agent_name ?? row?.name ?? null,
    webhook: row ? { url: row.webhook_url, secret: row.webhook_secret, events: row.webhook_events, format: row.webhook_format } : NO_WEBHOOK,
    analysisPlan: row?.analysis_plan ?? null,
    llm: row ? { provider: row.llm_config.provider, model: row.llm_config.model } : null,
    metadata: call.metadata ?? {},
    notificationEmail: row?.notification_email ?? null,
  };
  if (!snapshot) return saved;
  return {
    ...saved,
    name: snapshot.name,
    webhook: snapshot.webhook,
    analysisPlan: snapshot.analysisPlan,
    llm: snapshot.llm,
    metadata: Object.keys(snapshot.metadata ?? {}).length > 0 ? snapshot.metadata : saved.metadata,
  };
}
