/**
 * The dialer's SQL (issue #14). Several nodes dial at once, so every step that changes a lead is
 * one conditional statement: a lead is claimed under its campaign's row lock (taken with SKIP
 * LOCKED, so only one node picks leads of a campaign at a time and `max_concurrent_calls` is
 * counted exactly), and an attempt is resolved only while the lead is still `calling` with the
 * same attempt number, so two nodes (or the event and the sweep) can never both resolve it.
 * Times come from the dialer's clock (`$now`), never from the database's `now()`, except the
 * claim's own age (real time, for the expiry of a claim that never got a call).
 */
import type { Db, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { LIVE_STATUSES } from '../telephony/vocabulary.js';
import type { CallStatus, EndReason } from '../telephony/vocabulary.js';

export interface DialableCampaign {
  id: string;
  orgId: string;
  name: string;
  agentId: string | null;
  numberId: string | null;
  systemMessageTemplate: string | null;
  start: string;
  end: string;
  timezone: string;
  days: string[];
  maxConcurrent: number;
  maxAttempts: number;
  retryDelayMinutes: number;
  retryDelaysMinutes: number[] | null;
}

export interface ClaimedLead {
  id: string;
  campaignId: string;
  orgId: string;
  phoneNumber: string;
  name: string | null;
  variables: Record<string, string>;
  /** The attempt this claim is (1-based). */
  attempt: number;
}

const CAMPAIGN_COLUMNS = `c.id, c.org_id AS "orgId", c.name, c.agent_id AS "agentId", c.number_id AS "numberId",
  c.system_message_template AS "systemMessageTemplate",
  to_char(c.schedule_start_time, 'HH24:MI:SS') AS start, to_char(c.schedule_end_time, 'HH24:MI:SS') AS "end",
  c.timezone, c.schedule_days AS days, c.max_concurrent_calls AS "maxConcurrent", c.max_attempts AS "maxAttempts",
  c.retry_delay_minutes AS "retryDelayMinutes", c.retry_delays_minutes AS "retryDelaysMinutes"`;

export async function scheduledCampaigns(db: Queryable): Promise<DialableCampaign[]> {
  const { rows } = await db.query<DialableCampaign>(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns c WHERE c.status = 'scheduled' ORDER BY c.created_at`);
  return rows;
}

export async function campaignById(db: Queryable, orgId: string, id: string): Promise<(DialableCampaign & { status: string }) | null> {
  const { rows } = await db.query<DialableCampaign & { status: string }>(`SELECT ${CAMPAIGN_COLUMNS}, c.status FROM campaigns c WHERE c.org_id = $1 AND c.id = $2`, [
    orgId,
    id,
  ]);
  return rows[0] ?? null;
}

/** The time zones of a campaign's due leads (NULL: the campaign's own). */
export async function dueZones(db: Queryable, campaignId: string, now: Date): Promise<Array<string | null>> {
  const { rows } = await db.query<{ zone: string | null }>(
    `SELECT DISTINCT variables->>'timezone' AS zone FROM leads
      WHERE campaign_id = $1 AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $2)`,
    [campaignId, now],
  );
  return rows.map((r) => r.zone);
}

export interface ClaimLimits {
  /** Most leads this node may start now (org room, trunk rate). */
  budget: number;
  /** Time zones whose window is open now; `campaignZoneOpen` covers leads without their own. */
  openZones: string[];
  campaignZoneOpen: boolean;
  now: Date;
  nodeId: string;
}

/**
 * Skips due leads on the do-not-call list, then claims up to min(budget, room under
 * max_concurrent_calls) due leads in the order they were added. Null when another node holds
 * the campaign right now or it is no longer scheduled.
 */
export async function claimLeads(db: Db, campaign: DialableCampaign, limits: ClaimLimits): Promise<{ claimed: ClaimedLead[]; skipped: string[] } | null> {
  return withTransaction(db, async (tx) => {
    const locked = await tx.query(`SELECT 1 FROM campaigns WHERE id = $1 AND status = 'scheduled' FOR UPDATE SKIP LOCKED`, [campaign.id]);
    if (locked.rowCount === 0) return null;
    const skipped = await tx.query<{ id: string }>(
      `UPDATE leads l SET status = 'skipped', last_result = 'do-not-call', next_attempt_at = NULL, updated_at = now()
        WHERE l.campaign_id = $1 AND l.status = 'pending' AND (l.next_attempt_at IS NULL OR l.next_attempt_at <= $3)
          AND EXISTS (SELECT 1 FROM dnc d WHERE d.org_id = $2 AND d.phone_number = l.phone_number)
        RETURNING l.id`,
      [campaign.id, campaign.orgId, limits.now],
    );
    const calling = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM leads WHERE campaign_id = $1 AND status = 'calling'`, [campaign.id]);
    const room = Math.min(limits.budget, campaign.maxConcurrent - calling.rows[0].n);
    if (room <= 0) return { claimed: [], skipped: skipped.rows.map((r) => r.id) };
    const { rows } = await tx.query<ClaimedLead>(
      `UPDATE leads l SET status = 'calling', attempts = l.attempts + 1, last_attempt_at = $3, next_attempt_at = NULL,
              claimed_by = $4, claimed_at = now(), last_error = NULL, updated_at = now()
        WHERE l.id IN (
          SELECT id FROM leads
           WHERE campaign_id = $1 AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $3)
             AND ((variables->>'timezone' IS NULL AND $6) OR variables->>'timezone' = ANY($5::text[]))
           ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING l.id, l.campaign_id AS "campaignId", l.org_id AS "orgId", l.phone_number AS "phoneNumber", l.name, l.variables,
                  l.attempts AS attempt`,
      [campaign.id, room, limits.now, limits.nodeId, limits.openZones, limits.campaignZoneOpen],
    );
    return { claimed: rows, skipped: skipped.rows.map((r) => r.id) };
  });
}

