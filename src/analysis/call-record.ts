/**
 * The call row as the post-call work reads and writes it: the final fields the call owner wrote,
 * the analysis results this module stores, and the two bookkeeping marks (`analyzed_at`,
 * `report_queued_at`) that make the job idempotent and let the sweep find calls whose report
 * was never queued.
 */
import type { CallLatency } from '../../media/index.js';
import type { Queryable } from '../db/pool.js';
import { LIVE_STATUSES } from '../telephony/vocabulary.js';

export interface CallRecord {
  id: string;
  org_id: string;
  agent_id: string | null;
  agent_name: string | null;
  direction: 'inbound' | 'outbound' | 'web';
  status: string;
  end_reason: string | null;
  error: string | null;
  caller_phone: string | null;
  assistant_phone: string | null;
  number_id: string | null;
  number_name: string | null;
  started_at: Date | null;
  ended_at: Date | null;
  duration_seconds: number | null;
  summary: string | null;
  analysis_result: Record<string, unknown> | null;
  analysis_error: string | null;
  analyzed_at: Date | null;
  report_queued_at: Date | null;
  recording_path: string | null;
  metadata: Record<string, unknown>;
  /** The per-turn latency waterfall (pipeline and realtime calls), null without agent turns. */
  latency: CallLatency | null;
  /** What the call's transfer did, when it had one. */
  transfer: Record<string, unknown> | null;
  /** Milliseconds since `ended_at`, on the database's clock (null while the call is live). */
  ended_ms_ago: number | null;
}

export async function loadCallRecord(db: Queryable, callId: string, orgId?: string): Promise<CallRecord | null> {
  const { rows } = await db.query<CallRecord>(
    `SELECT c.id, c.org_id, c.agent_id, c.agent_name, c.direction, c.status, c.end_reason, c.error, c.caller_phone,
            c.assistant_phone, c.number_id, n.name AS number_name, c.started_at, c.ended_at, c.duration_seconds, c.summary,
            c.analysis_result, c.analysis_error, c.analyzed_at, c.report_queued_at, c.recording_path, c.metadata,
            c.latency, c.transfer,
            (EXTRACT(EPOCH FROM (now() - c.ended_at)) * 1000)::float8 AS ended_ms_ago
       FROM calls c LEFT JOIN numbers n ON n.id = c.number_id AND n.org_id = c.org_id
      WHERE c.id = $1 AND ($2::uuid IS NULL OR c.org_id = $2)`,
    [callId, orgId ?? null],
  );
  return rows[0] ?? null;
}

/** A call is over when it has left every live status and its end is written. */
export function isFinal(call: Pick<CallRecord, 'status' | 'ended_at'>): boolean {
  return call.ended_at !== null && !(LIVE_STATUSES as readonly string[]).includes(call.status);
}

export async function storeSummary(db: Queryable, callId: string, summary: string): Promise<void> {
  await db.query('UPDATE calls SET summary = $2 WHERE id = $1', [callId, summary]);
}

export async function storeAnalysisResult(db: Queryable, callId: string, result: Record<string, unknown> | null): Promise<void> {
  await db.query('UPDATE calls SET analysis_result = $2 WHERE id = $1', [callId, result === null ? null : JSON.stringify(result)]);
}

/** `analysisError` null clears an earlier "not ready yet" note. `settled`: the analysis is final. */
export async function storeAnalysisState(db: Queryable, callId: string, analysisError: string | null, settled: boolean): Promise<void> {
  await db.query(`UPDATE calls SET analysis_error = $2, analyzed_at = CASE WHEN $3 THEN now() ELSE analyzed_at END WHERE id = $1`, [
    callId,
    analysisError,
    settled,
  ]);
}

export async function markReportQueued(db: Queryable, callId: string): Promise<void> {
  await db.query('UPDATE calls SET report_queued_at = now() WHERE id = $1 AND report_queued_at IS NULL', [callId]);
}

/**
 * Final calls whose report was never queued (the hook failed, or the job was lost): ended more
 * than `graceMs` ago — the normal path had its chance — and less than `horizonMs` ago.
 */
export async function callsMissingReport(db: Queryable, graceMs: number, horizonMs: number, limit = 200): Promise<Array<{ id: string; org_id: string }>> {
  const { rows } = await db.query<{ id: string; org_id: string }>(
    `SELECT c.id, c.org_id FROM calls c
      WHERE c.report_queued_at IS NULL AND c.ended_at IS NOT NULL AND NOT (c.status = ANY($1::text[]))
        AND c.ended_at < now() - make_interval(secs => $2::double precision / 1000)
        AND c.ended_at > now() - make_interval(secs => $3::double precision / 1000)
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.call_id = c.id AND d.event_type = 'end-of-call-report')
      ORDER BY c.ended_at LIMIT $4`,
    [LIVE_STATUSES, graceMs, horizonMs, limit],
  );
  return rows;
}
