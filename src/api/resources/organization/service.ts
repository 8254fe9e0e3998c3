/**
 * Organization data. No Fastify here: services take a Queryable and the caller's org id, filter
 * every query by it, and throw ApiErrors (errors.ts).
 *
 * Resellers (the SDK's `organizations.create`): an organization may create child organizations,
 * under itself or under one of its descendants, each with its own API key. A child of an
 * organization with a minutes balance starts at 0 minutes (credits are added with the admin API),
 * so a child can never call more than its parent's billing allows; children of unlimited
 * organizations are unlimited.
 */
import { generateApiKey } from '../../../crypto.js';
import { withTransaction, type Db, type Queryable } from '../../../db/pool.js';
import { invalid, notFound } from '../../errors.js';
import { iso } from '../../wrap.js';
import type { CreateOrganizationInput, OrganizationView, UpdateOrganizationInput } from './schema.js';

/** Statuses of a call that is still going (flireo-api A.5). */
export const ACTIVE_CALL_STATUSES = ['ringing', 'connecting', 'in-progress', 'forwarding'] as const;

interface OrganizationRow extends Omit<OrganizationView, 'company_name' | 'email' | 'credits_balance' | 'has_local_models_access' | 'children' | 'created_at' | 'updated_at'> {
  email: string | null;
  created_at: Date;
  updated_at: Date;
}

function toView(row: OrganizationRow): OrganizationView {
  const { email, created_at, updated_at, ...rest } = row;
  return {
    id: rest.id,
    name: rest.name,
    company_name: rest.name,
    ...(email !== null && { email }),
    minutes_balance: rest.minutes_balance,
    ...(rest.minutes_balance !== null && { credits_balance: rest.minutes_balance }),
    monthly_usage_minutes: rest.monthly_usage_minutes,
    active_numbers: rest.active_numbers,
    active_agents: rest.active_agents,
    active_calls: rest.active_calls,
    has_local_models_access: true,
    parent_org_id: rest.parent_org_id,
    content_retention_days: rest.content_retention_days,
    metadata_retention_days: rest.metadata_retention_days,
    webhook_format: rest.webhook_format,
    created_at: iso(created_at),
    updated_at: iso(updated_at),
  };
}

export async function getOrganization(db: Queryable, orgId: string, options: { includeChildren?: boolean } = {}): Promise<OrganizationView> {
  const { rows } = await db.query<OrganizationRow>(
    `SELECT o.id, o.name, o.email, o.minutes_balance,
            (SELECT COALESCE(SUM(u.minutes_used), 0)::int FROM usage_logs u
              WHERE u.org_id = o.id
                AND u.created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS monthly_usage_minutes,
            (SELECT count(*)::int FROM numbers n WHERE n.org_id = o.id) AS active_numbers,
            (SELECT count(*)::int FROM agents a WHERE a.org_id = o.id) AS active_agents,
            (SELECT count(*)::int FROM calls c WHERE c.org_id = o.id AND c.status = ANY($2)) AS active_calls,
            o.parent_org_id, o.content_retention_days, o.metadata_retention_days, o.webhook_format, o.created_at, o.updated_at
       FROM organizations o
      WHERE o.id = $1`,
    [orgId, ACTIVE_CALL_STATUSES],
  );
  const org = rows[0];
  if (!org) throw notFound('organization');
  const view = toView(org);
  if (!options.includeChildren) return view;
  const children = await db.query<{ id: string; name: string; created_at: Date }>(
    'SELECT id, name, created_at FROM organizations WHERE parent_org_id = $1 ORDER BY created_at, id',
    [orgId],
  );
  return { ...view, children: children.rows.map((c) => ({ id: c.id, name: c.name, created_at: iso(c.created_at) })) };
}

/** The organization itself or one below it; anything else is "not found" (foreign ids are not revealed). */
async function requireOwnOrDescendant(db: Queryable, orgId: string, candidate: string): Promise<{ minutes_balance: number | null }> {
  const { rows } = await db.query<{ minutes_balance: number | null }>(
    `WITH RECURSIVE tree AS (
       SELECT id, minutes_balance, 0 AS depth FROM organizations WHERE id = $1
       UNION ALL
       SELECT o.id, o.minutes_balance, t.depth + 1 FROM organizations o JOIN tree t ON o.parent_org_id = t.id WHERE t.depth < 32)
     SELECT minutes_balance FROM tree WHERE id = $2`,
    [orgId, candidate],
  );
  if (!rows[0]) throw notFound('organization', 'parent_org_id');
  return rows[0];
}

export interface CreatedChild extends OrganizationView {
  api_key: string;
  api_key_id: string;
}

export async function createChildOrganization(db: Db, orgId: string, body: CreateOrganizationInput): Promise<CreatedChild> {
  const parentId = body.parent_org_id ?? orgId;
  return withTransaction(db, async (tx) => {
    const parent = await requireOwnOrDescendant(tx, orgId, parentId);
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO organizations (name, email, parent_org_id, minutes_balance) VALUES ($1, $2, $3, $4) RETURNING id',
      [body.name, body.email ?? null, parentId, parent.minutes_balance === null ? null : 0],
    );
    const childId = rows[0].id;
    const key = generateApiKey();
    const created = await tx.query<{ id: string }>("INSERT INTO api_keys (org_id, key_hash, prefix, name) VALUES ($1, $2, $3, 'default') RETURNING id", [
      childId,
      key.hash,
      key.prefix,
    ]);
    return { ...(await getOrganization(tx, childId)), api_key: key.key, api_key_id: created.rows[0].id };
  });
}

/**
 * Retention periods are checked on the merged pair: content (transcripts, recordings) is never
 * kept longer than metadata, because a transcript repeats the caller's number.
 */
function checkRetention(content: number | null, metadata: number | null, sent: UpdateOrganizationInput): void {
  if (metadata === null || (content !== null && content <= metadata)) return;
  const param = sent.content_retention_days !== undefined ? 'content_retention_days' : 'metadata_retention_days';
  throw invalid(
    param,
    content === null
      ? 'content would be kept without limit but metadata only for metadata_retention_days; set content_retention_days too (at most metadata_retention_days)'
      : 'content_retention_days must not exceed metadata_retention_days (a transcript repeats the caller’s number)',
  );
}

export async function updateOrganization(db: Db, orgId: string, body: UpdateOrganizationInput): Promise<OrganizationView> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ content_retention_days: number | null; metadata_retention_days: number | null }>(
      'SELECT content_retention_days, metadata_retention_days FROM organizations WHERE id = $1 FOR UPDATE',
      [orgId],
    );
    if (!rows[0]) throw notFound('organization');
    const content = body.content_retention_days === undefined ? rows[0].content_retention_days : body.content_retention_days;
    const metadata = body.metadata_retention_days === undefined ? rows[0].metadata_retention_days : body.metadata_retention_days;
    checkRetention(content, metadata, body);
    const fields = { name: body.name, email: body.email, content_retention_days: body.content_retention_days, metadata_retention_days: body.metadata_retention_days, webhook_format: body.webhook_format };
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (entries.length > 0) {
      await tx.query(`UPDATE organizations SET ${entries.map(([k], i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`, [orgId, ...entries.map(([, v]) => v)]);
    }
    return getOrganization(tx, orgId);
  });
}
