/** The `voxgate` CLI as a child process, against a test database through DATABASE_URL. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_REDIS_URL, testDataDir, type TestDatabase } from '../helpers/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('voxgate CLI', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, VOXGATE_DATA_DIR: testDataDir(), LOG_LEVEL: 'warn' };
  });
  afterAll(() => database?.drop());

  it('org create prints the organization and its key as JSON; key create / revoke / credits work on it', async () => {
    const created = await cli(['org', 'create', '--name', 'Acme BV', '--minutes', '30'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout);
    expect(body.organization).toMatchObject({ name: 'Acme BV', minutes_balance: 30 });
    expect(body.api_key).toMatch(/^vg_live_/);
    const orgId: string = body.organization.id;

    const key = await cli(['org', 'key', 'create', orgId, '--name=ci'], env);
    expect(key.code).toBe(0);
    const keyBody = JSON.parse(key.stdout);
    expect(keyBody.api_key).toMatch(/^vg_live_/);

    const revoked = await cli(['org', 'key', 'revoke', orgId, keyBody.id], env);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual({ success: true });
    const { rows } = await database.db.query('SELECT revoked_at FROM api_keys WHERE id = $1', [keyBody.id]);
    expect(rows[0].revoked_at).toBeInstanceOf(Date);

    const credits = await cli(['org', 'credits', orgId, '--minutes', '15'], env);
    expect(JSON.parse(credits.stdout).organization.minutes_balance).toBe(45);
  });

  it('migrate reports what it applied', async () => {
    const res = await cli(['migrate'], env);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ applied: [], already_applied: expect.any(Number) });
    expect(res.stdout).not.toContain('password');
  });

  it('--help exits 0 and lists the commands', async () => {
    const res = await cli(['--help'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('org create --name NAME');
  });

  it.concurrent.each([
    [['org', 'create'], '--name is required'],
    [['org', 'create', '--name', 'x', '--minutes', 'ten'], '--minutes must be a whole number'],
    [['org', 'key', 'create', 'not-a-uuid'], 'ORG_ID must be a UUID'],
    [['org', 'key', 'revoke', '00000000-0000-4000-8000-000000000000'], 'KEY_ID is required'],
    [['org', 'delete'], 'unknown org command'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['org', 'create', '--colour', 'red'], 'unknown option --colour'],
  ])('%j exits 2 with "%s"', async (args, message) => {
    const res = await cli(args, env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stdout).toBe('');
  });

  it('exits 1 with a clear message for an unknown organization and for bad configuration', async () => {
    const missing = await cli(['org', 'key', 'create', '00000000-0000-4000-8000-000000000000'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('organization not found');
    const badConfig = await cli(['migrate'], { ...env, RTP_PORT_MIN: '7' });
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain('RTP_PORT_MIN must be an integer between 1024 and 65534');
  });
});
