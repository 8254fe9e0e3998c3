/**
 * Leads of a campaign. Added in order and listed oldest first (`seq`); phone numbers are E.164;
 * variables are a small string map. A lead that is being called cannot be removed, and a
 * completed or cancelled campaign takes no changes.
 */
import { withTransaction, type Db, type Queryable } from '../../../db/pool.js';
import { ApiError, conflict, notFound } from '../../errors.js';
import { alias, iso, isoOrNull, oneSpelling, requireE164 } from '../../wrap.js';
import { normaliseTimezone } from './schedule.js';
import type { AddLeadsInput, CampaignStatus, LeadInputValue, LeadListQueryValue, LeadStatus, LeadView } from './schema.js';

interface LeadRow {
  id: string;
  campaign_id: string;
  phone_number: string;
  name: string | null;
  variables: Record<string, string>;
  status: LeadStatus;
  call_id: string | null;
  attempts: number;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  last_result: string | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, campaign_id, phone_number, name, variables, status, call_id, attempts, last_attempt_at,
                 next_attempt_at, last_result, last_error, created_at, updated_at`;

function toView(row: LeadRow): LeadView {
  const { name, ...rest } = row;
  return {
    ...rest,
    ...(name !== null && { name }),
    last_attempt_at: isoOrNull(row.last_attempt_at),
    next_attempt_at: isoOrNull(row.next_attempt_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export interface NormalisedLead {
  phone_number: string;
  name: string | null;
  variables: Record<string, string>;
}

/** `param` is where the lead sits in the request (`leads[3]`, or '' for a single lead). */
export function normaliseLead(lead: LeadInputValue, param: string): NormalisedLead {
  const prefix = param ? `${param}.` : '';
  const phone = requireE164(`${prefix}phone_number`, oneSpelling<string>(lead, prefix, 'phone_number', 'number'));
  const variables: Record<string, string> = {};
  for (const [key, value] of Object.entries(lead.variables ?? {})) variables[key] = String(value);
  // The lead's own time zone decides its calling window; a bad one is refused here, not at dial time.
  if (variables.timezone !== undefined) variables.timezone = normaliseTimezone(`${prefix}variables.timezone`, variables.timezone);
  return { phone_number: phone, name: lead.name?.trim() || null, variables };
}

/** Locks the campaign row (so its status cannot change under us) and returns its status. */
export async function lockCampaign(tx: Queryable, orgId: string, campaignId: string): Promise<CampaignStatus> {
  const { rows } = await tx.query<{ status: CampaignStatus }>('SELECT status FROM campaigns WHERE org_id = $1 AND id = $2 FOR UPDATE', [
    orgId,
    campaignId,
  ]);
  if (!rows[0]) throw notFound('campaign');
  return rows[0].status;
}

export function requireChangeable(status: CampaignStatus): void {
  if (status === 'completed' || status === 'cancelled') {
    throw conflict(`The campaign is ${status} and can no longer be changed; create a new campaign instead`, 'status');
  }
}

/** Inserts in the given order inside the caller's transaction. */
export async function insertLeads(tx: Queryable, orgId: string, campaignId: string, leads: readonly NormalisedLead[]): Promise<LeadView[]> {
  if (leads.length === 0) return [];
  const { rows } = await tx.query<LeadRow>(
    `INSERT INTO leads (org_id, campaign_id, phone_number, name, variables)
     SELECT $1, $2, p, n, v::jsonb FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS x(p, n, v, i) ORDER BY i
     RETURNING ${COLUMNS}, seq`,
    [orgId, campaignId, leads.map((l) => l.phone_number), leads.map((l) => l.name), leads.map((l) => JSON.stringify(l.variables))],
  );
  return (rows as (LeadRow & { seq: number })[]).sort((x, y) => x.seq - y.seq).map(({ seq: _seq, ...row }) => toView(row));
}

/**
 * Oldest first. With `limit` a page (the SDK's `listLeads(id, {limit, offset})`); without it every
 * lead, as the reference pages list them. Both carry `pagination`.
 */
export async function listLeads(db: Queryable, orgId: string, campaignId: string, query: LeadListQueryValue = {}) {
  const { rowCount } = await db.query('SELECT 1 FROM campaigns WHERE org_id = $1 AND id = $2', [orgId, campaignId]);
  if (!rowCount) throw notFound('campaign');
  const offset = query.offset ?? 0;
  const [{ rows }, total] = await Promise.all([
    db.query<LeadRow>(`SELECT ${COLUMNS} FROM leads WHERE org_id = $1 AND campaign_id = $2 ORDER BY seq LIMIT $3 OFFSET $4`, [
      orgId,
      campaignId,
      query.limit ?? null,
      offset,
    ]),
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM leads WHERE org_id = $1 AND campaign_id = $2', [orgId, campaignId]),
  ]);
  const count = total.rows[0].n;
  return { leads: rows.map(toView), pagination: { total: count, limit: query.limit ?? Math.max(count - offset, 0), offset } };
}

/** One lead (`phone_number`, `variables`) or a bulk `leads: [...]`; never both. */
export async function addLeads(db: Db, orgId: string, campaignId: string, body: AddLeadsInput): Promise<{ lead?: LeadView; leads?: LeadView[] }> {
  const single = alias<string>(body, 'phone_number', 'number') !== undefined || body.variables !== undefined || body.name !== undefined;
  if (body.leads && single) {
    throw new ApiError('invalid_request', 'Send either one lead (phone_number, name, variables) or leads: [...], not both', { param: 'leads' });
  }
  const leads = body.leads ? body.leads.map((l, i) => normaliseLead(l, `leads[${i}]`)) : [normaliseLead(body, '')];
  const added = await withTransaction(db, async (tx) => {
    requireChangeable(await lockCampaign(tx, orgId, campaignId));
    return insertLeads(tx, orgId, campaignId, leads);
  });
  return body.leads ? { leads: added } : { lead: added[0] };
}

export async function deleteLead(db: Db, orgId: string, campaignId: string, leadId: string): Promise<void> {
  await withTransaction(db, async (tx) => {
    requireChangeable(await lockCampaign(tx, orgId, campaignId));
    const { rows } = await tx.query<{ status: LeadStatus }>(
      'SELECT status FROM leads WHERE org_id = $1 AND campaign_id = $2 AND id = $3 FOR UPDATE',
      [orgId, campaignId, leadId],
    );
    if (!rows[0]) throw notFound('lead');
    if (rows[0].status === 'calling') throw conflict('The lead is being called right now and cannot be removed; try again when the call has ended');
    await tx.query('DELETE FROM leads WHERE org_id = $1 AND id = $2', [orgId, leadId]);
  });
}

/** One lead as the API shows it, or null (the dialer's campaign-update webhook). */
export async function getLead(db: Queryable, orgId: string, leadId: string): Promise<LeadView | null> {
  const { rows } = await db.query<LeadRow>(`SELECT ${COLUMNS} FROM leads WHERE org_id = $1 AND id = $2`, [orgId, leadId]);
  return rows[0] ? toView(rows[0]) : null;
}
