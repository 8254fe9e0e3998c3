/**
 * Agent CRUD. Validation and defaults come from `src/agents` (shared with the call path);
 * this module adds what needs the database: copying tool and analysis templates, org scoping,
 * and the delete rule for campaigns.
 */
import {
  AGENT_COLUMNS,
  appendTools,
  maskSecret,
  openAgentRow,
  sealWebhookSecret,
  normalizeAgentFields,
  planFromAnalysisTemplate,
  presentAnalysisPlan,
  presentLlmConfig,
  presentSttConfig,
  presentTtsConfig,
  toolFromTemplate,
  type AgentFields,
  type AgentTool,
  type AnalysisTemplateSource,
  type StoredAgent,
  type ToolTemplateConfig,
  type ToolType,
  type WebhookFormat,
} from '../../../agents/index.js';
import type { SecretBox } from '../../../crypto.js';
import { withTransaction, type Db, type Queryable } from '../../../db/pool.js';
import { conflict, invalid, notFound } from '../../errors.js';
import { iso } from '../../wrap.js';
import { checkAgentSpellings, checkProviderFields, nullsToDefaults, planTemplateId } from './input.js';
import { validated } from './config-errors.js';
import type { AgentView, CreateAgentInput, UpdateAgentInput } from './schema.js';

type AgentInput = CreateAgentInput | UpdateAgentInput;

/** An agent row as stored: `webhook_format` null means "the organization's" (see loadAgent). */
type AgentRow = Omit<StoredAgent, 'webhook_format'> & { webhook_format: WebhookFormat | null };

type Json = Record<string, unknown>;

/** `voiceId` (G2, A.3) and `voice_id` (the SDK's `TTSConfig`) side by side. */
function presentTts(config: AgentFields['tts_config']): Json | null {
  if (config === null) return null;
  const out = presentTtsConfig(config) as unknown as Json;
  const ordered: Json = {};
  for (const [key, value] of Object.entries(out)) {
    ordered[key] = value;
    if (key === 'voiceId') ordered.voice_id = value;
  }
  return ordered;
}

/**
 * A function tool flat (G2, as stored) and nested as the SDK's `ToolDefinition`
 * (`function: {name, description, parameters}`, `server: {url}`); built-in tools as they are.
 */
