/**
 * Organizations and API keys (flireo-api A.2), shared by the admin API, the CLI and the test
 * helpers. The plain key is returned once, here, and never stored.
 */
import pg from 'pg';
import { generateApiKey } from '../../crypto.js';
import { withTransaction, type Db, type Queryable } from '../../db/pool.js';
import { invalid, notFound } from '../errors.js';
import type { OrganizationView } from '../resources/organization/schema.js';
import { getOrganization } from '../resources/organization/service.js';

export interface CreatedApiKey {
  id: string;
  api_key: string;
  prefix: string;
}

export interface CreatedOrganization {
  organization: OrganizationView;
  api_key: string;
  api_key_id: string;
}

export async function createApiKey(db: Queryable, orgId: string, name: string | null = null): Promise<CreatedApiKey> {
  const key = generateApiKey();
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO api_keys (org_id, key_hash, prefix, name)
     SELECT id, $2, $3, $4 FROM organizations WHERE id = $1
     RETURNING id`,
    [orgId, key.hash, key.prefix, name],
  );
  if (!rows[0]) throw notFound('organization');
  return { id: rows[0].id, api_key: key.key, prefix: key.prefix };
}

export async function createOrganization(
  db: Db,
  input: { name: string; minutes_balance?: number | null },
): Promise<CreatedOrganization> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO organizations (name, minutes_balance) VALUES ($1, $2) RETURNING id',
      [input.name, input.minutes_balance ?? null],
    );
    const orgId = rows[0].id;
    const key = await createApiKey(tx, orgId, 'default');
    return { organization: await getOrganization(tx, orgId), api_key: key.api_key, api_key_id: key.id };
  });
}

/** Revokes a key of that organization; a key of another organization is "not found". Idempotent. */
export async function revokeApiKey(db: Queryable, orgId: string, keyId: string): Promise<void> {
  const { rowCount } = await db.query(
    'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND org_id = $2',
    [keyId, orgId],
  );
  if (!rowCount) throw notFound('api key');
}

/** Adds minutes to the balance; an unlimited (null) balance starts counting from zero. */
export async function addCredits(db: Queryable, orgId: string, minutes: number): Promise<OrganizationView> {
  const { rowCount } = await db
    .query('UPDATE organizations SET minutes_balance = COALESCE(minutes_balance, 0) + $2 WHERE id = $1', [orgId, minutes])
    .catch((err: unknown) => {
      // 22003: the sum no longer fits the integer column.
      if (err instanceof pg.DatabaseError && err.code === '22003') throw invalid('minutes', 'would take the balance above 2147483647 minutes');
      throw err;
    });
  if (!rowCount) throw notFound('organization');
  return getOrganization(db, orgId);
}
