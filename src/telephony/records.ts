/**
 * The call's rows in PostgreSQL while it lives: `calls` from ringing to the end (the end itself is
 * written by closer.ts), its transcript in `call_messages`, notable moments in `call_events`, and
 * the heartbeat of live calls. None of this runs on the media path: the worker never waits for it.
 */
import type { Queryable } from '../db/pool.js';
import type { CallStatus } from './vocabulary.js';

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
  campaignId?: string | null;
  leadId?: string | null;
}

export async function createCall(db: Queryable, c: NewCall): Promise<void> {
  await db.query(
    `INSERT INTO calls (id, org_id, direction, status, agent_id, number_id, agent_name, business_name, caller_phone,
                        assistant_phone, node_id, sip_call_id, room_name, metadata, campaign_id, lead_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
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
      roomName(c.direction, c.id),
      JSON.stringify(c.metadata ?? {}),
      c.campaignId ?? null,
      c.leadId ?? null,
    ],
  );
}

export function roomName(direction: string, id: string): string {
  return `${direction}-${id.slice(0, 8)}`;
}

/** A live status change (the call owner's state machine is the only caller); `startedAt` on answer. */
export async function writeStatus(db: Queryable, id: string, status: CallStatus, startedAt?: Date): Promise<void> {
  await db.query(`UPDATE calls SET status = $2, started_at = COALESCE($3, started_at), updated_at = now() WHERE id = $1 AND ended_at IS NULL`, [
    id,
    status,
    startedAt ?? null,
  ]);
}

/** The owning node's heartbeat: its live calls were alive now (billing after a crash stops here). */
export async function markAlive(db: Queryable, nodeId: string): Promise<void> {
  await db.query(`UPDATE calls SET alive_at = now() WHERE node_id = $1 AND ended_at IS NULL`, [nodeId]);
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
  m: { orgId: string; callId: string; seq: number; role: 'assistant' | 'user' | 'system' | 'tool'; content: string; at: Date; interrupted?: boolean },
): Promise<void> {
  await db.query(`INSERT INTO call_messages (org_id, call_id, seq, role, content, started_at, interrupted) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    m.orgId,
    m.callId,
    m.seq,
    m.role,
    m.content,
    m.at,
    m.interrupted ?? false,
  ]);
}

/** An agent turn stored before the caller barged in on it. */
export async function markInterrupted(db: Queryable, callId: string, seq: number): Promise<void> {
  await db.query(`UPDATE call_messages SET interrupted = true WHERE call_id = $1 AND seq = $2`, [callId, seq]);
}

export async function recordEvent(db: Queryable, orgId: string, callId: string, type: string, data: Record<string, unknown>): Promise<void> {
  await db.query(`INSERT INTO call_events (org_id, call_id, type, data) VALUES ($1, $2, $3, $4)`, [orgId, callId, type, JSON.stringify(data)]);
}

/** The org's prepaid minutes, or null when it has no balance (unlimited). */
export async function minutesBalance(db: Queryable, orgId: string): Promise<number | null> {
  const { rows } = await db.query<{ minutes_balance: number | null }>(`SELECT minutes_balance FROM organizations WHERE id = $1`, [orgId]);
  return rows[0]?.minutes_balance ?? null;
}

/** Reports of this node's calls of the last hour not yet out: a report to queue, or a webhook to deliver. */
export async function pendingReports(db: Queryable, nodeId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM calls c
      WHERE c.node_id = $1 AND c.ended_at > now() - interval '1 hour'
        AND (c.report_queued_at IS NULL
             OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.call_id = c.id AND d.status IN ('pending', 'delivering')))`,
    [nodeId],
  );
  return rows[0]?.n ?? 0;
}
