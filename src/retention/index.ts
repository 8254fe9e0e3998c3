/**
 * Retention (issue #13; the SDK's `organizations.update({content_retention_days,
 * metadata_retention_days})`): a daily purge erases what an organization keeps past its periods.
 *
 * - content, after `content_retention_days`: the transcript (`call_messages`), `summary`,
 *   `analysis_result` (and `analysis_error`), the recording file, and the webhook delivery log of
 *   the call (its payloads repeat the transcript and the numbers);
 * - metadata, after `metadata_retention_days`: the caller's number, the campaign and lead link,
 *   the call's events and its custom `metadata`.
 *
 * The call row itself stays (usage and billing refer to it), so does the organization's own
 * number. Age counts from the end of the call; calls still going are never touched. Work is done
 * in batches, each in its own transaction, marked on the call (`content_purged_at`,
 * `metadata_purged_at`), so a purge that stops half-way — or runs on two worker nodes at once
 * (SKIP LOCKED) — is simply continued by the next one.
 */
import { rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { VoxgateNode } from '../node.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 500;

export interface RetentionDeps {
  db: Db;
  /** Where relative recording paths live (config.dataDir). */
  dataDir: string;
  log: Logger;
}

export interface PurgeReport {
  /** Calls whose content was erased. */
  content: number;
  /** Calls whose metadata was erased. */
  metadata: number;
  /** Recording files removed. */
  recordings: number;
}

interface Policy {
  id: string;
  content_retention_days: number | null;
  metadata_retention_days: number | null;
}

const cutoff = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

/** The ids of up to BATCH finished calls older than `before` that still have the given part. */
async function lockBatch(tx: Queryable, orgId: string, before: Date, marker: 'content_purged_at' | 'metadata_purged_at') {
  const { rows } = await tx.query<{ id: string; recording_path: string | null }>(
    `SELECT id, recording_path FROM calls
      WHERE org_id = $1 AND ended_at IS NOT NULL AND ended_at < $2 AND ${marker} IS NULL
      ORDER BY ended_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
    [orgId, before],
  );
  return rows;
}

async function purgeContentBatch(deps: RetentionDeps, orgId: string, before: Date, now: Date): Promise<{ calls: number; files: string[] }> {
  return withTransaction(deps.db, async (tx) => {
    const batch = await lockBatch(tx, orgId, before, 'content_purged_at');
    if (batch.length === 0) return { calls: 0, files: [] };
    const ids = batch.map((c) => c.id);
    await tx.query('DELETE FROM call_messages WHERE org_id = $1 AND call_id = ANY($2::uuid[])', [orgId, ids]);
    await tx.query('DELETE FROM webhook_deliveries WHERE org_id = $1 AND call_id = ANY($2::uuid[])', [orgId, ids]);
    await tx.query(
      `UPDATE calls SET summary = NULL, analysis_result = NULL, analysis_error = NULL, recording_path = NULL, content_purged_at = $3
        WHERE org_id = $1 AND id = ANY($2::uuid[])`,
      [orgId, ids, now],
    );
    const files = batch.flatMap((c) => (c.recording_path ? [isAbsolute(c.recording_path) ? c.recording_path : resolve(deps.dataDir, c.recording_path)] : []));
    return { calls: batch.length, files };
  });
}

async function purgeMetadataBatch(deps: RetentionDeps, orgId: string, before: Date, now: Date): Promise<number> {
  return withTransaction(deps.db, async (tx) => {
    const batch = await lockBatch(tx, orgId, before, 'metadata_purged_at');
    if (batch.length === 0) return 0;
    const ids = batch.map((c) => c.id);
    await tx.query('DELETE FROM call_events WHERE org_id = $1 AND call_id = ANY($2::uuid[])', [orgId, ids]);
    await tx.query(
      `UPDATE calls SET caller_phone = NULL, campaign_id = NULL, lead_id = NULL, metadata = '{}', metadata_purged_at = $3
        WHERE org_id = $1 AND id = ANY($2::uuid[])`,
      [orgId, ids, now],
    );
    return batch.length;
  });
}

/** Files are removed after their rows no longer point at them; one that is gone already is fine. */
async function removeFiles(deps: RetentionDeps, files: readonly string[]): Promise<number> {
  let removed = 0;
  for (const file of files) {
    try {
      await rm(file, { force: true });
      removed += 1;
    } catch (err) {
      deps.log.warn({ err: (err as Error).message }, 'retention: could not remove a recording file');
    }
  }
  return removed;
}

/** One organization's purge at `now`. */
export async function purgeOrganization(deps: RetentionDeps, policy: Policy, now: Date): Promise<PurgeReport> {
  const report: PurgeReport = { content: 0, metadata: 0, recordings: 0 };
  if (policy.content_retention_days !== null) {
    const before = cutoff(now, policy.content_retention_days);
    for (;;) {
      const batch = await purgeContentBatch(deps, policy.id, before, now);
      report.content += batch.calls;
      report.recordings += await removeFiles(deps, batch.files);
      if (batch.calls < BATCH) break;
    }
  }
  if (policy.metadata_retention_days !== null) {
    const before = cutoff(now, policy.metadata_retention_days);
    for (;;) {
      const calls = await purgeMetadataBatch(deps, policy.id, before, now);
      report.metadata += calls;
      if (calls < BATCH) break;
    }
  }
  return report;
}

/** Every organization with a retention period, at `now` (the clock is the caller's, for tests). */
export async function purgeExpired(deps: RetentionDeps, now: Date = new Date()): Promise<PurgeReport> {
  const { rows } = await deps.db.query<Policy>(
    `SELECT id, content_retention_days, metadata_retention_days FROM organizations
      WHERE content_retention_days IS NOT NULL OR metadata_retention_days IS NOT NULL ORDER BY id`,
  );
  const total: PurgeReport = { content: 0, metadata: 0, recordings: 0 };
  for (const policy of rows) {
    try {
      const report = await purgeOrganization(deps, policy, now);
      total.content += report.content;
      total.metadata += report.metadata;
      total.recordings += report.recordings;
      if (report.content + report.metadata > 0) deps.log.info({ orgId: policy.id, ...report }, 'retention purge');
    } catch (err) {
      // One organization's failure must not keep the others' data past their periods.
      deps.log.error({ err, orgId: policy.id }, 'retention purge failed');
    }
  }
  return total;
}

export interface RetentionSchedule {
  /** First run after start (default 1 minute: not in the way of startup). */
  firstRunMs?: number;
  /** Between runs (default 24 hours). */
  intervalMs?: number;
  now?: () => Date;
}

/** Runs `purgeExpired` on a timer; `stop()` waits for a run in progress. */
export function scheduleRetentionPurge(deps: RetentionDeps, schedule: RetentionSchedule = {}): { stop(): Promise<void>; runNow(): Promise<PurgeReport> } {
  const now = schedule.now ?? (() => new Date());
  let running: Promise<PurgeReport> | null = null;
  let stopped = false;
  const run = (): Promise<PurgeReport> => {
    running ??= purgeExpired(deps, now())
      .catch((err: unknown) => {
        deps.log.error({ err }, 'retention purge failed');
        return { content: 0, metadata: 0, recordings: 0 };
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  let timer: NodeJS.Timeout = setTimeout(function tick() {
    if (stopped) return;
    void run().finally(() => {
      if (!stopped) timer = setTimeout(tick, schedule.intervalMs ?? DAY_MS).unref();
    });
  }, schedule.firstRunMs ?? 60_000).unref();
  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Role `worker` (register in src/roles.ts): the daily retention purge of this node. */
export async function startRetentionPurge(node: VoxgateNode): Promise<void> {
  const purge = scheduleRetentionPurge({ db: node.db, dataDir: node.config.dataDir, log: node.log.child({ part: 'retention' }) });
  node.onStop('retention purge', () => purge.stop());
}
