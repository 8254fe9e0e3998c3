/**
 * Where a call we place leaves (flireo-api A.5): through the organization's default outbound
 * trunk, else the caller-ID number's trunk; the Request-URI is the destination at the trunk's
 * host, the caller ID goes into From and P-Asserted-Identity (RFC 3325), and the trunk's stored
 * credentials answer its digest challenge (RFC 3261 §22.2).
 */
import type { SecretBox } from '../crypto.js';
import type { Queryable } from '../db/pool.js';
import type { Credentials, UacOptions } from '../../sip/index.js';

export interface Trunk {
  id: string;
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  transferMode: 'bridge' | 'refer';
  /** Who the transfer target sees calling: the caller (default), our number, or a fixed E.164. */
  transferCallerId: 'caller' | 'number' | string;
  credentials: Credentials | undefined;
}

export interface TrunkRow {
  id: string;
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  transfer_mode: 'bridge' | 'refer';
  transfer_caller_id: string | null;
  username: string | null;
  password_encrypted: string | null;
}

const COLUMNS = 'id, name, host, port, transport, transfer_mode, transfer_caller_id, username, password_encrypted';

export function trunkOf(row: TrunkRow, secrets: SecretBox): Trunk {
  const password = row.password_encrypted === null ? null : secrets.decrypt(row.password_encrypted);
  return {
    id: row.id,
    name: row.name,
    host: row.host.trim(),
    port: row.port,
    transport: row.transport,
    transferMode: row.transfer_mode,
    transferCallerId: row.transfer_caller_id ?? 'caller',
    credentials: row.username && password !== null ? { username: row.username, password } : undefined,
  };
}

/** The org's default outbound trunk, else `fallbackId` (the caller-ID number's trunk), else null. */
export async function outboundTrunk(db: Queryable, secrets: SecretBox, orgId: string, fallbackId: string | null): Promise<Trunk | null> {
  const { rows } = await db.query<TrunkRow>(
    `SELECT ${COLUMNS} FROM sip_trunks WHERE org_id = $1 AND (is_default_outbound OR id = $2)
      ORDER BY is_default_outbound DESC LIMIT 1`,
    [orgId, fallbackId],
  );
  return rows[0] ? trunkOf(rows[0], secrets) : null;
}

/** `destination` is E.164 (dialed as the user part at the trunk) or a SIP URI (dialed as it is). */
export function requestUri(trunk: Trunk, destination: string): string {
  if (/^sips?:/i.test(destination)) return destination;
  const host = trunk.host.includes(':') ? `[${trunk.host}]` : trunk.host;
  return `sip:${destination}@${host}:${trunk.port}${trunk.transport === 'tcp' ? ';transport=tcp' : ''}`;
}

/** The INVITE options for a call through `trunk` with `callerId` as the calling number. */
export function inviteOptions(trunk: Trunk, callerId: string, publicIp: string, localSdp: string, ringTimeoutMs: number): Omit<UacOptions, 'signal'> {
  return {
    localSdp,
    callingNumber: callerId,
    transport: trunk.transport,
    ...(trunk.credentials && { auth: trunk.credentials }),
    ringTimeoutMs,
    headers: { 'P-Asserted-Identity': `<sip:${callerId}@${publicIp}>` },
  };
}
