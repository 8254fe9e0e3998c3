/**
 * Tool template CRUD. `tool_config` is validated for its `tool_type` with the same tool rules as
 * agents (src/agents/tools.ts) and stored normalised, so copying it into an agent cannot fail.
 */
import { normalizeTemplateConfig, normalizeToolType, presentTool, type ToolType } from '../../../agents/index.js';
import type { Queryable } from '../../../db/pool.js';
import { notFound } from '../../errors.js';
import { iso } from '../../wrap.js';
import { validated } from '../agents/config-errors.js';
import type { CreateToolTemplateInput, ToolTemplateView, UpdateToolTemplateInput } from './schema.js';

interface Row {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  tool_type: ToolType;
  tool_config: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, org_id, name, description, tool_type, tool_config, created_at, updated_at';

function view(row: Row): ToolTemplateView {
  // Ordered like a tool, without its `type` (the template's tool_type says it).
  const { type: _t, ...config } = presentTool({ type: row.tool_type, ...row.tool_config });
  return { ...row, tool_config: config, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

function normalized(type: unknown, config: unknown, template: { name: string; description: string | null }) {
  return validated(() => {
    const toolType = normalizeToolType(type, 'tool_type');
    return { tool_type: toolType, tool_config: normalizeTemplateConfig(toolType, config, 'tool_config', template) };
  });
}

export async function listToolTemplates(db: Queryable, orgId: string): Promise<ToolTemplateView[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM tool_templates WHERE org_id = $1 ORDER BY created_at, id`, [orgId]);
  return rows.map(view);
}

async function requireRow(db: Queryable, orgId: string, id: string): Promise<Row> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM tool_templates WHERE org_id = $1 AND id = $2`, [orgId, id]);
  if (!rows[0]) throw notFound('tool template');
  return rows[0];
}

export async function getToolTemplate(db: Queryable, orgId: string, id: string): Promise<ToolTemplateView> {
  return view(await requireRow(db, orgId, id));
}

export async function createToolTemplate(db: Queryable, orgId: string, body: CreateToolTemplateInput): Promise<ToolTemplateView> {
  const description = body.description ?? null;
  const { tool_type, tool_config } = normalized(body.tool_type, body.tool_config, { name: body.name, description });
  const { rows } = await db.query<Row>(
    `INSERT INTO tool_templates (org_id, name, description, tool_type, tool_config) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [orgId, body.name, description, tool_type, JSON.stringify(tool_config)],
  );
  return view(rows[0]);
}

/** Only supplied fields change; a new `tool_type` or `tool_config` is validated against the merged pair. */
export async function updateToolTemplate(db: Queryable, orgId: string, id: string, body: UpdateToolTemplateInput): Promise<ToolTemplateView> {
  const current = await requireRow(db, orgId, id);
  const name = body.name ?? current.name;
  const description = body.description === undefined ? current.description : body.description;
  let { tool_type, tool_config } = current;
  if (body.tool_type !== undefined || body.tool_config !== undefined) {
    const config = body.tool_config === undefined ? current.tool_config : body.tool_config;
    ({ tool_type, tool_config } = normalized(body.tool_type ?? current.tool_type, config, { name, description }) as Pick<Row, 'tool_type' | 'tool_config'>);
  }
  const { rows } = await db.query<Row>(
    `UPDATE tool_templates SET name = $3, description = $4, tool_type = $5, tool_config = $6
      WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [orgId, id, name, description, tool_type, JSON.stringify(tool_config)],
  );
  if (!rows[0]) throw notFound('tool template');
  return view(rows[0]);
}

/** Agents keep their copies of the template's tool (B §3.3: copied, not referenced). */
export async function deleteToolTemplate(db: Queryable, orgId: string, id: string): Promise<void> {
  const { rowCount } = await db.query('DELETE FROM tool_templates WHERE org_id = $1 AND id = $2', [orgId, id]);
  if (rowCount === 0) throw notFound('tool template');
}
