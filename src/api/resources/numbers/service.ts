/**
 * Phone numbers. A number is globally unique (a dialed number routes to exactly one org), so a
 * duplicate is a 409 whatever org holds it, and the answer never says which. Agent and trunk ids
 * must belong to the caller's org; a foreign one is "not found", like an unknown one.
 */
import type { Queryable } from '../../../db/pool.js';
import { conflict, invalid, notFound } from '../../errors.js';
import { alias, iso, requireE164 } from '../../wrap.js';
import type { NumberInput, PhoneNumberView } from './schema.js';
import { setClause } from './update-sql.js';

interface NumberRow {
  id: string;
  phone_number: string;
  name: string | null;
  agent_id: string | null;
  agent_name: string | null;
  business_name: string | null;
  transfer_trunk_id: string | null;
  transfer_trunk_name: string | null;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
}

/** `n` is a numbers row set (a table or a CTE); the joins stay inside the org. */
const SELECT_FROM = (source: string) => `
  SELECT n.id, n.phone_number, n.name, n.agent_id, a.name AS agent_name, a.business_name,
         n.transfer_trunk_id, t.name AS transfer_trunk_name, n.is_active, n.created_at, n.updated_at
    FROM ${source} n
    LEFT JOIN agents a ON a.org_id = n.org_id AND a.id = n.agent_id
    LEFT JOIN sip_trunks t ON t.org_id = n.org_id AND t.id = n.transfer_trunk_id`;

function toView(row: NumberRow): PhoneNumberView {
  return { ...row, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

const PHONE_UNIQUE = 'numbers_phone_number_key';

/** Turns the global unique violation into the contract's 409; anything else is rethrown. */
async function mapPhoneConflict<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const pgErr = err as { code?: string; constraint?: string };
    if (pgErr.code === '23505' && pgErr.constraint === PHONE_UNIQUE) {
      throw conflict('This phone number is already registered', 'phone_number');
    }
    throw err;
  }
}

/** 404 `agent not found` (param `agent_id`) unless the agent exists in this org. */
export async function requireOwnAgent(db: Queryable, orgId: string, agentId: string, param = 'agent_id'): Promise<void> {
  const { rowCount } = await db.query('SELECT 1 FROM agents WHERE org_id = $1 AND id = $2', [orgId, agentId]);
  if (!rowCount) throw notFound('agent', param);
}

/** 404 unless the trunk is this org's; 400 for an inbound-only trunk (no host to send a transfer to). */
export async function requireOwnTrunk(db: Queryable, orgId: string, trunkId: string, param = 'transfer_trunk_id'): Promise<void> {
  const { rows } = await db.query<{ host: string }>('SELECT host FROM sip_trunks WHERE org_id = $1 AND id = $2', [orgId, trunkId]);
  if (!rows[0]) throw notFound('sip trunk', param);
  if (rows[0].host === '') throw invalid(param, 'is an inbound-only trunk (no host or address), which cannot carry transfers; give it an address first');
}

export async function requireOwnNumber(db: Queryable, orgId: string, numberId: string, param = 'number_id'): Promise<void> {
  const { rowCount } = await db.query('SELECT 1 FROM numbers WHERE org_id = $1 AND id = $2', [orgId, numberId]);
  if (!rowCount) throw notFound('number', param);
}

interface NormalisedInput {
  phone_number?: string;
  name?: string | null;
  agent_id?: string | null;
  transfer_trunk_id?: string | null;
  is_active?: boolean;
}

async function normalise(db: Queryable, orgId: string, body: NumberInput, creating: boolean): Promise<NormalisedInput> {
  const rawPhone = alias<string>(body, 'phone_number', 'number');
  const agentId = alias<string | null>(body, 'agent_id', 'assistant_id');
  if (agentId) await requireOwnAgent(db, orgId, agentId, body.agent_id !== undefined ? 'agent_id' : 'assistant_id');
  if (body.transfer_trunk_id) await requireOwnTrunk(db, orgId, body.transfer_trunk_id);
  return {
    phone_number: creating || rawPhone !== undefined ? requireE164('phone_number', rawPhone) : undefined,
    name: body.name,
    agent_id: agentId,
    transfer_trunk_id: body.transfer_trunk_id,
    is_active: body.is_active,
  };
}

export async function listNumbers(db: Queryable, orgId: string): Promise<PhoneNumberView[]> {
  const { rows } = await db.query<NumberRow>(`${SELECT_FROM('numbers')} WHERE n.org_id = $1 ORDER BY n.created_at, n.id`, [orgId]);
  return rows.map(toView);
}

export async function getNumber(db: Queryable, orgId: string, id: string): Promise<PhoneNumberView> {
  const { rows } = await db.query<NumberRow>(`${SELECT_FROM('numbers')} WHERE n.org_id = $1 AND n.id = $2`, [orgId, id]);
  if (!rows[0]) throw notFound('number');
  return toView(rows[0]);
}

export async function createNumber(db: Queryable, orgId: string, body: NumberInput): Promise<PhoneNumberView> {
  const input = await normalise(db, orgId, body, true);
  const { rows } = await mapPhoneConflict(
    db.query<NumberRow>(
      `WITH n AS (
         INSERT INTO numbers (org_id, phone_number, name, agent_id, transfer_trunk_id, is_active)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)
       ${SELECT_FROM('n')}`,
      [orgId, input.phone_number, input.name ?? null, input.agent_id ?? null, input.transfer_trunk_id ?? null, input.is_active ?? true],
    ),
  );
  return toView(rows[0]);
}

export interface NumberChange {
  number: PhoneNumberView;
  /** The number before the change, when `phone_number` itself changed. */
  previousPhoneNumber: string | null;
}

export async function updateNumber(db: Queryable, orgId: string, id: string, body: NumberInput): Promise<NumberChange> {
  const before = await getNumber(db, orgId, id);
  const input = await normalise(db, orgId, body, false);
  const set = setClause({ ...input }, 3);
  if (set.values.length === 0) return { number: before, previousPhoneNumber: null };
  const { rows } = await mapPhoneConflict(
    db.query<NumberRow>(
      `WITH n AS (UPDATE numbers SET ${set.sql} WHERE org_id = $1 AND id = $2 RETURNING *) ${SELECT_FROM('n')}`,
      [orgId, id, ...set.values],
    ),
  );
  if (!rows[0]) throw notFound('number');
  const number = toView(rows[0]);
  return { number, previousPhoneNumber: number.phone_number === before.phone_number ? null : before.phone_number };
}

/** Returns the deleted number's E.164 form, for cache invalidation. */
export async function deleteNumber(db: Queryable, orgId: string, id: string): Promise<string> {
  const { rows } = await db.query<{ phone_number: string }>(
    'DELETE FROM numbers WHERE org_id = $1 AND id = $2 RETURNING phone_number',
    [orgId, id],
  );
  if (!rows[0]) throw notFound('number');
  return rows[0].phone_number;
}
