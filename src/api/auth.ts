/**
 * Tenancy: `Authorization: Bearer <key>` → the key's organization, as `request.org`. One key
 * belongs to one organization; every service query then filters by `request.org.id`.
 * The admin key (ADMIN_API_KEY) may act as any organization it names in `X-Voxgate-Org` (the
 * dashboard's admin view): it can mint that organization's keys anyway, so this grants nothing new.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashApiKey, safeEqual } from '../crypto.js';
import type { Queryable } from '../db/pool.js';
import { apiKeyRevoked, notFound, unauthorized } from './errors.js';

export interface AuthedOrg {
  id: string;
  name: string;
  /** The key that authenticated this request (rate limits count per key). */
  apiKeyId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every route under /api/v1 except /admin. */
    org: AuthedOrg;
  }
}

const MAX_KEY_LENGTH = 256;
export const ACT_AS_ORG_HEADER = 'x-voxgate-org';
/** The rate limiter's key for the admin key's requests. */
export const ADMIN_KEY_ID = 'admin';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match && match[1].length <= MAX_KEY_LENGTH ? match[1] : null;
}

export async function authenticateApiKey(db: Queryable, key: string): Promise<AuthedOrg> {
  const { rows } = await db.query<{ id: string; org_id: string; name: string; revoked_at: Date | null }>(
    `SELECT k.id, k.org_id, o.name, k.revoked_at
       FROM api_keys k JOIN organizations o ON o.id = k.org_id
      WHERE k.key_hash = $1`,
    [hashApiKey(key)],
  );
  const row = rows[0];
  if (!row) throw unauthorized();
  if (row.revoked_at !== null) throw apiKeyRevoked();
  return { id: row.org_id, name: row.name, apiKeyId: row.id };
}

/** The organization the admin key names in `X-Voxgate-Org`; unknown or malformed: 404. */
export async function organizationForAdmin(db: Queryable, orgId: string): Promise<AuthedOrg> {
  if (!UUID.test(orgId)) throw notFound('organization', ACT_AS_ORG_HEADER);
  const { rows } = await db.query<{ id: string; name: string }>('SELECT id, name FROM organizations WHERE id = $1', [orgId]);
  if (!rows[0]) throw notFound('organization', ACT_AS_ORG_HEADER);
  return { id: rows[0].id, name: rows[0].name, apiKeyId: ADMIN_KEY_ID };
}

export function isAdminKey(token: string, adminApiKey: string | null): boolean {
  return adminApiKey !== null && safeEqual(token, adminApiKey);
}

/** onRequest hook: runs before body parsing, so an unauthenticated request costs no parsing. */
export function apiKeyAuth(db: Queryable, adminApiKey: string | null = null) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const token = bearerToken(request.headers.authorization);
    if (token === null) throw unauthorized();
    const actAs = request.headers[ACT_AS_ORG_HEADER];
    if (typeof actAs === 'string' && isAdminKey(token, adminApiKey)) {
      request.org = await organizationForAdmin(db, actAs);
      return;
    }
    request.org = await authenticateApiKey(db, token);
  };
}

/** The admin API's own check against ADMIN_API_KEY, in constant time. */
export function adminKeyAuth(adminApiKey: string) {
  return async function authenticateAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const token = bearerToken(request.headers.authorization);
    if (token === null || !safeEqual(token, adminApiKey)) throw unauthorized('Invalid or missing admin API key');
  };
}
