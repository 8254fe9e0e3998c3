/** Analysis template CRUD; agents copy a template into `analysis_plan` (agents/service.ts). */
import { jsonSchemaObject } from '../../../agents/index.js';
import type { Queryable } from '../../../db/pool.js';
import { invalid, notFound } from '../../errors.js';
import { iso } from '../../wrap.js';
import { validated } from '../agents/config-errors.js';
import type { AnalysisTemplateView, CreateAnalysisTemplateInput, UpdateAnalysisTemplateInput } from './schema.js';

interface Row extends Omit<AnalysisTemplateView, 'description' | 'created_at' | 'updated_at'> {
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, org_id, name, description, system_prompt, user_prompt, schema, messages, min_messages_threshold, created_at, updated_at';
const FIELDS = ['name', 'description', 'system_prompt', 'user_prompt', 'schema', 'messages', 'min_messages_threshold'] as const;
type Fields = Pick<Row, (typeof FIELDS)[number]>;

const view = ({ description, ...row }: Row): AnalysisTemplateView => ({
  ...row,
  ...(description !== null && { description }),
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
});

/** A schema that can drive extraction: JSON-Schema-like and naming a type or properties. */
function checkSchema(schema: unknown): Record<string, unknown> {
  const checked = validated(() => jsonSchemaObject(schema, 'schema'));
  if (checked.type === undefined && checked.properties === undefined) throw invalid('schema', 'must be a JSON Schema object with a type or properties');
  return checked;
}

const values = (f: Fields): unknown[] =>
  FIELDS.map((k) => (k === 'schema' || (k === 'messages' && f.messages !== null) ? JSON.stringify(f[k]) : f[k]));

export async function listAnalysisTemplates(db: Queryable, orgId: string): Promise<AnalysisTemplateView[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM analysis_templates WHERE org_id = $1 ORDER BY created_at, id`, [orgId]);
  return rows.map(view);
}

async function requireRow(db: Queryable, orgId: string, id: string): Promise<Row> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM analysis_templates WHERE org_id = $1 AND id = $2`, [orgId, id]);
  if (!rows[0]) throw notFound('analysis template');
  return rows[0];
}

export async function getAnalysisTemplate(db: Queryable, orgId: string, id: string): Promise<AnalysisTemplateView> {
  return view(await requireRow(db, orgId, id));
}

export async function createAnalysisTemplate(db: Queryable, orgId: string, body: CreateAnalysisTemplateInput): Promise<AnalysisTemplateView> {
  const fields: Fields = {
    name: body.name,
    description: body.description ?? null,
    system_prompt: body.system_prompt ?? null,
    user_prompt: body.user_prompt ?? null,
    schema: checkSchema(body.schema),
    messages: body.messages ?? null,
    min_messages_threshold: body.min_messages_threshold ?? null,
  };
  const { rows } = await db.query<Row>(
    `INSERT INTO analysis_templates (org_id, ${FIELDS.join(', ')}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [orgId, ...values(fields)],
  );
  return view(rows[0]);
}

/** Only supplied fields change; null clears an optional field. */
export async function updateAnalysisTemplate(db: Queryable, orgId: string, id: string, body: UpdateAnalysisTemplateInput): Promise<AnalysisTemplateView> {
  const current = await requireRow(db, orgId, id);
  const fields = { ...current } as Fields;
  for (const key of FIELDS) {
    if (body[key] !== undefined) (fields as Record<string, unknown>)[key] = body[key];
  }
  if (body.schema !== undefined) fields.schema = checkSchema(body.schema);
  const sets = FIELDS.map((k, i) => `${k} = $${i + 3}`).join(', ');
  const { rows } = await db.query<Row>(`UPDATE analysis_templates SET ${sets} WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`, [
    orgId,
    id,
    ...values(fields),
  ]);
  if (!rows[0]) throw notFound('analysis template');
  return view(rows[0]);
}

/** Agents keep the plans they copied (B §3.12). */
export async function deleteAnalysisTemplate(db: Queryable, orgId: string, id: string): Promise<void> {
  const { rowCount } = await db.query('DELETE FROM analysis_templates WHERE org_id = $1 AND id = $2', [orgId, id]);
  if (rowCount === 0) throw notFound('analysis template');
}
