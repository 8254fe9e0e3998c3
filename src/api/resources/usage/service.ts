/** Usage rows, newest first, with a summary over every row the filter matches (not just the page). */
import type { Queryable } from '../../../db/pool.js';
import { iso } from '../../wrap.js';
import { parseDateRange } from '../calls/date-range.js';
import type { UsageLogView, UsageQueryValue } from './schema.js';

interface UsageRow extends Omit<UsageLogView, 'created_at'> {
  created_at: Date;
}

export async function listUsage(db: Queryable, orgId: string, query: UsageQueryValue) {
  const limit = query.limit ?? 100;
  const offset = query.offset ?? 0;
  const range = parseDateRange(query.start_date, query.end_date);
  const filter = 'org_id = $1 AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)';
  const values = [orgId, range.from, range.before];
  const [page, totals] = await Promise.all([
    db.query<UsageRow>(
      `SELECT id, call_id, duration_seconds, minutes_used, cost, created_at FROM usage_logs
        WHERE ${filter} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5`,
      [...values, limit, offset],
    ),
    db.query<{ calls: number; minutes: number; cost: number }>(
      `SELECT count(*)::int AS calls, COALESCE(SUM(minutes_used), 0)::int AS minutes, COALESCE(SUM(cost), 0)::numeric AS cost
         FROM usage_logs WHERE ${filter}`,
      values,
    ),
  ]);
  const t = totals.rows[0];
  return {
    logs: page.rows.map((r) => ({ ...r, created_at: iso(r.created_at) })),
    pagination: { total: t.calls, limit, offset },
    summary: { total_minutes: t.minutes, total_cost: Math.round(t.cost * 10_000) / 10_000, total_calls: t.calls },
  };
}
