/**
 * The tools a call's agent ran, from the call's events (the call owner notes each with its
 * arguments and result, bounded): the stored transcript of a live call holds only what was
 * said. Scoped to the organization like every query.
 */
import type { Queryable } from '../db/pool.js';
import type { ToolRun } from './wire.js';


const LIMIT = 200;

export async function toolCallsOf(db: Queryable, orgId: string, callId: string): Promise<ToolRun[]> {
  const { rows } = await db.query<{ data: Record<string, unknown>; created_at: Date }>(
    `SELECT data, created_at FROM call_events WHERE org_id = $1 AND call_id = $2 AND type = 'tool-call' ORDER BY id LIMIT ${LIMIT}`,
    [orgId, callId],
  );
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return rows.map(({ data, created_at }) => ({
    name: text(data.name) ?? 'unknown',
    tool_call_id: text(data.toolCallId),
    duration_ms: typeof data.durationMs === 'number' ? data.durationMs : null,
    arguments: text(data.arguments),
    result: text(data.result),
    error: text(data.error),
    at: created_at.toISOString(),
  }));
}
