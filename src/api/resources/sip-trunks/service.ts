/**
 * SIP trunks. Passwords are sealed with the SecretBox (AES-256-GCM) and never leave the database
 * in clear. At most one trunk per org is the default outbound trunk: making one the default
 * clears the flag on the others in the same transaction (the partial unique index
 * `sip_trunks_one_default_per_org` backs this up).
 */
import type { SecretBox } from '../../../crypto.js';
import { withTransaction, type Db, type Queryable } from '../../../db/pool.js';
import { conflict, invalid, notFound } from '../../errors.js';
import { iso } from '../../wrap.js';
import { setClause } from '../numbers/update-sql.js';
import { normaliseTrunkHost, trunkHostHint } from './host.js';
import type { CreateTrunkInput, SipTrunkView, TransferMode, Transport, UpdateTrunkInput } from './schema.js';

interface TrunkRow {
  id: string;
  name: string;
  host: string;
  port: number;
  username: string | null;
  has_password: boolean;
  transport: Transport;
  transfer_mode: TransferMode;
  is_default_outbound: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, name, host, port, username, password_encrypted IS NOT NULL AS has_password,
                 transport, transfer_mode, is_default_outbound, created_at, updated_at`;

function toView(row: TrunkRow): SipTrunkView {
  return { ...row, created_at: iso(row.created_at), updated_at: iso(row.updated_at) };
}

function requireHost(input: string): string {
  const host = normaliseTrunkHost(input);
  if (host === null) throw invalid('host', trunkHostHint(input));
  return host;
}

/** Empty and null both mean "no username / no password". */
function sealPassword(secrets: SecretBox, password: string | null | undefined): string | null | undefined {
  if (password === undefined) return undefined;
  return password === null || password === '' ? null : secrets.encrypt(password);
}

function blankToNull(value: string | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === null || value.trim() === '' ? null : value.trim();
}

/** Serialises default-trunk switches of one org, so two concurrent switches cannot both win. */
async function lockOrgTrunks(tx: Queryable, orgId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('voxgate.sip_trunks.default'), hashtext($1))", [orgId]);
}

async function clearOtherDefaults(tx: Queryable, orgId: string, keepId: string | null): Promise<void> {
  await tx.query('UPDATE sip_trunks SET is_default_outbound = false WHERE org_id = $1 AND is_default_outbound AND id IS DISTINCT FROM $2', [
    orgId,
    keepId,
  ]);
}

export async function listTrunks(db: Queryable, orgId: string): Promise<SipTrunkView[]> {
  const { rows } = await db.query<TrunkRow>(`SELECT ${COLUMNS} FROM sip_trunks WHERE org_id = $1 ORDER BY created_at, id`, [orgId]);
  return rows.map(toView);
}

export async function getTrunk(db: Queryable, orgId: string, id: string): Promise<SipTrunkView> {
  const { rows } = await db.query<TrunkRow>(`SELECT ${COLUMNS} FROM sip_trunks WHERE org_id = $1 AND id = $2`, [orgId, id]);
  if (!rows[0]) throw notFound('sip trunk');
  return toView(rows[0]);
}

export async function createTrunk(db: Db, secrets: SecretBox, orgId: string, body: CreateTrunkInput): Promise<SipTrunkView> {
  const host = requireHost(body.host);
  const isDefault = body.is_default_outbound ?? false;
  return withTransaction(db, async (tx) => {
    if (isDefault) {
      await lockOrgTrunks(tx, orgId);
      await clearOtherDefaults(tx, orgId, null);
    }
    const { rows } = await tx.query<TrunkRow>(
      `INSERT INTO sip_trunks (org_id, name, host, port, username, password_encrypted, transport, transfer_mode, is_default_outbound)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        orgId,
        body.name,
        host,
        body.port ?? 5060,
        blankToNull(body.username) ?? null,
        sealPassword(secrets, body.password) ?? null,
        body.transport ?? 'udp',
        body.transfer_mode ?? 'bridge',
        isDefault,
      ],
    );
    return toView(rows[0]);
  });
}

export async function updateTrunk(db: Db, secrets: SecretBox, orgId: string, id: string, body: UpdateTrunkInput): Promise<SipTrunkView> {
  const set = setClause(
    {
      name: body.name,
      host: body.host === undefined ? undefined : requireHost(body.host),
      port: body.port,
      username: blankToNull(body.username),
      password_encrypted: sealPassword(secrets, body.password),
      transport: body.transport,
      transfer_mode: body.transfer_mode,
      is_default_outbound: body.is_default_outbound,
    },
    3,
  );
  if (set.values.length === 0) return getTrunk(db, orgId, id);
  return withTransaction(db, async (tx) => {
    if (body.is_default_outbound === true) {
      await lockOrgTrunks(tx, orgId);
      await getTrunk(tx, orgId, id); // 404 before touching the org's other trunks
      await clearOtherDefaults(tx, orgId, id);
    }
    const { rows } = await tx.query<TrunkRow>(`UPDATE sip_trunks SET ${set.sql} WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`, [
      orgId,
      id,
      ...set.values,
    ]);
    if (!rows[0]) throw notFound('sip trunk');
    return toView(rows[0]);
  });
}

/**
 * Refuses (409) while numbers use the trunk for transfers, unless `force`: then their
 * `transfer_trunk_id` becomes null (the foreign key does it). Returns those numbers, whose
 * cached routes must be dropped.
 */
export async function deleteTrunk(db: Db, orgId: string, id: string, force: boolean): Promise<string[]> {
  return withTransaction(db, async (tx) => {
    const { rows: trunk } = await tx.query('SELECT id FROM sip_trunks WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, id]);
    if (!trunk[0]) throw notFound('sip trunk');
    const { rows: users } = await tx.query<{ phone_number: string }>(
      'SELECT phone_number FROM numbers WHERE org_id = $1 AND transfer_trunk_id = $2 ORDER BY phone_number',
      [orgId, id],
    );
    if (users.length > 0 && !force) {
      throw conflict(
        `This SIP trunk is the transfer trunk of ${users.length} number(s); assign them another trunk first, or delete with ?force=true`,
      );
    }
    await tx.query('DELETE FROM sip_trunks WHERE org_id = $1 AND id = $2', [orgId, id]);
    return users.map((u) => u.phone_number);
  });
}

/**
 * For the call path: a trunk with its password decrypted (digest auth toward the trunk). Never
 * used by a route.
 */
export async function loadTrunkCredentials(
  db: Queryable,
  secrets: SecretBox,
  orgId: string,
  id: string,
): Promise<{ username: string | null; password: string | null } | null> {
  const { rows } = await db.query<{ username: string | null; password_encrypted: string | null }>(
    'SELECT username, password_encrypted FROM sip_trunks WHERE org_id = $1 AND id = $2',
    [orgId, id],
  );
  if (!rows[0]) return null;
  const sealed = rows[0].password_encrypted;
  return { username: rows[0].username, password: sealed === null ? null : secrets.decrypt(sealed) };
}
