/**
 * The organization's do-not-call list (issue #14): numbers the dialer never calls. Entries come
 * from `/api/v1/dnc` or from the built-in `addToDoNotCall` tool when a callee asks not to be
 * called again. Every query is scoped to the organization.
 */
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';

export const ADD_TO_DNC_TOOL = 'addToDoNotCall';

export interface DncEntry {
  id: string;
  phone_number: string;
  reason: string | null;
  source: 'api' | 'agent';
  call_id: string | null;
  created_at: Date;
}

const COLUMNS = 'id, phone_number, reason, source, call_id, created_at';

export async function listDnc(db: Queryable, orgId: string): Promise<DncEntry[]> {
  const { rows } = await db.query<DncEntry>(`SELECT ${COLUMNS} FROM dnc WHERE org_id = $1 ORDER BY created_at, id`, [orgId]);
  return rows;
}

/** Idempotent: a number already on the list keeps its first entry. */
export async function addDnc(
  db: Queryable,
  orgId: string,
  entry: { phoneNumber: string; reason?: string | null; source: 'api' | 'agent'; callId?: string | null },
): Promise<{ entry: DncEntry; created: boolean }> {
  const inserted = await db.query<DncEntry>(
    `INSERT INTO dnc (org_id, phone_number, reason, source, call_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (org_id, phone_number) DO NOTHING RETURNING ${COLUMNS}`,
    [orgId, entry.phoneNumber, entry.reason ?? null, entry.source, entry.callId ?? null],
  );
  if (inserted.rows[0]) return { entry: inserted.rows[0], created: true };
  const { rows } = await db.query<DncEntry>(`SELECT ${COLUMNS} FROM dnc WHERE org_id = $1 AND phone_number = $2`, [orgId, entry.phoneNumber]);
  return { entry: rows[0], created: false };
}

/** By entry id or by number; false when there was none. */
export async function removeDnc(db: Queryable, orgId: string, by: { id: string } | { phoneNumber: string }): Promise<boolean> {
  const { rowCount } =
    'id' in by
      ? await db.query('DELETE FROM dnc WHERE org_id = $1 AND id = $2', [orgId, by.id])
      : await db.query('DELETE FROM dnc WHERE org_id = $1 AND phone_number = $2', [orgId, by.phoneNumber]);
  return (rowCount ?? 0) > 0;
}

/** The tool the model sees on campaign calls; it takes no arguments (the callee's number is known). */
export const ADD_TO_DNC_DEFINITION = {
  type: 'function' as const,
  name: ADD_TO_DNC_TOOL,
  description:
    'Put the person you are talking to on the do-not-call list when they ask not to be called again. ' +
    'Afterwards confirm politely that they will not be called again.',
  parameters: { type: 'object', properties: { reason: { type: 'string', description: 'What the person said, briefly' } }, required: [] },
  async: false,
};

/** The built-in tool, run by the call owner: its answer is what the model hears (never a throw). */
export async function addToDoNotCall(
  db: Queryable,
  log: Logger,
  call: { orgId: string; callId: string; number: string | null; arguments: unknown },
): Promise<{ result: unknown; error?: string }> {
  if (!call.number) return { result: null, error: 'This call has no phone number to put on the do-not-call list.' };
  const args = call.arguments !== null && typeof call.arguments === 'object' ? (call.arguments as Record<string, unknown>) : {};
  const reason = typeof args.reason === 'string' ? args.reason.slice(0, 1000) : null;
  try {
    await addDnc(db, call.orgId, { phoneNumber: call.number, reason, source: 'agent', callId: call.callId });
    log.info({ event: 'do-not-call', callId: call.callId, pii: { number: call.number } }, 'number put on the do-not-call list');
    return { result: 'The number is on the do-not-call list; it will not be called again.' };
  } catch (err) {
    log.warn({ err, callId: call.callId }, 'addToDoNotCall failed');
    return { result: null, error: 'The do-not-call list could not be updated right now.' };
  }
}
