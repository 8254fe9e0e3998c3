import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/api/admin/service.js';
import { loadMigrations, runMigrations } from '../../src/db/index.js';
import { createEmptyTestDatabase, type TestDatabase } from '../helpers/index.js';

const TABLES = [
  'organizations',
  'api_keys',
  'agents',
  'tool_templates',
  'analysis_templates',
  'numbers',
  'sip_trunks',
  'byok_keys',
  'domains',
  'calls',
  'call_messages',
  'call_events',
  'usage_logs',
  'campaigns',
  'leads',
  'webhook_deliveries',
  'webhook_delivery_attempts',
];

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createEmptyTestDatabase();
  });
  afterAll(() => t?.drop());

  it('apply once, even when two nodes start at the same time, and are idempotent', async () => {
    const all = (await loadMigrations()).map((m) => m.name);
    const [a, b] = await Promise.all([runMigrations(t.db), runMigrations(t.db)]);
    // The advisory lock serialises them: one applies everything, the other finds nothing to do.
    expect([...a.applied, ...b.applied].sort()).toEqual(all);
    const again = await runMigrations(t.db);
    expect(again).toEqual({ applied: [], alreadyApplied: all.length });
    const { rows } = await t.db.query('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(all);
  });

  it('create every table of DESIGN §5, each org-owned table with an indexed org_id', async () => {
    const { rows } = await t.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const tables = rows.map((r) => r.table_name);
    for (const table of TABLES) expect(tables).toContain(table);
    for (const table of TABLES.filter((n) => n !== 'organizations')) {
      const { rows: indexed } = await t.db.query(
        `SELECT 1 FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid = $1::regclass AND a.attname = 'org_id'`,
        [table],
      );
      expect(indexed.length, `${table}.org_id leads an index`).toBeGreaterThan(0);
    }
  });

  it('refuse a row of one org that points at a row of another org', async () => {
    const a = await createOrganization(t.db, { name: 'A' });
    const b = await createOrganization(t.db, { name: 'B' });
    const { rows } = await t.db.query<{ id: string }>("INSERT INTO agents (org_id, name) VALUES ($1, 'agent of A') RETURNING id", [
      a.organization.id,
    ]);
    await expect(
      t.db.query("INSERT INTO numbers (org_id, phone_number, agent_id) VALUES ($1, '+31850000001', $2)", [b.organization.id, rows[0].id]),
    ).rejects.toThrow(/foreign key/);
    // Deleting the agent clears the reference but keeps the number in its org.
    await t.db.query("INSERT INTO numbers (org_id, phone_number, agent_id) VALUES ($1, '+31850000002', $2)", [a.organization.id, rows[0].id]);
    await t.db.query('DELETE FROM agents WHERE id = $1', [rows[0].id]);
    const { rows: numbers } = await t.db.query("SELECT org_id, agent_id FROM numbers WHERE phone_number = '+31850000002'");
    expect(numbers).toEqual([{ org_id: a.organization.id, agent_id: null }]);
  });

  it('route a phone number to exactly one organization', async () => {
    const a = await createOrganization(t.db, { name: 'A2' });
    const b = await createOrganization(t.db, { name: 'B2' });
    await t.db.query("INSERT INTO numbers (org_id, phone_number) VALUES ($1, '+31850000003')", [a.organization.id]);
    await expect(t.db.query("INSERT INTO numbers (org_id, phone_number) VALUES ($1, '+31850000003')", [b.organization.id])).rejects.toThrow(
      /duplicate key/,
    );
  });

  it('maintain updated_at on update', async () => {
    const a = await createOrganization(t.db, { name: 'Before' });
    const before = (await t.db.query('SELECT updated_at FROM organizations WHERE id = $1', [a.organization.id])).rows[0].updated_at as Date;
    await new Promise((r) => setTimeout(r, 5));
    await t.db.query("UPDATE organizations SET name = 'After' WHERE id = $1", [a.organization.id]);
    const after = (await t.db.query('SELECT updated_at FROM organizations WHERE id = $1', [a.organization.id])).rows[0].updated_at as Date;
    expect(after.getTime()).toBeGreaterThan(before.getTime());
  });
});