export async function setLeadCall(db: Queryable, lead: ClaimedLead, callId: string): Promise<void> {
  await db.query(`UPDATE leads SET call_id = $3 WHERE id = $1 AND attempts = $2 AND (call_id IS DISTINCT FROM $3)`, [lead.id, lead.attempt, callId]);
}

/** Gives a claim back without counting it as an attempt (nothing was dialed). */
export async function releaseClaim(db: Queryable, lead: { id: string; attempt: number }): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE leads SET status = 'pending', attempts = attempts - 1, claimed_by = NULL, claimed_at = NULL, updated_at = now()
      WHERE id = $1 AND status = 'calling' AND attempts = $2`,
    [lead.id, lead.attempt],
  );
  return (rowCount ?? 0) > 0;
}

export interface Resolution {
  status: 'pending' | 'completed' | 'failed' | 'skipped';
  result: string;
  error?: string | null;
  nextAttemptAt?: Date | null;
  callId?: string | null;
  /** The attempt is given back (not counted): nothing was dialed. */
  uncount?: boolean;
}

/** Ends the attempt once; false when someone else already resolved it. */
export async function resolveAttempt(db: Queryable, lead: { id: string; attempt: number }, r: Resolution): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE leads SET status = $3, last_result = $4, last_error = $5, next_attempt_at = $6, call_id = COALESCE($7, call_id),
            attempts = attempts - $8::int, claimed_by = NULL, claimed_at = NULL, updated_at = now()
      WHERE id = $1 AND status = 'calling' AND attempts = $2`,
    [lead.id, lead.attempt, r.status, r.result, r.error ?? null, r.nextAttemptAt ?? null, r.callId ?? null, r.uncount ? 1 : 0],
  );
  return (rowCount ?? 0) > 0;
}

export interface CallingLead {
  id: string;
  campaignId: string;
  orgId: string;
  attempt: number;
  claimAgeMs: number;
  call: { id: string; status: CallStatus; endReason: EndReason | null; sipStatus: number | null; answered: boolean } | null;
}

/**
 * Leads left `calling` whose attempt may be over without this node hearing it: the call of a
 * node that died (finalised by a survivor's recovery), or a claim that never got a call. Read
 * from the latest call row of the lead, made during this attempt.
 */
