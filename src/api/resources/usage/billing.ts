/**
 * How a call is billed (flireo-api B §5.6): per started minute (84 s → 2 minutes), at the
 * configured price per minute (PRICE_PER_MINUTE, default €0.07). The call path records one usage
 * row per call through `recordUsage`; the usage API only reads them.
 */
import type { Queryable } from '../../../db/pool.js';

export function billedMinutes(durationSeconds: number): number {
  return durationSeconds <= 0 ? 0 : Math.ceil(durationSeconds / 60);
}

/** Rounded to 4 decimals, the precision of `usage_logs.cost`. */
export function costOf(minutes: number, pricePerMinute: number): number {
  return Math.round(minutes * pricePerMinute * 10_000) / 10_000;
}

export interface UsageEntry {
  orgId: string;
  callId: string;
  durationSeconds: number;
  pricePerMinute: number;
}

/**
 * One row per call: a retried finalisation is a no-op (`usage_logs_one_per_call`). Returns the
 * minutes billed, or null when the call was billed already.
 */
export async function recordUsage(db: Queryable, entry: UsageEntry): Promise<number | null> {
  const minutes = billedMinutes(entry.durationSeconds);
  const { rowCount } = await db.query(
    `INSERT INTO usage_logs (org_id, call_id, duration_seconds, minutes_used, cost)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (call_id) WHERE call_id IS NOT NULL DO NOTHING`,
    [entry.orgId, entry.callId, Math.max(0, Math.round(entry.durationSeconds)), minutes, costOf(minutes, entry.pricePerMinute)],
  );
  return rowCount ? minutes : null;
}
