/**
 * The end of a call, written durably (issue #8): the final row, its usage (and prepaid minutes)
 * and its final `status-update` commit in one transaction, so a call is never billed without
 * being reported or reported without being billed; then the post-call job (src/analysis) is
 * queued, which writes the summary and analysis and sends the `end-of-call-report` (its sweep
 * queues any call whose enqueue failed). When PostgreSQL cannot take the end, the record is
 * spooled to disk and retried in the background until it can; a node replays what is spooled
 * when it starts. A retried commit is a no-op for anything already done (the row is only
 * finalised once, usage is one row per call, report ids are derived from the call id).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretBox } from '../crypto.js';
import type { Db, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import type { AgentRuntimeConfig as ResolvedAgent } from '../agents/index.js';
import type { CallLatency } from '../../media/index.js';
import {
  statusUpdatePayload,
  type AgentWebhookSettings,
  type WebhookCallContext,
  type WebhookEmitter,
} from '../events/index.js';
import type { Logger } from '../log.js';
import { recordUsage } from '../api/resources/usage/billing.js';
import type { CallDirectory } from './directory.js';
import { webhookFinalStatus, type CallStatus, type EndReason } from './vocabulary.js';

/** Everything needed to finalise a call, as plain data (it may wait on disk). */
export interface FinalRecord {
  callId: string;
  orgId: string;
  agentId: string | null;
  status: CallStatus;
  endReason: EndReason;
  error: string | null;
  endedAt: string;
  startedAt: string | null;
  /** Null when the call was never answered (or rejected): nothing is billed. */
  durationSeconds: number | null;
  sipStatus: number | null;
  tokenUsage: Record<string, number> | null;
  quality: unknown;
  recordingPath: string | null;
  context: WebhookCallContext;
  /** The agent's webhook settings; the secret is sealed with SECRET_KEY while on disk. */
  webhook: Omit<AgentWebhookSettings, 'secret'> & { sealedSecret: string | null };
  campaignId?: string | null;
  leadId?: string | null;
  /** What the call's transfer did (target, mode, outcome, bridged time), when it had one. */
  transfer?: Record<string, unknown> | null;
  /** The per-turn latency waterfall the worker measured (`calls.latency`). */
  latency?: CallLatency | null;
}

/** What the rest of the node hears about a call whose end was written (dialer, metrics). */
export interface CallFinal {
  callId: string;
  orgId: string;
  direction: WebhookCallContext['direction'];
  status: CallStatus;
  endReason: EndReason;
  sipStatus: number | null;
  durationSeconds: number | null;
  error: string | null;
  campaignId: string | null;
  leadId: string | null;
}

export interface CallCloserOptions {
  db: Db;
  emitter: WebhookEmitter;
  directory: CallDirectory;
  secrets: SecretBox;
  log: Logger;
  spoolDir: string;
  pricePerMinute: number;
  /** Queues the post-call job (analysis, then the end-of-call report); bounded, never throws. */
  postCall: { enqueue(request: { callId: string; orgId: string; agent?: ResolvedAgent }): Promise<boolean> };
  /** Called once per call, after its end was committed by this node. */
  onFinal?: (final: CallFinal) => void;
}

/** One database attempt may take this long before the record goes to the spool. */
const COMMIT_TIMEOUT_MS = 5_000;
/** Redis work after the commit is best effort: slots expire, sweepers queue what was missed. */
const REDIS_TIMEOUT_MS = 2_000;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export type CloseOutcome = 'committed' | 'already-final' | 'spooled';

export class CallCloser {
  private readonly spooled = new Map<string, FinalRecord>();
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = RETRY_MIN_MS;
  private stopped = false;

  constructor(private readonly o: CallCloserOptions) {}

  sealWebhook(settings: AgentWebhookSettings): FinalRecord['webhook'] {
    const { secret, ...rest } = settings;
    return { ...rest, sealedSecret: secret ? this.o.secrets.encrypt(secret) : null };
  }

  /**
   * Finalises the call now, or spools it and keeps trying. Bounded; never throws. `agent` is the
   * call's agent as it ran (assistant-request overrides included), for the post-call job.
   */
  async close(record: FinalRecord, agent?: ResolvedAgent): Promise<CloseOutcome> {
    try {
      return await this.commit(record, agent);
    } catch (err) {
      this.o.log.error({ err: (err as Error).message, callId: record.callId }, 'could not write the end of the call; spooled, retrying until the database takes it');
      await this.spool(record);
      return 'spooled';
    }
  }

  /** Replays what a previous run (or this one) spooled. Returns how many were committed. */
  async replay(): Promise<number> {
    await mkdir(this.o.spoolDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(this.o.spoolDir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const record = JSON.parse(await readFile(join(this.o.spoolDir, name), 'utf8')) as FinalRecord;
        this.spooled.set(record.callId, record);
      } catch (err) {
        this.o.log.error({ err: (err as Error).message, file: name }, 'unreadable spooled call end left in place');
      }
    }
    return this.retrySpooled();
  }

