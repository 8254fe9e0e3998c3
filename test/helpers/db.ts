/**
 * A fresh PostgreSQL database per test file on the local server (127.0.0.1:5432, user postgres,
 * trust auth), with every migration applied; dropped again by `drop()`. Files running in
 * parallel never share a database. Databases left behind by a crashed run are dropped after two
 * hours by the next run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, runMigrations, type Db } from '../../src/db/index.js';

export const TEST_PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const STALE_AFTER_MS = 2 * 60 * 60 * 1000;

export interface TestDatabase {
  name: string;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropStale(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'vg\\_test\\_%'");
  for (const { datname } of rows) {
    const created = parseInt(datname.split('_')[2] ?? '', 36);
    if (Number.isFinite(created) && Date.now() - created > STALE_AFTER_MS) {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`).catch(() => undefined);
    }
  }
}

/** An empty database (no migrations), for tests of the migration runner itself. */
export async function createEmptyTestDatabase(): Promise<TestDatabase> {
  const name = `vg_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (client) => {
    await dropStale(client);
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  });
  const url = urlFor(name);
  const db = createPool(url, { max: 5 });
  let dropped = false;
  return {
    name,
    url,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.end().catch(() => undefined);
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const database = await createEmptyTestDatabase();
  try {
    await runMigrations(database.db);
  } catch (err) {
    await database.drop();
    throw err;
  }
  return database;
}
