/**
 * Campaigns. Status rules (flireo-api B §3.13 [G3]):
 * - created as `draft`, or `scheduled` to start at once; other statuses at creation are refused;
 * - PATCH may set `draft`, `scheduled`, `paused` or `cancelled`; `completed` is set by the
 *   platform only (400);
 * - a `completed` or `cancelled` campaign takes no more changes, leads included (409); it can
 *   still be deleted.
 * The lead counters are computed from the leads on every read.
 */
import { withTransaction, type Db, type Queryable } from '../../../db/pool.js';
import { invalid, missingField, notFound } from '../../errors.js';
import { alias, iso } from '../../wrap.js';
import { requireOwnAgent, requireOwnNumber } from '../numbers/service.js';
import { setClause } from '../numbers/update-sql.js';
import { insertLeads, lockCampaign, normaliseLead, requireChangeable } from './leads.js';
import type { CampaignStatus, CampaignView, CreateCampaignInput, UpdateCampaignInput } from './schema.js';
import { normaliseDays, normaliseTime, normaliseTimezone, requireWindow } from './schedule.js';

interface CampaignRow extends Omit<CampaignView, 'created_at' | 'updated_at'> {
  created_at: Date;
  updated_at: Date;
}

const SELECT = `
  SELECT c.id, c.name, c.status, c.agent_id, c.number_id, c.system_message_template,
         to_char(c.schedule_start_time, 'HH24:MI:SS') AS schedule_start_time,
         to_char(c.schedule_end_time, 'HH24:MI:SS') AS schedule_end_time,
         c.timezone, c.schedule_days, c.max_concurrent_calls, c.max_attempts, c.retry_delay_minutes,
         c.retry_delays_minutes, c.paused_reason,
         COALESCE(l.total, 0)::int AS total_leads, COALESCE(l.completed, 0)::int AS completed_leads,
         COALESCE(l.failed, 0)::int AS failed_leads, COALESCE(l.calling, 0)::int AS calling_leads,
         COALESCE(l.pending, 0)::int AS pending_leads, COALESCE(l.skipped, 0)::int AS skipped_leads,
         c.created_at, c.updated_at
    FROM campaigns c
    LEFT JOIN LATERAL (
      SELECT count(*) AS total, count(*) FILTER (WHERE status = 'completed') AS completed,
             count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'calling') AS calling,
             count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'skipped') AS skipped
        FROM leads WHERE leads.org_id = c.org_id AND leads.campaign_id = c.id) l ON true`;

const CREATE_STATUSES: readonly CampaignStatus[] = ['draft', 'scheduled'];
const SETTABLE_STATUSES: readonly CampaignStatus[] = ['draft', 'scheduled', 'paused', 'cancelled'];

