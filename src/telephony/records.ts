/**
 * The call's rows in PostgreSQL: `calls` from ringing to the end, its transcript in
 * `call_messages`, notable moments in `call_events`, and at the end one `usage_logs` row with the
 * minutes billed per started minute (flireo-api B §5.6), taken from a prepaid balance if the
 * organization has one. None of this runs on the media path: the worker never waits for it.
 */
import type { Db, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { recordUsage } from '../api/resources/usage/billing.js';
import type { CallStatus, EndReason } from './call-status.js';

export interface NewCall {
  id: string;
  orgId: string;
  direction: 'inbound' | 'outbound';
  status: CallStatus;
  agentId: string | null;
  numberId: string | null;
  agentName: string | null;
  businessName: string | null;
  callerPhone: string | null;
  assistantPhone: string | null;
  nodeId: string;
  sipCallId: string | null;
  metadata?: Record<string, unknown>;
}

export async function createCall(db: Queryable, c: NewCall): Promise<void> {
  await db.query(
    `INSERT INTO calls (id, org_id, direction, status, agent_id, number_id, agent_name, business_name, caller_phone,
                        assistant_phone, node_id, sip_call_id, room_name, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      c.id,
      c.orgId,
      c.direction,
      c.status,
      c.agentId,
      c.numberId,
      c.agentName,
      c.businessName,
      c.callerPhone,
      c.assistantPhone,
      c.nodeId,
      c.sipCallId,
      `${c.direction}-${c.id.slice(0, 8)}`,
      JSON.stringify(c.metadata ?? {}),
    ],
  );
}

export async function markInProgress(db: Queryable, id: string, startedAt: Date): Promise<void> {
  await db.query(`UPDATE calls SET status = 'in-progress', started_at = $2 WHERE id = $1`, [id, startedAt]);
}

/** assistant-request chose another agent of the organization (`assistant_id`). */
export async function updateAgent(db: Queryable, id: string, agent: { id: string; name: string; businessName: string | null }): Promise<void> {
  await db.query(`UPDATE calls SET agent_id = $2, agent_name = $3, business_name = $4 WHERE id = $1`, [id, agent.id, agent.name, agent.businessName]);
}

export async function updateMetadata(db: Queryable, id: string, metadata: Record<string, unknown>): Promise<void> {
  await db.query(`UPDATE calls SET metadata = metadata || $2::jsonb WHERE id = $1`, [id, JSON.stringify(metadata)]);
}

export async function appendMessage(
  db: Queryable,
  m: { orgId: string; callId: string; seq: number; role: 'assistant' | 'user' | 'system' | 'tool'; content: string; at: Date },
): Promise<void> {
  await db.query(`INSERT INTO call_messages (org_id, call_id, seq, role, content, started_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
    m.orgId,
    m.callId,
    m.seq,
    m.role,
    m.content,
    m.at,
  ]);
}

export async function recordEvent(db: Queryable, orgId: string, callId: string, type: string, data: Record<string, unknown>): Promise<void> {
  await db.query(`INSERT INTO call_events (org_id, call_id, type, data) VALUES ($1, $2, $3, $4)`, [orgId, callId, type, JSON.stringify(data)]);
}

export interface FinishedCall {
  id: string;
  orgId: string;
  status: CallStatus;
  endReason: EndReason;
  error: string | null;
  endedAt: Date;
  /** Null when the call was never answered (nothing is billed). */
  durationSeconds: number | null;
  tokenUsage: Record<string, number> | null;
  quality: unknown;
  recordingPath: string | null;
  pricePerMinute: number;
}

/** Finalises the call, logs its usage and takes the minutes from a prepaid balance, atomically. */
export async function finishCall(db: Db, f: FinishedCall): Promise<void> {
  await withTransaction(db, async (tx) => {
    await tx.query(
      `UPDATE calls SET status = $2, end_reason = $3, error = $4, ended_at = $5, duration_seconds = $6,
                        token_usage = $7, quality_stats = $8, recording_path = $9
        WHERE id = $1`,
      [
        f.id,
        f.status,
        f.endReason,
        f.error,
        f.endedAt,
        f.durationSeconds ?? 0,
        f.tokenUsage ? JSON.stringify(f.tokenUsage) : null,
        f.quality ? JSON.stringify(f.quality) : null,
        f.recordingPath,
      ],
    );
    if (f.durationSeconds === null) return;
    const minutes = await recordUsage(tx, { orgId: f.orgId, callId: f.id, durationSeconds: f.durationSeconds, pricePerMinute: f.pricePerMinute });
    if (minutes) {
      await tx.query(`UPDATE organizations SET minutes_balance = GREATEST(0, minutes_balance - $2) WHERE id = $1 AND minutes_balance IS NOT NULL`, [
        f.orgId,
        minutes,
      ]);
    }
  });
}

/** The org's prepaid minutes, or null when it has no balance (unlimited). */
export async function minutesBalance(db: Queryable, orgId: string): Promise<number | null> {
  const { rows } = await db.query<{ minutes_balance: number | null }>(`SELECT minutes_balance FROM organizations WHERE id = $1`, [orgId]);
  return rows[0]?.minutes_balance ?? null;
}