export async function callingLeads(db: Queryable, limit = 500): Promise<CallingLead[]> {
  const { rows } = await db.query<CallingLead & { call_id: string | null; call_status: CallStatus | null; end_reason: EndReason | null; sip_status: number | null; started: boolean }>(
    `SELECT l.id, l.campaign_id AS "campaignId", l.org_id AS "orgId", l.attempts AS attempt,
            (extract(epoch FROM now() - l.claimed_at) * 1000)::bigint AS "claimAgeMs",
            c.id AS call_id, c.status AS call_status, c.end_reason, c.sip_status, c.billed AS started
       FROM leads l
       LEFT JOIN LATERAL (
         SELECT id, status, end_reason, sip_status,
                -- answered and the agent reached (the call was billed), as the call-final event's durationSeconds says
                started_at IS NOT NULL AND EXISTS (SELECT 1 FROM usage_logs u WHERE u.org_id = calls.org_id AND u.call_id = calls.id) AS billed
           FROM calls
          WHERE calls.org_id = l.org_id AND calls.lead_id = l.id AND (calls.metadata->>'lead_attempt')::int = l.attempts
          ORDER BY created_at DESC LIMIT 1) c ON true
      WHERE l.status = 'calling' AND (c.id IS NULL OR c.status <> ALL($1::text[]))
      LIMIT $2`,
    [LIVE_STATUSES, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    campaignId: r.campaignId,
    orgId: r.orgId,
    attempt: r.attempt,
    claimAgeMs: Number(r.claimAgeMs ?? 0),
    call: r.call_id ? { id: r.call_id, status: r.call_status!, endReason: r.end_reason, sipStatus: r.sip_status, answered: r.started } : null,
  }));
}

const LEADS_LEFT = `EXISTS (SELECT 1 FROM leads l WHERE l.campaign_id = c.id AND l.status IN ('pending', 'calling'))`;

/**
 * Scheduled campaigns with nothing left to dial or wait for become `completed`; returns them.
 * Each is checked again after its row lock is held (a statement after the lock sees leads that
 * were added while we waited), so a campaign that just got new leads is not completed.
 */
export async function completeFinished(db: Db): Promise<Array<{ id: string; orgId: string }>> {
  const { rows: candidates } = await db.query<{ id: string }>(`SELECT c.id FROM campaigns c WHERE c.status = 'scheduled' AND NOT ${LEADS_LEFT}`);
  const done: Array<{ id: string; orgId: string }> = [];
  for (const { id } of candidates) {
    const completed = await withTransaction(db, async (tx) => {
      const locked = await tx.query(`SELECT 1 FROM campaigns WHERE id = $1 AND status = 'scheduled' FOR UPDATE SKIP LOCKED`, [id]);
      if (locked.rowCount === 0) return null;
      const { rows } = await tx.query<{ id: string; orgId: string }>(
        `UPDATE campaigns c SET status = 'completed', updated_at = now() WHERE c.id = $1 AND NOT ${LEADS_LEFT} RETURNING c.id, c.org_id AS "orgId"`,
        [id],
      );
      return rows[0] ?? null;
    });
    if (completed) done.push(completed);
  }
  return done;
}

/** The platform pauses a campaign (credits, a broken agent or trunk); false when it was not scheduled. */
export async function pauseCampaign(db: Queryable, campaignId: string, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE campaigns SET status = 'paused', paused_reason = $2, updated_at = now() WHERE id = $1 AND status = 'scheduled'`,
    [campaignId, reason],
  );
  return (rowCount ?? 0) > 0;
}

/** Live calls of the organization on every node (the org limit's count). */
export async function liveCallsOf(db: Queryable, orgId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM calls WHERE org_id = $1 AND status = ANY($2::text[])`, [orgId, LIVE_STATUSES]);
  return rows[0].n;
}

export async function balanceOf(db: Queryable, orgId: string): Promise<number | null> {
  const { rows } = await db.query<{ minutes_balance: number | null }>('SELECT minutes_balance FROM organizations WHERE id = $1', [orgId]);
  return rows[0]?.minutes_balance ?? null;
}

/** The trunk a campaign's calls leave through (as outbound.ts picks it) and its calls per second. */
export async function trunkRate(db: Queryable, orgId: string, numberId: string | null): Promise<{ id: string; callsPerSecond: number } | null> {
  const { rows } = await db.query<{ id: string; callsPerSecond: number }>(
    `SELECT t.id, t.calls_per_second AS "callsPerSecond" FROM sip_trunks t
      WHERE t.org_id = $1 AND (t.is_default_outbound OR t.id = (SELECT transfer_trunk_id FROM numbers WHERE org_id = $1 AND id = $2))
      ORDER BY t.is_default_outbound DESC LIMIT 1`,
    [orgId, numberId],
  );
  return rows[0] ?? null;
}
