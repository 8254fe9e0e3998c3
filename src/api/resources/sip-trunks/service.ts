/**
 * SIP trunks. Passwords are sealed with the SecretBox (AES-256-GCM) and never leave the database
 * in clear. At most one trunk per org is the default outbound trunk: making one the default
 * clears the flag on the others in the same transaction (the partial unique index
 * `sip_trunks_one_default_per_org` backs this up).
 */
import type { SecretBox } from '../../../crypto.js';
import { withTransaction, type Db, type Queryable } from '../../../db/pool.js';
import { ApiError, conflict, invalid, notFound } from '../../errors.js';
import { iso, oneSpelling, requireE164 } from '../../wrap.js';
import { setClause } from '../numbers/update-sql.js';
import { normaliseTrunkHost, trunkHostHint } from './host.js';
import type { CreateTrunkInput, SipTrunkView, TransferMode, Transport, UpdateTrunkInput } from './schema.js';

interface TrunkRow {
  id: string;
  org_id: string;
  name: string;
  /** '' for an inbound-only trunk. */
  host: string;
  port: number;
  username: string | null;
  has_password: boolean;
  provider: string | null;
  inbound_addresses: string[];
  outbound_number: string | null;
  transport: Transport;
  transfer_mode: TransferMode;
  transfer_caller_id: string;
  is_default_outbound: boolean;
  calls_per_second: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, org_id, name, host, port, username, password_encrypted IS NOT NULL AS has_password, provider,
                 inbound_addresses, outbound_number, transport, transfer_mode, transfer_caller_id, is_default_outbound, calls_per_second, created_at, updated_at`;

const DEFAULT_PORT = 5060;

/** `sip.example.com`, `sip.example.com:5080`, `[2001:db8::1]:5080`: the SDK's one-field address. */
function formatAddress(host: string, port: number): string {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return port === DEFAULT_PORT ? host : `${bracketed}:${port}`;
}

function toView(row: TrunkRow): SipTrunkView {
  const address = row.host === '' ? undefined : formatAddress(row.host, row.port);
  return {
    id: row.id,
    org_id: row.org_id,
    name: row.name,
    host: row.host === '' ? null : row.host,
    port: row.port,
    ...(address !== undefined && { address, outbound_address: address }),
    username: row.username,
    ...(row.username !== null && { auth_username: row.username }),
    has_password: row.has_password,
    ...(row.provider !== null && { provider: row.provider }),
    inbound_addresses: row.inbound_addresses,
    ...(row.outbound_number !== null && { outbound_number: row.outbound_number }),
    transport: row.transport,
    transfer_mode: row.transfer_mode,
    transfer_caller_id: row.transfer_caller_id,
    is_default_outbound: row.is_default_outbound,
    calls_per_second: row.calls_per_second,
    is_active: true,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** `caller`, `number`, or an E.164 number (normalised): who a transfer target sees calling. */
function transferCallerId(value: string | undefined): string | undefined {
  if (value === undefined || value === 'caller' || value === 'number') return value;
  return requireE164('transfer_caller_id', value);
}

function requireHost(input: string, param = 'host'): string {
  const host = normaliseTrunkHost(input);
  if (host === null) throw invalid(param, trunkHostHint(input));
  return host;
}

/** An SDK address: a host, optionally with `:port` (`[…]:port` for IPv6). */
function parseAddress(input: string, param: string): { host: string; port?: number } {
  const text = input.trim();
  const match = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text) ?? /^([^:\s]+):(\d{1,5})$/.exec(text);
  const [hostPart, portPart] = match ? [match[1], match[2]] : [text, undefined];
  const port = portPart === undefined ? undefined : Number(portPart);
  if (port !== undefined && (port < 1 || port > 65535)) throw invalid(param, 'has a port outside 1-65535');
  const host = normaliseTrunkHost(hostPart);
  if (host === null) throw invalid(param, /^[a-z]+:/i.test(text) && !text.includes('::') ? 'give the address without a scheme such as sip:' : 'must be a hostname or an IP address, optionally with :port');
  return port === undefined ? { host } : { host, port };
}

type TrunkBody = CreateTrunkInput | UpdateTrunkInput;

/**
 * host / address / outbound_address are one field: the spellings given must name the same host
 * (and port), so a GET → edit → PATCH of one spelling is never undone by a stale other one. The
 * SDK spellings are the whole address: without `:port` they mean port 5060 (unless `port` says
 * otherwise); `host` keeps the stored port (G2).
 */
function addressOf(body: TrunkBody): { host?: string; port?: number } | undefined {
  const spellings = (['host', 'address', 'outbound_address'] as const)
    .filter((key) => body[key] !== undefined)
    .map((key) => ({ key, ...(key === 'host' ? { host: requireHost(body.host as string) } : parseAddress(body[key] as string, key)) }));
  const first = spellings[0];
  for (const other of spellings.slice(1)) {
    if (other.host !== first.host || (first.port !== undefined && other.port !== undefined && other.port !== first.port)) {
      throw invalid(other.key, `names another address than ${first.key}; send one of host, address, outbound_address`);
    }
  }
  const ports = spellings.flatMap((x) => (x.port === undefined ? [] : [x.port]));
  if (body.port !== undefined && ports.some((p) => p !== body.port)) throw invalid('port', 'differs from the port in the address; send one');
  const sdkSpelling = spellings.some((x) => x.key !== 'host');
  const port = body.port ?? ports[0] ?? (sdkSpelling ? DEFAULT_PORT : undefined);
  if (!first && port === undefined) return undefined;
  return { ...(first && { host: first.host }), ...(port !== undefined && { port }) };
}

function inboundAddresses(list: string[] | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const out = list.map((entry, i) => {
    const host = normaliseTrunkHost(entry);
    if (host === null) throw invalid(`inbound_addresses[${i}]`, 'must be an IP address or a hostname (no port, no CIDR)');
    return host;
  });
  return [...new Set(out)];
}

function outboundNumber(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  return requireE164('outbound_number', value);
}

function blankLabel(value: string | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === null || value.trim() === '' ? null : value.trim();
}

/** The SDK's and the reference pages' spellings of one trunk, as columns (undefined = not sent). */
function columnsOf(secrets: SecretBox, body: TrunkBody) {
  const address = addressOf(body);
  return {
    address,
    username: blankToNull(oneSpelling<string | null>(body, '', 'username', 'auth_username')),
    password_encrypted: sealPassword(secrets, oneSpelling<string | null>(body, '', 'password', 'auth_password')),
    provider: blankLabel(body.provider),
    inbound_addresses: inboundAddresses(body.inbound_addresses),
    outbound_number: outboundNumber(body.outbound_number),
  };
}

const NO_HOST_DEFAULT = 'an inbound-only trunk (no host or address) cannot be the default outbound trunk; give it an address';

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
  const columns = columnsOf(secrets, body);
  const host = columns.address?.host ?? '';
  if (host === '' && (columns.inbound_addresses ?? []).length === 0) {
    throw new ApiError('missing_field', 'host is required (or address), unless the trunk is inbound only: then give inbound_addresses', {
      param: 'host',
      details: ['host: is required'],
    });
  }
  const isDefault = body.is_default_outbound ?? false;
  if (isDefault && host === '') throw invalid('is_default_outbound', NO_HOST_DEFAULT);
  return withTransaction(db, async (tx) => {
    if (isDefault) {
      await lockOrgTrunks(tx, orgId);
      await clearOtherDefaults(tx, orgId, null);
    }
    const { rows } = await tx.query<TrunkRow>(
      `INSERT INTO sip_trunks (org_id, name, host, port, username, password_encrypted, provider, inbound_addresses, outbound_number,
                               transport, transfer_mode, is_default_outbound, transfer_caller_id, calls_per_second)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${COLUMNS}`,
      [
        orgId,
        body.name,
        host,
        columns.address?.port ?? DEFAULT_PORT,
        columns.username ?? null,
        columns.password_encrypted ?? null,
        columns.provider ?? null,
        columns.inbound_addresses ?? [],
        columns.outbound_number ?? null,
        body.transport ?? 'udp',
        body.transfer_mode ?? 'bridge',
        isDefault,
        transferCallerId(body.transfer_caller_id) ?? 'caller',
        body.calls_per_second ?? 1,
      ],
    );
    return toView(rows[0]);
  });
}

export async function updateTrunk(db: Db, secrets: SecretBox, orgId: string, id: string, body: UpdateTrunkInput): Promise<SipTrunkView> {
  const columns = columnsOf(secrets, body);
  const address = columns.address;
  const set = setClause(
    {
      name: body.name,
      host: address?.host,
      port: address?.port,
      username: columns.username,
      password_encrypted: columns.password_encrypted,
      provider: columns.provider,
      inbound_addresses: columns.inbound_addresses,
      outbound_number: columns.outbound_number,
      transport: body.transport,
      transfer_mode: body.transfer_mode,
      transfer_caller_id: transferCallerId(body.transfer_caller_id),
      is_default_outbound: body.is_default_outbound,
      calls_per_second: body.calls_per_second,
    },
    3,
  );
  if (set.values.length === 0) return getTrunk(db, orgId, id);
  return withTransaction(db, async (tx) => {
    if (body.is_default_outbound === true) {
      await lockOrgTrunks(tx, orgId);
      const current = await getTrunk(tx, orgId, id); // 404 before touching the org's other trunks
      if (current.host === null && address?.host === undefined) throw invalid('is_default_outbound', NO_HOST_DEFAULT);
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

/**
 * The caller-ID number of an outbound call that names no `number_id`: the default outbound
 * trunk's `outbound_number` (the SDK's field), when it has one. It must be one of the
 * organization's numbers — voxgate presents only numbers it knows — else 400 naming it.
 */
export async function outboundNumberId(db: Queryable, orgId: string): Promise<string | null> {
  const { rows } = await db.query<{ outbound_number: string | null; number_id: string | null }>(
    `SELECT t.outbound_number, n.id AS number_id
       FROM sip_trunks t LEFT JOIN numbers n ON n.org_id = t.org_id AND n.phone_number = t.outbound_number
      WHERE t.org_id = $1 AND t.is_default_outbound AND t.outbound_number IS NOT NULL`,
    [orgId],
  );
  if (!rows[0]) return null;
  if (rows[0].number_id === null) {
    throw invalid('outbound_number', "the default outbound trunk's outbound_number is not one of your numbers; register it (POST /numbers) or pass number_id");
  }
  return rows[0].number_id;
}