function toView(row: CampaignRow): CampaignView {
  return { ...row, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

type ScheduleFields = Pick<
  CreateCampaignInput,
  'schedule_start_time' | 'schedule_end_time' | 'timezone' | 'schedule_days' | 'number_id' | 'agent_id' | 'assistant_id'
>;

/** Validates and normalises the fields both create and update take; absent fields stay absent. */
async function normaliseCommon(db: Queryable, orgId: string, body: ScheduleFields) {
  const agentId = alias<string>(body, 'agent_id', 'assistant_id');
  if (agentId !== undefined) await requireOwnAgent(db, orgId, agentId, body.agent_id !== undefined ? 'agent_id' : 'assistant_id');
  if (body.number_id) await requireOwnNumber(db, orgId, body.number_id);
  return {
    agent_id: agentId,
    number_id: body.number_id,
    schedule_start_time: body.schedule_start_time === undefined ? undefined : normaliseTime('schedule_start_time', body.schedule_start_time),
    schedule_end_time: body.schedule_end_time === undefined ? undefined : normaliseTime('schedule_end_time', body.schedule_end_time),
    timezone: body.timezone === undefined ? undefined : normaliseTimezone('timezone', body.timezone),
    schedule_days: body.schedule_days === undefined ? undefined : normaliseDays('schedule_days', body.schedule_days),
  };
}

export async function listCampaigns(db: Queryable, orgId: string): Promise<CampaignView[]> {
  const { rows } = await db.query<CampaignRow>(`${SELECT} WHERE c.org_id = $1 ORDER BY c.created_at, c.id`, [orgId]);
  return rows.map(toView);
}

export async function getCampaign(db: Queryable, orgId: string, id: string): Promise<CampaignView> {
  const { rows } = await db.query<CampaignRow>(`${SELECT} WHERE c.org_id = $1 AND c.id = $2`, [orgId, id]);
  if (!rows[0]) throw notFound('campaign');
  return toView(rows[0]);
}

export async function createCampaign(db: Db, orgId: string, body: CreateCampaignInput): Promise<CampaignView> {
  const status = body.status ?? 'draft';
  if (!CREATE_STATUSES.includes(status)) throw invalid('status', 'a new campaign starts as draft or scheduled');
  if (alias(body, 'agent_id', 'assistant_id') === undefined) throw missingField('agent_id');
  const common = await normaliseCommon(db, orgId, body);
  requireWindow(common.schedule_start_time ?? '09:00:00', common.schedule_end_time ?? '17:00:00');
  const leads = (body.leads ?? []).map((l, i) => normaliseLead(l, `leads[${i}]`));
  const fields = { name: body.name, status, system_message_template: body.system_message_template, ...common, ...limits(body) };
  const columns = Object.entries(fields).filter(([, v]) => v !== undefined);
  const id = await withTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO campaigns (org_id, ${columns.map(([c]) => c).join(', ')})
       VALUES ($1, ${columns.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING id`,
      [orgId, ...columns.map(([, v]) => v)],
    );
    await insertLeads(tx, orgId, rows[0].id, leads);
    return rows[0].id;
  });
  return getCampaign(db, orgId, id);
}

function limits(body: Pick<CreateCampaignInput, 'max_concurrent_calls' | 'max_attempts' | 'retry_delay_minutes' | 'retry_delays_minutes'>) {
  return {
    max_concurrent_calls: body.max_concurrent_calls,
    max_attempts: body.max_attempts,
    retry_delay_minutes: body.retry_delay_minutes,
    retry_delays_minutes: body.retry_delays_minutes,
  };
}

export async function updateCampaign(db: Db, orgId: string, id: string, body: UpdateCampaignInput): Promise<CampaignView> {
  if (body.status !== undefined && !SETTABLE_STATUSES.includes(body.status)) {
    throw invalid('status', 'completed is set by the platform when no leads are left; set draft, scheduled, paused or cancelled');
  }
  const common = await normaliseCommon(db, orgId, body);
  await withTransaction(db, async (tx) => {
    requireChangeable(await lockCampaign(tx, orgId, id));
    const current = await getCampaign(tx, orgId, id);
    requireWindow(common.schedule_start_time ?? current.schedule_start_time, common.schedule_end_time ?? current.schedule_end_time);
    if (body.status === 'scheduled' && (common.agent_id ?? current.agent_id) === null) {
      throw invalid('agent_id', 'the campaign has no agent (it was deleted); set agent_id before scheduling');
    }
    const set = setClause({ name: body.name, status: body.status, system_message_template: body.system_message_template, ...common, ...limits(body) }, 3);
    if (set.values.length > 0) await tx.query(`UPDATE campaigns SET ${set.sql} WHERE org_id = $1 AND id = $2`, [orgId, id, ...set.values]);
    // A status the user sets replaces the platform's pause (e.g. scheduled again after credits were added).
    if (body.status !== undefined) await tx.query('UPDATE campaigns SET paused_reason = NULL WHERE org_id = $1 AND id = $2', [orgId, id]);
    // Cancelled: leads not yet called are skipped; calls in progress finish (the dialer does not retry them).
    if (body.status === 'cancelled') {
      await tx.query(
        `UPDATE leads SET status = 'skipped', last_result = 'cancelled', next_attempt_at = NULL, updated_at = now()
          WHERE org_id = $1 AND campaign_id = $2 AND status = 'pending'`,
        [orgId, id],
      );
    }
  });
  return getCampaign(db, orgId, id);
}

export async function deleteCampaign(db: Queryable, orgId: string, id: string): Promise<void> {
  const { rowCount } = await db.query('DELETE FROM campaigns WHERE org_id = $1 AND id = $2', [orgId, id]);
  if (!rowCount) throw notFound('campaign');
}
