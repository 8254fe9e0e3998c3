/** The delivery log, read per organization. Replays go through the webhook queue (src/events). */
import type { Queryable } from '../../../db/pool.js';
import { notFound } from '../../errors.js';
import { iso, isoOrNull } from '../../wrap.js';
import type { AttemptView, DeliveryDetailView, DeliveryListQueryView, DeliveryView } from './schema.js';

interface DeliveryRow {
  id: string;
  call_id: string | null;
  agent_id: string | null;
  event_type: string;
  url: string;
  status: DeliveryView['status'];
  synchronous: boolean;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
  payload?: Record<string, unknown>;
}

const COLUMNS = `id, call_id, agent_id, event_type, url, status, synchronous, attempts, last_status_code, last_error,
                 next_attempt_at, delivered_at, created_at, updated_at`;

function view(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    call_id: row.call_id,
    agent_id: row.agent_id,
    event_type: row.event_type,
    url: row.url,
    status: row.status,
    synchronous: row.synchronous,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    next_attempt_at: isoOrNull(row.next_attempt_at),
    delivered_at: isoOrNull(row.delivered_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export async function listDeliveries(db: Queryable, orgId: string, q: DeliveryListQueryView) {
  const where = ['org_id = $1'];
  const params: unknown[] = [orgId];
  const filter = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  };
  filter('call_id', q.call_id);
  filter('status', q.status);
  filter('event_type', q.event_type);
  const limit = q.limit ?? 100;
  const offset = q.offset ?? 0;
  const n = params.length;
  const [{ rows }, count] = await Promise.all([
    db.query<DeliveryRow>(
      `SELECT ${COLUMNS} FROM webhook_deliveries WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, seq DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...params, limit, offset],
    ),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM webhook_deliveries WHERE ${where.join(' AND ')}`, params),
  ]);
  return { deliveries: rows.map(view), pagination: { total: count.rows[0].total, limit, offset } };
}

export async function getDelivery(db: Queryable, orgId: string, id: string): Promise<DeliveryDetailView> {
  const { rows } = await db.query<DeliveryRow>(`SELECT ${COLUMNS}, payload FROM webhook_deliveries WHERE id = $1 AND org_id = $2`, [id, orgId]);
  const row = rows[0];
  if (!row) throw notFound('webhook delivery');
  const attempts = await db.query<Omit<AttemptView, 'started_at'> & { started_at: Date }>(
    `SELECT attempt, status_code, error, COALESCE(duration_ms, 0) AS duration_ms, response_body, started_at
       FROM webhook_delivery_attempts WHERE delivery_id = $1 AND org_id = $2 ORDER BY attempt, id`,
    [id, orgId],
  );
  return { ...view(row), payload: row.payload ?? {}, attempt_log: attempts.rows.map((a) => ({ ...a, started_at: iso(a.started_at) })) };
}
