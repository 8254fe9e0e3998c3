/** Usage rows, newest first, with a summary over every row the filter matches (not just the page). */
import type { Queryable } from '../../../db/pool.js';
import { iso } from '../../wrap.js';
import { parseDateRange } from '../calls/date-range.js';
import type { UsageLogView, UsageQueryValue } from './schema.js';

interface UsageRow {
  id: string;
  call_id: string | null;
  duration_seconds: number;
  minutes_used: number;
  cost: number;
  direction: string | null;
  phone_number: string | null;
  agent_name: string | null;
  business_name: string | null;
  created_at: Date;
}

/** The SDK declares the call's names `?: string`: absent, never null. */
function logView(r: UsageRow): UsageLogView {
  return {
    id: r.id,
    call_id: r.call_id,
    duration_seconds: r.duration_seconds,
    minutes_used: r.minutes_used,
    cost: r.cost,
    duration_sec: r.duration_seconds,
    call_type: r.direction === 'web' ? 'web' : 'phone',
    ...(r.phone_number !== null && { phone_number: r.phone_number }),
    ...(r.agent_name !== null && { agent_name: r.agent_name }),
    ...(r.business_name !== null && { business_name: r.business_name }),
    created_at: iso(r.created_at),
  };
}

export async function listUsage(db: Queryable, orgId: string, query: UsageQueryValue) {
  const limit = query.limit ?? 100;
  const offset = query.offset ?? 0;
  const range = parseDateRange(query.start_date, query.end_date);
  const filter = 'u.org_id = $1 AND ($2::timestamptz IS NULL OR u.created_at >= $2) AND ($3::timestamptz IS NULL OR u.created_at < $3)';
  const values = [orgId, range.from, range.before];
  const [page, totals] = await Promise.all([
    db.query<UsageRow>(
      `SELECT u.id, u.call_id, u.duration_seconds, u.minutes_used, u.cost, u.created_at,
              c.direction, c.assistant_phone AS phone_number, c.agent_name, c.business_name
         FROM usage_logs u LEFT JOIN calls c ON c.org_id = u.org_id AND c.id = u.call_id
        WHERE ${filter} ORDER BY u.created_at DESC, u.id DESC LIMIT $4 OFFSET $5`,
      [...values, limit, offset],
    ),
    db.query<{ calls: number; minutes: number; cost: number; seconds: number }>(
      `SELECT count(*)::int AS calls, COALESCE(SUM(minutes_used), 0)::int AS minutes, COALESCE(SUM(cost), 0)::numeric AS cost,
              COALESCE(SUM(duration_seconds), 0)::bigint AS seconds
         FROM usage_logs u WHERE ${filter}`,
      values,
    ),
  ]);
  const t = totals.rows[0];
  return {
    logs: page.rows.map(logView),
    pagination: { total: t.calls, limit, offset },
    summary: {
      total_minutes: t.minutes,
      total_cost: Math.round(t.cost * 10_000) / 10_000,
      total_calls: t.calls,
      total_duration_seconds: t.seconds,
      total_duration_minutes: Math.round((t.seconds / 60) * 100) / 100,
    },
  };
}
