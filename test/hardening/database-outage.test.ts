/**
 * A call that ends while PostgreSQL is down (issue #8, defect 5): the end of the call is spooled
 * to disk, and when the database is back it is written — row final, usage billed — and the
 * call's reports are delivered. The database here is a real PostgreSQL the test owns (the
 * embedded one), stopped and started again on the same port.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, runMigrations } from '../../src/db/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { createLogger } from '../../src/log.js';
import { isVoiced } from '../fakes/audio.js';
import { startTestEngine, type TestEngine } from '../call/engine.js';
import { eventually, latestCall, webhookMessages } from '../call/helpers.js';
import { TestPhone } from '../call/phone.js';

const NUMBER = '+31850006001';

describe('a call that ends while PostgreSQL is down', () => {
  const pgDataDir = mkdtempSync(join(tmpdir(), 'voxgate-outage-pg-'));
  const log = createLogger('silent');
  let server: EmbeddedPostgres;
  let engine: TestEngine;
  let phone: TestPhone;

  beforeAll(async () => {
    server = await startEmbeddedPostgres(pgDataDir, log);
    const db = createPool(server.url, { max: 5 });
    await runMigrations(db);
    engine = await startTestEngine({
      database: {
        name: 'embedded',
        url: server.url,
        db,
        drop: async () => {
          await db.end().catch(() => undefined);
          await server.stop();
        },
      },
    });
    await engine.agentWithNumber(NUMBER);
    phone = await TestPhone.start();
  }, 120_000);
  afterAll(async () => {
    await phone?.close();
    await engine?.close();
  });

  it('spools the end of the call, then writes, bills and reports it once the database is back', async () => {
    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, '+31612000901');
    await eventually(() => phone.heard.some((h) => isVoiced(h.payload)), 8_000, 'the greeting');
    const callId = (await latestCall(engine))!.id;
    await eventually(async () => (await latestCall(engine))!.status === 'in-progress', 5_000, 'the call in progress');
    await new Promise((r) => setTimeout(r, 1_500)); // a billable second or so

    await server.stop();
    await phone.hangup();
    const spooled = join(engine.node.config.dataDir, 'spool', 'calls', `${callId}.json`);
    await eventually(() => existsSync(spooled), 20_000, 'the end of the call to be spooled');

    server = await startEmbeddedPostgres(pgDataDir, log, { port: server.port });
    await eventually(async () => (await latestCall(engine).catch(() => undefined))?.status === 'ended', 60_000, 'the spooled end to be written');
    const row = (await latestCall(engine))!;
    expect(row).toMatchObject({ id: callId, status: 'ended', end_reason: 'customer-hangup' });
    expect(row.duration_seconds).toBeGreaterThanOrEqual(1);
    const usage = await engine.database.db.query(`SELECT minutes_used FROM usage_logs WHERE call_id = $1`, [callId]);
    expect(usage.rows).toEqual([{ minutes_used: 1 }]);
    await eventually(() => webhookMessages(engine, 'end-of-call-report', callId).length === 1, 60_000, 'the report');
    expect(webhookMessages(engine, 'status-update', callId).map((m) => m.status)).toEqual(['in-progress', 'ended']);
    expect(existsSync(spooled)).toBe(false);
  }, 180_000);
});
