/**
 * The delivery log in PostgreSQL (`webhook_deliveries` + `webhook_delivery_attempts`). It is the
 * source of truth: the queue only carries delivery ids, so a lost job is found again by the
 * sweeper (queue.ts) and nothing is delivered twice once it is marked delivered.
 */
import type { Db, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import type { SecretBox } from '../crypto.js';
import type { Envelope } from './payloads.js';

/** How much of a receiver's answer the attempt log keeps. */
const RESPONSE_BODY_LOG_CHARS = 1000;

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed';

export interface NewDelivery {
  /** Chosen by the caller when it must be known before the row is written (synchronous events). */
  id?: string;
  orgId: string;
  callId: string | null;
  agentId: string | null;
  eventType: string;
  url: string;
  payload: Envelope;
  secret: string | null;
  synchronous?: boolean;
}

export interface DeliveryRow {
  id: string;
  org_id: string;
  call_id: string | null;
  agent_id: string | null;
  event_type: string;
  url: string;
  payload: Envelope;
  status: DeliveryStatus;
  attempts: number;
  secret_encrypted: string | null;
}

/** Logs a delivery; one whose chosen `id` exists already is left as it is (a retried finalisation). */
export async function insertDelivery(db: Queryable, secrets: SecretBox, d: NewDelivery): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO webhook_deliveries (id, org_id, call_id, agent_id, event_type, url, payload, secret_encrypted, synchronous,
                                     status, queued_at)
     VALUES (COALESCE($10::uuid, gen_random_uuid()), $1, $2, $3, $4, $5, $6, $7, $8, $9,
             CASE WHEN $2::uuid IS NULL AND NOT $8 THEN now() END)
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [
      d.orgId,
      d.callId,
      d.agentId,
      d.eventType,
      d.url,
      JSON.stringify(d.payload),
      d.secret ? secrets.encrypt(d.secret) : null,
      d.synchronous ?? false,
      d.synchronous ? 'delivering' : 'pending',
      d.id ?? null,
    ],
  );
  return rows[0]?.id ?? d.id!;
}

/**
 * The head of a call's chain: when no delivery of the call is in flight, marks the oldest waiting
 * one as queued and returns its id. A transaction-scoped advisory lock per call makes concurrent
 * enqueues and completions agree on a single head.
 */
export async function claimNextOfCall(db: Db, callId: string): Promise<string | null> {
  return withTransaction(db, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('webhooks:' || $1))`, [callId]);
    const inFlight = await tx.query(
      `SELECT 1 FROM webhook_deliveries
        WHERE call_id = $1 AND NOT synchronous AND status IN ('pending', 'delivering') AND queued_at IS NOT NULL LIMIT 1`,
      [callId],
    );
    if (inFlight.rowCount) return null;
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE webhook_deliveries SET queued_at = now()
        WHERE id = (SELECT id FROM webhook_deliveries
                     WHERE call_id = $1 AND NOT synchronous AND status = 'pending' AND queued_at IS NULL
                     ORDER BY seq LIMIT 1)
        RETURNING id`,
      [callId],
    );
    return rows[0]?.id ?? null;
  });
}

export async function loadDelivery(db: Queryable, id: string): Promise<DeliveryRow | null> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT id, org_id, call_id, agent_id, event_type, url, payload, status, attempts, secret_encrypted
       FROM webhook_deliveries WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** Counts the attempt before it is made, so a crash mid-request still shows up as an attempt. */
export async function beginAttempt(db: Queryable, id: string): Promise<number> {
  const { rows } = await db.query<{ attempts: number }>(
    `UPDATE webhook_deliveries SET status = 'delivering', attempts = attempts + 1 WHERE id = $1 RETURNING attempts`,
    [id],
  );
  return rows[0]?.attempts ?? 0;
}

export interface AttemptResult {
  attempt: number;
  /** The start of the receiver's answer, for the log (truncated). */
  responseBody?: string | null;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** What the delivery is now. */
  outcome: 'delivered' | 'retry' | 'failed';
  nextAttemptAt?: Date;
}

export async function finishAttempt(db: Db, id: string, r: AttemptResult): Promise<void> {
  await withTransaction(db, async (tx) => {
    await tx.query(
      `INSERT INTO webhook_delivery_attempts (org_id, delivery_id, attempt, status_code, error, duration_ms, response_body, started_at)
       SELECT org_id, id, $2, $3, $4, $5::integer, $6, now() - make_interval(secs => $5::integer / 1000.0)
         FROM webhook_deliveries WHERE id = $1`,
      [id, r.attempt, r.statusCode, r.error, r.durationMs, r.responseBody?.slice(0, RESPONSE_BODY_LOG_CHARS) ?? null],
    );
    await tx.query(
      `UPDATE webhook_deliveries
          SET status = $2, last_status_code = $3, last_error = $4,
              next_attempt_at = $5, delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
        WHERE id = $1`,
      [id, r.outcome === 'retry' ? 'pending' : r.outcome, r.statusCode, r.error, r.nextAttemptAt ?? null],
    );
  });
}

/** Puts a delivered or failed delivery back in line for a manual replay. */
export async function resetForReplay(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET status = 'pending', queued_at = now(), next_attempt_at = now()
      WHERE id = $1 AND org_id = $2 AND NOT synchronous`,
    [id, orgId],
  );
  return (rowCount ?? 0) > 0;
}

/** Calls whose chain may have stalled (a crash between the log and the queue): re-examined by the sweeper. */
export async function callsWithWaitingDeliveries(db: Queryable, olderThanMs: number): Promise<string[]> {
  const { rows } = await db.query<{ call_id: string }>(
    `SELECT DISTINCT call_id FROM webhook_deliveries
      WHERE call_id IS NOT NULL AND NOT synchronous AND status = 'pending' AND queued_at IS NULL
        AND created_at < now() - make_interval(secs => $1::double precision / 1000)`,
    [olderThanMs],
  );
  return rows.map((r) => r.call_id);
}

/** Deliveries handed to the queue long ago that are still not finished: their jobs may be gone. */
export async function queuedButUnfinished(db: Queryable, olderThanMs: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM webhook_deliveries
      WHERE NOT synchronous AND status IN ('pending', 'delivering') AND queued_at IS NOT NULL
        AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
      LIMIT 500`,
    [olderThanMs],
  );
  return rows.map((r) => r.id);
}