function presentLlm(config: AgentFields['llm_config']): Json {
  const out = presentLlmConfig(config) as unknown as Json;
  if (!Array.isArray(out.tools)) return out;
  const tools = (out.tools as Json[]).map((tool) => {
    if (tool.type !== 'function') return tool;
    const nested: Json = { ...tool, function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
    if (typeof tool.url === 'string') nested.server = { url: tool.url };
    return nested;
  });
  return { ...out, tools };
}

/** The G2 camelCase plan, repeated in the SDK's snake_case spelling (`structured_data_plan.template_id`, …). */
function presentPlan(plan: AgentFields['analysis_plan']): Json | null {
  if (plan === null) return null;
  const camel = presentAnalysisPlan(plan) as unknown as Json;
  const out: Json = { ...camel };
  if (plan.structuredDataPlan) {
    const { templateId, ...rest } = camel.structuredDataPlan as Json;
    out.structured_data_plan = { ...rest, ...(templateId !== undefined && { template_id: templateId }) };
  }
  if (plan.summaryPlan) out.summary_plan = camel.summaryPlan;
  out.min_messages_threshold = plan.minMessagesThreshold;
  return out;
}

export function agentView(row: AgentRow): AgentView {
  const { org_id: _org, created_at, updated_at, webhook_secret, silence_timeout_seconds, ...fields } = row;
  // The stored config interfaces are the schema's open objects without an index signature.
  const view = {
    ...fields,
    stt_config: presentSttConfig(fields.stt_config),
    llm_config: presentLlm(fields.llm_config),
    tts_config: presentTts(fields.tts_config),
    analysis_plan: presentPlan(fields.analysis_plan),
    webhook_secret: maskSecret(webhook_secret),
    // The SDK declares `silence_timeout_seconds?: number`: absent when unset, never null.
    ...(silence_timeout_seconds !== null && { silence_timeout_seconds }),
    gdpr_mode: false,
    created_at: iso(created_at),
    updated_at: iso(updated_at),
  };
  return view as unknown as AgentView;
}

export async function listAgents(db: Queryable, secrets: SecretBox, orgId: string): Promise<AgentView[]> {
  const { rows } = await db.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE org_id = $1 ORDER BY created_at, id`, [orgId]);
  return rows.map((row) => agentView(openAgentRow(row, secrets)));
}

/** The row as stored (not `loadAgent`, which resolves the organization's webhook format for calls). */
async function requireAgent(db: Queryable, secrets: SecretBox, orgId: string, id: string, lock = false): Promise<AgentRow> {
  const { rows } = await db.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE org_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [orgId, id]);
  if (!rows[0]) throw notFound('agent');
  return openAgentRow(rows[0], secrets);
}

export async function getAgent(db: Queryable, secrets: SecretBox, orgId: string, id: string): Promise<AgentView> {
  return agentView(await requireAgent(db, secrets, orgId, id));
}

/** Tools copied from templates, in the order of `tool_template_ids`. Unknown or foreign ids are 400. */
async function templateTools(db: Queryable, orgId: string, ids: string[]): Promise<{ tool: AgentTool; param: string }[]> {
  const { rows } = await db.query<{ id: string; tool_type: ToolType; tool_config: ToolTemplateConfig }>(
    'SELECT id, tool_type, tool_config FROM tool_templates WHERE org_id = $1 AND id = ANY($2::uuid[])',
    [orgId, ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id, i) => {
    const param = `tool_template_ids[${i}]`;
    const template = byId.get(id);
    if (!template) throw invalid(param, 'is not a tool template of this organization');
    return { tool: validated(() => toolFromTemplate(template.tool_type, template.tool_config)), param };
  });
}

async function analysisTemplatePlan(db: Queryable, orgId: string, id: string, param = 'analysis_template_id') {
  const { rows } = await db.query<AnalysisTemplateSource>(
    'SELECT system_prompt, user_prompt, schema, messages, min_messages_threshold FROM analysis_templates WHERE org_id = $1 AND id = $2',
    [orgId, id],
  );
  if (!rows[0]) throw invalid(param, 'is not an analysis template of this organization');
  return planFromAnalysisTemplate(rows[0]);
}

/**
 * `analysis_plan.structured_data_plan.template_id` (the SDK's way of naming an analysis template):
 * the template's schema and prompt fill the structured plan, what the request gives next to the
 * id (`enabled`, a threshold, a summary plan) is kept, and the plan remembers the id.
 */
async function planWithTemplate(db: Queryable, orgId: string, plan: Json, templateId: string): Promise<{ input: Json; templateId: string }> {
  const key = plan.structuredDataPlan !== undefined ? 'structuredDataPlan' : 'structured_data_plan';
  const { template_id: _a, templateId: _b, ...given } = plan[key] as Json;
  const copied = await analysisTemplatePlan(db, orgId, templateId, `analysis_plan.${key}.template_id`);
  const minKey = plan.minMessagesThreshold !== undefined ? 'minMessagesThreshold' : 'min_messages_threshold';
  return {
    input: { ...plan, [key]: { ...copied.structuredDataPlan, ...given }, [minKey]: plan[minKey] ?? copied.minMessagesThreshold },
    templateId,
  };
}

/** The request's fields merged onto `current` (null on create), templates copied in. */
async function resolveFields(db: Queryable, orgId: string, given: AgentInput, current: AgentFields | null): Promise<AgentFields> {
  const body = nullsToDefaults(given as Json) as AgentInput;
  checkAgentSpellings(body as Json);
  const { tool_template_ids: templateIds, analysis_template_id: analysisId, gdpr_mode: _gdpr, ...input } = body;
  if (analysisId !== undefined && input.analysis_plan !== undefined) {
    throw invalid('analysis_template_id', 'cannot be combined with analysis_plan; send one of them');
  }
  const planTemplate = planTemplateId(input.analysis_plan);
  const withTemplate = planTemplate ? await planWithTemplate(db, orgId, input.analysis_plan as Json, planTemplate) : null;
  if (withTemplate) (input as Json).analysis_plan = withTemplate.input;
  const fields = validated(() => normalizeAgentFields(input, current));
  checkProviderFields(body as Json, fields);
  if (withTemplate && fields.analysis_plan?.structuredDataPlan) fields.analysis_plan.structuredDataPlan.templateId = withTemplate.templateId;
  if (templateIds && templateIds.length > 0) {
    const extra = await templateTools(db, orgId, templateIds);
    const tools = validated(() => appendTools(fields.llm_config.tools ?? [], extra));
    fields.llm_config = { ...fields.llm_config, tools };
  }
  if (analysisId !== undefined) fields.analysis_plan = await analysisTemplatePlan(db, orgId, analysisId);
  return fields;
}

const WRITABLE: (keyof AgentFields)[] = [
  'name', 'business_name', 'notification_email', 'first_message', 'is_active', 'webhook_url', 'webhook_secret',
  'webhook_events', 'stt_config', 'llm_config', 'tts_config', 'analysis_plan', 'voicemail_detection', 'voicemail_message',
  'autonomous_silence_handling', 'silence_timeout_seconds', 'max_duration_seconds', 'webhook_format', 'recording_enabled',
];
const JSON_COLUMNS = new Set<keyof AgentFields>(['stt_config', 'llm_config', 'tts_config', 'analysis_plan']);

/**
 * Column values for pg: jsonb as JSON text (pg would turn a JS array into a PostgreSQL array),
 * the webhook secret sealed.
 */
function columnValues(fields: AgentFields, secrets: SecretBox): unknown[] {
  return WRITABLE.map((key) => {
    if (key === 'webhook_secret') return sealWebhookSecret(fields.webhook_secret, secrets);
    return JSON_COLUMNS.has(key) && fields[key] !== null ? JSON.stringify(fields[key]) : fields[key];
  });
}

export async function createAgent(db: Queryable, secrets: SecretBox, orgId: string, body: CreateAgentInput): Promise<AgentView> {
  const fields = await resolveFields(db, orgId, body, null);
  const placeholders = WRITABLE.map((_, i) => `$${i + 2}`).join(', ');
  const { rows } = await db.query<AgentRow>(
    `INSERT INTO agents (org_id, ${WRITABLE.join(', ')}) VALUES ($1, ${placeholders}) RETURNING ${AGENT_COLUMNS}`,
    [orgId, ...columnValues(fields, secrets)],
  );
  return agentView(openAgentRow(rows[0], secrets));
}

export async function updateAgent(db: Db, secrets: SecretBox, orgId: string, id: string, body: UpdateAgentInput): Promise<AgentView> {
  return withTransaction(db, async (tx) => {
    const current = await requireAgent(tx, secrets, orgId, id, true);
    const fields = await resolveFields(tx, orgId, body, current);
    const sets = WRITABLE.map((key, i) => `${key} = $${i + 3}`).join(', ');
    const { rows } = await tx.query<AgentRow>(
      `UPDATE agents SET ${sets} WHERE org_id = $1 AND id = $2 RETURNING ${AGENT_COLUMNS}`,
      [orgId, id, ...columnValues(fields, secrets)],
    );
    return agentView(openAgentRow(rows[0], secrets));
  });
}

/**
 * Numbers and finished or paused campaigns lose the agent (their agent_id becomes null); a
 * scheduled campaign would silently stop dialing, so it blocks the delete with 409.
 */
export async function deleteAgent(db: Db, orgId: string, id: string): Promise<void> {
  await withTransaction(db, async (tx) => {
    const { rowCount } = await tx.query('SELECT 1 FROM agents WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, id]);
    if (!rowCount) throw notFound('agent');
    const { rows } = await tx.query<{ name: string }>(
      "SELECT name FROM campaigns WHERE org_id = $1 AND agent_id = $2 AND status = 'scheduled' ORDER BY created_at LIMIT 1",
      [orgId, id],
    );
    if (rows[0]) throw conflict('The agent is used by a scheduled campaign; pause or cancel the campaign first');
    await tx.query('DELETE FROM agents WHERE org_id = $1 AND id = $2', [orgId, id]);
  });
}
