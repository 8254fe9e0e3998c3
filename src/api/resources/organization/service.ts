/**
 * Organization data. No Fastify here: services take a Queryable and the caller's org id, filter
 * every query by it, and throw ApiErrors (errors.ts).
 */
import type { Queryable } from '../../../db/pool.js';
import { notFound } from '../../errors.js';
import type { OrganizationView } from './schema.js';

/** Statuses of a call that is still going (flireo-api A.5). */
export const ACTIVE_CALL_STATUSES = ['ringing', 'connecting', 'in-progress', 'forwarding'] as const;

export async function getOrganization(db: Queryable, orgId: string): Promise<OrganizationView> {
  const { rows } = await db.query<OrganizationView>(
    `SELECT o.id, o.name, o.minutes_balance,
            (SELECT COALESCE(SUM(u.minutes_used), 0)::int FROM usage_logs u
              WHERE u.org_id = o.id
                AND u.created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS monthly_usage_minutes,
            (SELECT count(*)::int FROM numbers n WHERE n.org_id = o.id) AS active_numbers,
            (SELECT count(*)::int FROM agents a WHERE a.org_id = o.id) AS active_agents,
            (SELECT count(*)::int FROM calls c WHERE c.org_id = o.id AND c.status = ANY($2)) AS active_calls
       FROM organizations o
      WHERE o.id = $1`,
    [orgId, ACTIVE_CALL_STATUSES],
  );
  const org = rows[0];
  if (!org) throw notFound('organization');
  return org;
}
