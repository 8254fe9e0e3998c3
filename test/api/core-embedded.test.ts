/**
 * SLOW (a few seconds; initdb dominates): the embedded PostgreSQL path for real — initialise in a
 * temp data dir, start on a free port, migrate, attach a second "process", stop, restart on the
 * same data, stop again. As root the package runs PostgreSQL as the `postgres` system user.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { openDatabase, runMigrations } from '../../src/db/index.js';
import { createLogger } from '../../src/log.js';
import { testConfig } from '../helpers/index.js';

const log = createLogger('silent');

describe('embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vg-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('initialises, migrates, lets a second process attach, stops, and restarts on the same data', { timeout: 90_000 }, async () => {
    const config = testConfig({ VOXGATE_DATA_DIR: dataDir, DATABASE_URL: '' });
    const first = await openDatabase(config, log);
    try {
      expect(first.embedded).toBe(true);
      expect(first.description).toMatch(/^embedded PostgreSQL at 127\.0\.0\.1:\d+ \(data in .*vg-embedded-.*\/pg\)$/);
      expect(first.description).not.toMatch(/password|postgresql:\/\//);
      expect(statSync(join(dataDir, 'pg.password')).mode & 0o777).toBe(0o600);
      const result = await runMigrations(first.db);
      expect(result.applied).toContain('0001_initial');
      await first.db.query("INSERT INTO organizations (name) VALUES ('kept')");

      // `voxgate org create` while `voxgate start` runs: attach, don't start a second server.
      const second = await openDatabase(config, log);
      expect(second.description).toBe(first.description);
      expect((await second.db.query('SELECT count(*)::int AS n FROM organizations')).rows[0].n).toBe(1);
      await second.close();
      expect((await first.db.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    } finally {
      await first.close();
    }
    await expect(first.db.query('SELECT 1')).rejects.toThrow();

    const again = await openDatabase(config, log);
    try {
      expect((await runMigrations(again.db)).applied).toEqual([]);
      expect((await again.db.query('SELECT name FROM organizations')).rows).toEqual([{ name: 'kept' }]);
    } finally {
      await again.close();
    }
  });

  it('starts on another port when the free port it picked was taken before PostgreSQL could bind it', { timeout: 90_000 }, async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    const picked: number[] = [];
    const raceDir = mkdtempSync(join(tmpdir(), 'vg-embedded-race-'));
    try {
      // The first pick is the port another program now holds, as when it binds during initdb.
      const pickPort = async (): Promise<number> => {
        const port = picked.length === 0 ? taken : await freePort();
        picked.push(port);
        return port;
      };
      const server = await startEmbeddedPostgres(raceDir, log, { pickPort });
      try {
        expect(picked).toHaveLength(2);
        expect(server.port).toBe(picked[1]);
        expect(readFileSync(join(raceDir, 'pg.log'), 'utf8')).toContain('Address already in use');
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        expect((await client.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
        await client.end();
      } finally {
        await server.stop();
      }
    } finally {
      squatter.close();
      rmSync(raceDir, { recursive: true, force: true });
    }
  });
});
