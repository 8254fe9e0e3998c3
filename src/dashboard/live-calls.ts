/**
 * The rows the live view shows: calls that have not ended (all organizations for the admin),
 * and single calls by id when a signal says they changed. Every query names its organization
 * unless the watcher is the admin.
 */
import type { Queryable } from '../db/pool.js';
import { LIVE_STATUSES } from '../telephony/vocabulary.js';
import type { LiveCall } from './wire.js';


interface Row extends Omit<LiveCall, 'created_at' | 'started_at' | 'ended_at' | 'speaking'> {
  created_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
}

/** Bounds the live view; an installation with more live calls than this sees the newest. */
export const LIVE_LIMIT = 500;

const SELECT = `SELECT c.id, c.org_id, o.name AS org_name, c.direction, c.status, c.end_reason, c.agent_id, c.agent_name,
                       c.caller_phone, c.assistant_phone, c.created_at, c.started_at, c.ended_at, c.duration_seconds
                  FROM calls c JOIN organizations o ON o.id = c.org_id`;

const NOT_SPEAKING = { user: false, assistant: false };

function present(row: Row): LiveCall {
  return {
    ...row,
    created_at: row.created_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    ended_at: row.ended_at?.toISOString() ?? null,
    speaking: NOT_SPEAKING,
  };
}

/** Live calls, newest first; `orgId` null: every organization (admin). */
export async function liveCalls(db: Queryable, orgId: string | null): Promise<LiveCall[]> {
  const { rows } = await db.query<Row>(
    `${SELECT} WHERE c.status = ANY($1::text[]) AND ($2::uuid IS NULL OR c.org_id = $2) ORDER BY c.created_at DESC LIMIT ${LIVE_LIMIT}`,
    [LIVE_STATUSES, orgId],
  );
  return rows.map(present);
}

/** Calls by id, whatever their status (the hub's watchers are filtered by organization later). */
export async function callsById(db: Queryable, ids: readonly string[]): Promise<LiveCall[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<Row>(`${SELECT} WHERE c.id = ANY($1::uuid[])`, [ids]);
  return rows.map(present);
}

export const isLive = (status: string): boolean => (LIVE_STATUSES as readonly string[]).includes(status);
