/**
 * Tool template CRUD. `tool_config` is validated for its `tool_type` with the same tool rules as
 * agents (src/agents/tools.ts) and stored normalised, so copying it into an agent cannot fail.
 * The SDK's `function_definition` / `server_url` / `async` are the same function template in
 * other words (sdkToolConfig); responses carry both views.
 */
import { normalizeTemplateConfig, normalizeToolType, presentTool, type ToolType } from '../../../agents/index.js';
import type { Queryable } from '../../../db/pool.js';
import { ApiError, invalid, notFound } from '../../errors.js';
import { iso } from '../../wrap.js';
import { validated } from '../agents/config-errors.js';
import { checkToolKeys, TOOL_SECRET_REFUSED } from '../agents/input.js';
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

type Json = Record<string, unknown>;

function view(row: Row): ToolTemplateView {
  // Ordered like a tool, without its `type` (the template's tool_type says it).
  const { type: _t, ...config } = presentTool({ type: row.tool_type, ...row.tool_config }) as Json;
  const { description, ...rest } = row;
  const out: ToolTemplateView = { ...rest, ...(description !== null && { description }), tool_config: config, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
  if (row.tool_type === 'function') {
    const fn = row.tool_config as Json;
    out.function_definition = { name: String(fn.name), description: String(fn.description), parameters: fn.parameters as Json };
    if (typeof fn.url === 'string') out.server_url = fn.url;
    out.async = fn.async === true;
  }
  return out;
}

/** `checkKeys`: the config is the client's (a stored one re-checked for a new type is not). */
function normalized(type: unknown, config: unknown, template: { name: string; description: string | null }, checkKeys = true) {
  return validated(() => {
    const toolType = normalizeToolType(type, 'tool_type');
    if (checkKeys && config !== null && typeof config === 'object' && !Array.isArray(config)) {
      const given = (config as Json).type;
      if (given !== undefined && normalizeToolType(given, 'tool_config.type') !== toolType) {
        throw invalid('tool_config.type', 'differs from tool_type; leave it out (tool_type says the type)');
      }
      const { type: _t, ...rest } = config as Json;
      checkToolKeys(rest, 'tool_config', toolType);
      return { tool_type: toolType, tool_config: normalizeTemplateConfig(toolType, rest, 'tool_config', template) };
    }
    return { tool_type: toolType, tool_config: normalizeTemplateConfig(toolType, config, 'tool_config', template) };
  });
}

/** A refusal of the SDK-shaped body names the SDK's fields (`function_definition.description`, `server_url`). */
function inSdkTerms<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (!(err instanceof ApiError) || !err.param?.startsWith('tool_config.')) throw err;
    const field = err.param.slice('tool_config.'.length);
    const param = field === 'url' ? 'server_url' : field === 'async' ? 'async' : `function_definition.${field}`;
    const rename = (text: string) => text.split(err.param as string).join(param);
    throw new ApiError(err.code, rename(err.message), { param, details: err.details?.map(rename), status: err.status });
  }
}

type SdkFields = Pick<CreateToolTemplateInput, 'function_definition' | 'server_url' | 'server_secret' | 'async'>;

/**
 * The SDK's function template (`function_definition`, `server_url`, `async`) as `tool_type` +
 * `tool_config`, merged onto the stored function config on update. Null when the body uses none
 * of the SDK fields; mixing them with `tool_config` is refused (one would silently win).
 */
function sdkToolConfig(body: SdkFields & { tool_type?: string; tool_config?: unknown }, current: Row | null): { type: string; config: Json } | null {
  if (body.server_secret !== undefined) throw invalid('server_secret', TOOL_SECRET_REFUSED);
  const fd = body.function_definition;
  if (fd === undefined && body.server_url === undefined && body.async === undefined) return null;
  const param = fd !== undefined ? 'function_definition' : body.server_url !== undefined ? 'server_url' : 'async';
  if (body.tool_config !== undefined) throw invalid(param, 'cannot be combined with tool_config; send tool_type + tool_config, or the function_definition fields');
  if (body.tool_type !== undefined && validated(() => normalizeToolType(body.tool_type, 'tool_type')) !== 'function') {
    throw invalid('tool_type', `must be function with ${param}`);
  }
  const base: Json = current?.tool_type === 'function' ? { ...current.tool_config } : {};
  if (current && current.tool_type !== 'function' && fd === undefined) throw invalid(param, `this template is ${current.tool_type}; send function_definition to make it a function template`);
  const config: Json = { ...base };
  if (fd !== undefined) {
    for (const key of ['name', 'description', 'parameters'] as const) delete config[key];
    Object.assign(config, Object.fromEntries(Object.entries(fd).filter(([, v]) => v !== undefined)));
    // The SDK declares parameters optional: a function without arguments.
    config.parameters ??= { type: 'object', properties: {} };
  }
  if (body.server_url === null) delete config.url;
  else if (body.server_url !== undefined) config.url = body.server_url;
  if (body.async !== undefined) config.async = body.async;
  return { type: 'function', config };
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
  const sdk = sdkToolConfig(body, null);
  if (!sdk && body.tool_type === undefined) throw new ApiError('missing_field', 'tool_type is required (or the SDK’s function_definition)', { param: 'tool_type', details: ['tool_type: is required'] });
  const { tool_type, tool_config } = sdk
    ? inSdkTerms(() => normalized(sdk.type, sdk.config, { name: body.name, description }))
    : normalized(body.tool_type, body.tool_config, { name: body.name, description });
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
  const sdk = sdkToolConfig(body, current);
  if (sdk) {
    ({ tool_type, tool_config } = inSdkTerms(() => normalized(sdk.type, sdk.config, { name, description })) as Pick<Row, 'tool_type' | 'tool_config'>);
  } else if (body.tool_type !== undefined || body.tool_config !== undefined) {
    const config = body.tool_config === undefined ? current.tool_config : body.tool_config;
    ({ tool_type, tool_config } = normalized(body.tool_type ?? current.tool_type, config, { name, description }, body.tool_config !== undefined) as Pick<Row, 'tool_type' | 'tool_config'>);
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