  /** Calls whose end is waiting for the database. */
  get pending(): number {
    return this.spooled.size;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async commit(record: FinalRecord, agent?: ResolvedAgent): Promise<CloseOutcome> {
    // The call is over: its concurrency slot is free before its row says so.
    const released = await bounded(this.o.directory.release(record.orgId, record.callId), REDIS_TIMEOUT_MS).catch((err: unknown) => err);
    if (released !== undefined) {
      this.o.log.warn({ err: (released as Error).message, callId: record.callId }, 'could not release the call slot; it expires on its own');
    }
    const finalised = await bounded(
      withTransaction(this.o.db, (tx) => this.write(tx, record)),
      COMMIT_TIMEOUT_MS,
    );
    if (!finalised) {
      this.o.log.info({ callId: record.callId }, 'call was already finalised');
      return 'already-final';
    }
    await bounded(this.o.emitter.dispatch(record.callId), REDIS_TIMEOUT_MS).catch((err: unknown) => {
      this.o.log.warn({ err: (err as Error).message, callId: record.callId }, 'status-update not handed to the queue yet; the sweeper will');
    });
    await this.o.postCall.enqueue({ callId: record.callId, orgId: record.orgId, ...(agent && { agent }) });
    this.announce(record);
    return 'committed';
  }

  /** The row, the usage and the final status-update; false when the call was finalised before. */
  private async write(tx: Queryable, r: FinalRecord): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE calls SET status = $2, end_reason = $3, error = $4, ended_at = $5, duration_seconds = $6,
                        token_usage = $7, quality_stats = $8, recording_path = $9, sip_status = $10,
                        transfer = COALESCE($11, transfer), latency = COALESCE($12, latency), updated_at = now()
        WHERE id = $1 AND ended_at IS NULL`,
      [
        r.callId,
        r.status,
        r.endReason,
        r.error,
        r.endedAt,
        r.durationSeconds ?? 0,
        r.tokenUsage ? JSON.stringify(r.tokenUsage) : null,
        r.quality ? JSON.stringify(r.quality) : null,
        r.recordingPath,
        r.sipStatus,
        r.transfer ? JSON.stringify(r.transfer) : null,
        r.latency ? JSON.stringify(r.latency) : null,
      ],
    );
    if (!rowCount) return false;
    if (r.durationSeconds !== null) {
      const minutes = await recordUsage(tx, { orgId: r.orgId, callId: r.callId, durationSeconds: r.durationSeconds, pricePerMinute: this.o.pricePerMinute });
      if (minutes) {
        await tx.query(`UPDATE organizations SET minutes_balance = GREATEST(0, minutes_balance - $2) WHERE id = $1 AND minutes_balance IS NOT NULL`, [r.orgId, minutes]);
      }
    }
    await this.recordStatusUpdate(tx, r);
    return true;
  }

  private async recordStatusUpdate(tx: Queryable, r: FinalRecord): Promise<void> {
    const origin = { orgId: r.orgId, agentId: r.agentId, callId: r.callId };
    const { sealedSecret, ...rest } = r.webhook;
    const settings: AgentWebhookSettings = { ...rest, secret: sealedSecret ? this.o.secrets.decrypt(sealedSecret) : null };
    const status = statusUpdatePayload(r.context, { status: webhookFinalStatus(r.status), endReason: r.endReason, error: r.error });
    await this.o.emitter.record(tx, origin, settings, 'status-update', status, reportId(r.callId, 'status-update:final'));
  }

  private announce(r: FinalRecord): void {
    try {
      this.o.onFinal?.({
        callId: r.callId,
        orgId: r.orgId,
        direction: r.context.direction,
        status: r.status,
        endReason: r.endReason,
        sipStatus: r.sipStatus,
        durationSeconds: r.durationSeconds,
        error: r.error,
        campaignId: r.campaignId ?? null,
        leadId: r.leadId ?? null,
      });
    } catch (err) {
      this.o.log.error({ err, callId: r.callId }, 'a call-final listener failed');
    }
  }

  private async spool(record: FinalRecord): Promise<void> {
    this.spooled.set(record.callId, record);
    try {
      await mkdir(this.o.spoolDir, { recursive: true, mode: 0o700 });
      const file = join(this.o.spoolDir, `${record.callId}.json`);
      const partial = `${file}.tmp`;
      const handle = await open(partial, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify(record));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(partial, file);
    } catch (err) {
      this.o.log.error({ err: (err as Error).message, callId: record.callId }, 'could not spool the end of the call to disk; kept in memory');
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.retrySpooled();
    }, this.retryDelay);
    this.retryTimer.unref();
  }

  private async retrySpooled(): Promise<number> {
    let committed = 0;
    for (const record of [...this.spooled.values()]) {
      try {
        await this.commit(record);
      } catch {
        this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
        this.scheduleRetry();
        return committed;
      }
      committed += 1;
      this.spooled.delete(record.callId);
      await unlink(join(this.o.spoolDir, `${record.callId}.json`)).catch(() => undefined);
      this.o.log.info({ callId: record.callId }, 'spooled call end written');
    }
    this.retryDelay = RETRY_MIN_MS;
    return committed;
  }
}

/** A stable UUID per call and report, so a replayed finalisation cannot report twice. */
export function reportId(callId: string, what: string): string {
  const hex = createHash('sha256').update(`voxgate:${callId}:${what}`).digest('hex');
  // RFC 9562 layout, version 8 (custom), variant 10.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
