/**
 * Issue #13, item 4: the organization's retention periods are enforced by the daily purge, on a
 * controlled clock — content (transcript, summary, analysis, recording, delivery log) after
 * content_retention_days, metadata (caller number, campaign link, events, custom metadata) after
 * metadata_retention_days, counted from the end of each call; live calls and organizations without
 * periods are never touched.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { purgeExpired, scheduleRetentionPurge, type RetentionDeps } from '../../src/retention/index.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

const NOW = new Date('2026-06-01T03:00:00.000Z');
const daysAgo = (days: number, from = NOW) => new Date(from.getTime() - days * 86_400_000);

describe('retention purge', () => {
  let t: TestApp;
  let a: TestOrg;
  let keeper: TestOrg;
  let dataDir: string;
  let deps: RetentionDeps;
  const calls: Record<string, string> = {};

  async function seedCall(org: TestOrg, label: string, endedDaysAgo: number | null): Promise<string> {
    const campaign = await t.db.query<{ id: string }>("INSERT INTO campaigns (org_id, name) VALUES ($1, 'C') RETURNING id", [org.org.id]);
    const lead = await t.db.query<{ id: string }>("INSERT INTO leads (org_id, campaign_id, phone_number) VALUES ($1, $2, '+31612345678') RETURNING id", [
      org.org.id,
      campaign.rows[0].id,
    ]);
    const path = `recordings/${label}-${org.org.id}.wav`;
    await writeFile(join(dataDir, path), 'RIFF');
    const ended = endedDaysAgo === null ? null : daysAgo(endedDaysAgo);
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO calls (org_id, direction, status, caller_phone, assistant_phone, campaign_id, lead_id, summary, analysis_result,
                          recording_path, metadata, started_at, ended_at, created_at)
       VALUES ($1, 'outbound', $2, '+31612345678', '+31850835037', $3, $4, 'Caller asked for a quote.', '{"interested": true}',
               $5, '{"crm_id": "42"}', $6, $6, $7) RETURNING id`,
      [org.org.id, ended ? 'ended' : 'in-progress', campaign.rows[0].id, lead.rows[0].id, path, ended, ended ?? daysAgo(400)],
    );
    const id = rows[0].id;
    await t.db.query(
      "INSERT INTO call_messages (org_id, call_id, seq, role, content) VALUES ($1, $2, 1, 'user', 'My number is 0612345678'), ($1, $2, 2, 'assistant', 'Thanks')",
      [org.org.id, id],
    );
    await t.db.query("INSERT INTO call_events (org_id, call_id, type, data) VALUES ($1, $2, 'answered', '{}')", [org.org.id, id]);
    await t.db.query(
      "INSERT INTO webhook_deliveries (org_id, call_id, event_type, url, payload) VALUES ($1, $2, 'end-of-call-report', 'https://hooks.example/x', '{\"message\": {}}')",
      [org.org.id, id],
    );
    return id;
  }

  const row = async (id: string) =>
    (
      await t.db.query(
        `SELECT summary, analysis_result, recording_path, caller_phone, assistant_phone, campaign_id, lead_id, metadata, content_purged_at, metadata_purged_at,
                (SELECT count(*)::int FROM call_messages m WHERE m.call_id = c.id) AS messages,
                (SELECT count(*)::int FROM call_events e WHERE e.call_id = c.id) AS events,
                (SELECT count(*)::int FROM webhook_deliveries w WHERE w.call_id = c.id) AS deliveries
           FROM calls c WHERE id = $1`,
        [id],
      )
    ).rows[0];

  beforeAll(async () => {
    t = await buildTestApp();
    dataDir = await mkdtemp(join(tmpdir(), 'vg-retention-'));
    await mkdir(join(dataDir, 'recordings'));
    deps = { db: t.db, dataDir, log: createLogger('silent') };
    a = await t.createOrg({ name: 'Keeps 30/90' });
    keeper = await t.createOrg({ name: 'Keeps everything' });
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/organizations',
      headers: t.auth(a.apiKey),
      payload: { content_retention_days: 30, metadata_retention_days: 90 },
    });
    expect(patch.statusCode).toBe(200);
    calls.recent = await seedCall(a, 'recent', 10);
    calls.month = await seedCall(a, 'month', 45);
    calls.old = await seedCall(a, 'old', 120);
    calls.live = await seedCall(a, 'live', null);
    calls.kept = await seedCall(keeper, 'kept', 1000);
  });
  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('erases content past content_retention_days and metadata past metadata_retention_days', async () => {
    const report = await purgeExpired(deps, NOW);
    expect(report).toEqual({ content: 2, metadata: 1, recordings: 2 });

    const recent = await row(calls.recent);
    expect(recent).toMatchObject({ summary: 'Caller asked for a quote.', messages: 2, caller_phone: '+31612345678', events: 1, deliveries: 1, content_purged_at: null });

    const month = await row(calls.month);
    expect(month).toMatchObject({ summary: null, analysis_result: null, recording_path: null, messages: 0, deliveries: 0, content_purged_at: NOW });
    expect(month).toMatchObject({ caller_phone: '+31612345678', events: 1, metadata: { crm_id: '42' }, metadata_purged_at: null });
    expect(existsSync(join(dataDir, `recordings/month-${a.org.id}.wav`))).toBe(false);
    expect(existsSync(join(dataDir, `recordings/recent-${a.org.id}.wav`))).toBe(true);

    const old = await row(calls.old);
    expect(old).toMatchObject({ summary: null, messages: 0, caller_phone: null, campaign_id: null, lead_id: null, metadata: {}, events: 0, metadata_purged_at: NOW });
    expect(old.assistant_phone).toBe('+31850835037'); // the organization's own number stays

    // A call still going and an organization without periods are left alone.
    expect(await row(calls.live)).toMatchObject({ summary: 'Caller asked for a quote.', messages: 2, caller_phone: '+31612345678' });
    expect(await row(calls.kept)).toMatchObject({ summary: 'Caller asked for a quote.', messages: 2, caller_phone: '+31612345678' });
  });

  it('the API shows the purged call without transcript, summary or recording', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/calls/${calls.old}`, headers: t.auth(a.apiKey) });
    expect(res.json()).toMatchObject({ summary: null, recording_url: null, caller_phone: null, messages: [], analysis_result: null });
  });

  it('runs again as a no-op, and follows the clock: 50 days later the recent call is past 30 days', async () => {
    expect(await purgeExpired(deps, NOW)).toEqual({ content: 0, metadata: 0, recordings: 0 });
    const later = new Date(NOW.getTime() + 50 * 86_400_000);
    expect(await purgeExpired(deps, later)).toEqual({ content: 1, metadata: 1, recordings: 1 });
    expect(await row(calls.recent)).toMatchObject({ summary: null, messages: 0, caller_phone: '+31612345678' });
    expect(await row(calls.month)).toMatchObject({ caller_phone: null, events: 0 }); // 95 days > 90
  });

  it('the daily schedule runs on its timer with the injected clock, and stops cleanly', async () => {
    const org = await t.createOrg();
    await t.db.query('UPDATE organizations SET content_retention_days = 30 WHERE id = $1', [org.org.id]);
    const id = await seedCall(org, 'scheduled', 31);
    const schedule = scheduleRetentionPurge(deps, { firstRunMs: 5, intervalMs: 60_000, now: () => NOW });
    await expect.poll(async () => (await row(id)).content_purged_at, { timeout: 5000 }).toEqual(NOW);
    await schedule.stop();
    expect(await schedule.runNow()).toEqual({ content: 0, metadata: 0, recordings: 0 });
  });
});
