/**
 * Database entry: picks DATABASE_URL or the embedded server, opens the pool, and knows how to
 * close both. `voxgate start`, `voxgate migrate` and the `org` commands all go through here.
 */
import type { Config } from '../config.js';
import { describeUrl, type Logger } from '../log.js';
import { startEmbeddedPostgres } from './embedded.js';
import { createPool, type Db } from './pool.js';

export { createPool, withTransaction, type Db, type Queryable, type PoolClient } from './pool.js';
export { runMigrations, loadMigrations, defaultMigrationsDir, type MigrateResult } from './migrate.js';

export interface Database {
  db: Db;
  /** Safe to log: never contains the password. */
  description: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  if (config.databaseUrl !== null) {
    const db = createPool(config.databaseUrl, { log });
    return { db, description: describeUrl(config.databaseUrl), embedded: false, close: () => db.end() };
  }
  const server = await startEmbeddedPostgres(config.dataDir, log);
  const db = createPool(server.url, { log });
  return {
    db,
    description: `embedded PostgreSQL at 127.0.0.1:${server.port} (data in ${config.dataDir}/pg)`,
    embedded: true,
    async close() {
      await db.end().catch(() => undefined);
      await server.stop();
    },
  };
}
