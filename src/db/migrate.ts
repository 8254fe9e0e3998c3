/**
 * SQL migrations: `src/db/migrations/NNNN_name.sql`, applied in file-name order, each in its own
 * transaction, recorded in `schema_migrations` by file name. A session advisory lock serialises
 * nodes that start together; the second one waits, then finds nothing left to do.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import type { Db } from './pool.js';

/** Arbitrary constant shared by every voxgate node: pg_advisory_lock(bigint). */
const MIGRATION_LOCK_ID = 7_310_242_017;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/**
 * The SQL files sit next to this module in the source tree; `tsc` does not copy them into dist,
 * so the compiled module looks back into src/.
 */
export function defaultMigrationsDir(): string {
  const candidates = [new URL('./migrations/', import.meta.url), new URL('../../../src/db/migrations/', import.meta.url)];
  const found = candidates.map((u) => fileURLToPath(u)).find((dir) => existsSync(dir));
  if (!found) throw new Error('migrations directory src/db/migrations not found');
  return found;
}

export async function loadMigrations(dir = defaultMigrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(`${dir}/${file}`, 'utf8');
      return { name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function runMigrations(db: Db, options: { dir?: string; log?: Logger } = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const client = await db.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations');
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    const applied: string[] = [];
    for (const m of migrations) {
      const previous = done.get(m.name);
      if (previous !== undefined) {
        // An edited, already-applied migration is a development mistake: say so, never re-run it.
        if (previous !== m.checksum) options.log?.warn({ migration: m.name }, 'applied migration file changed since');
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      options.log?.info({ migration: m.name }, 'migration applied');
      applied.push(m.name);
    }
    return { applied, alreadyApplied: migrations.length - applied.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    client.release();
  }
}
