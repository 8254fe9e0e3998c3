/**
 * PostgreSQL access: one `pg` Pool per process. Services take a `Queryable` (the pool or a client
 * inside a transaction) so they can run inside `withTransaction` unchanged.
 */
import pg from 'pg';
import type { Logger } from '../log.js';

export type Db = pg.Pool;
export type Queryable = Pick<pg.Pool, 'query'>;
export type { PoolClient, QueryResult, QueryResultRow } from 'pg';

/**
 * COUNT/SUM come back as int8 and money as numeric, which pg returns as strings; our values stay
 * far below 2^53, so numbers are what the API wants. Set per pool, not globally on the pg module.
 */
const typeParsers: Record<number, (value: string) => unknown> = {
  20: (v) => Number(v), // int8
  1700: (v) => Number(v), // numeric
};

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return typeParsers[oid] ?? pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

export interface PoolOptions {
  max?: number;
  log?: Logger;
  applicationName?: string;
}

export function createPool(connectionString: string, options: PoolOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types,
    application_name: options.applicationName ?? 'voxgate',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits here; without a listener the process would crash.
  pool.on('error', (err) => options.log?.warn({ err }, 'postgres idle client error'));
  return pool;
}

export async function withTransaction<T>(db: Db, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
