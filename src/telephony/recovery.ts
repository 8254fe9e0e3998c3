/**
 * Calls whose owner died (issue #8): a node that crashed leaves rows `in-progress`, unbilled,
 * unreported, with their concurrency slots taken. A node finalises the calls of its own previous
 * life when it starts, and every node looks for nodes that stopped beating and finalises theirs:
 * `ended-with-error`, end reason `node-failure`, billed up to the last heartbeat that saw the
 * call alive, reports sent, slots released.
 *
 * A node is taken for dead only on two pieces of evidence, so a Redis restart or a database
 * outage never kills live calls: its Redis entry has expired (Redis answered) and its calls'
 * database heartbeat (`alive_at`) is older than STALE_MS, while our own database heartbeat has
 * been succeeding for at least that long.
 */
import type { Redis } from 'ioredis';
import { loadAgent, resolveAgentConfig } from '../agents/index.js';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { CallCloser, FinalRecord } from './closer.js';
import type { CallDirectory } from './directory.js';
import type { CallDirection } from './vocabulary.js';

/** A call whose heartbeat is this old belongs to a node that stopped. */
export const STALE_MS = 15_000;
const NODE_FAILURE = 'the node handling the call stopped before the call ended';

interface OrphanRow {
  id: string;
  org_id: string;
  direction: CallDirection;
  agent_id: string | null;
  agent_name: string | null;
  number_id: string | null;
  number_name: string | null;
  assistant_phone: string | null;
  caller_phone: string | null;
  started_at: Date | null;
  ended_at_estimate: Date;
  recording_path: string | null;
  metadata: Record<string, unknown>;
  campaign_id: string | null;
  lead_id: string | null;
}

export interface RecoveryOptions {
  db: Db;
  redis: Redis;
  prefix: string;
  directory: CallDirectory;
  closer: CallCloser;
  secrets: SecretBox;
  nodeId: string;
  log: Logger;
}

export class CallRecovery {
  /** Since when our own database heartbeat has succeeded without a gap (null: it is failing). */
  private healthySince: number | null = null;

  constructor(private readonly o: RecoveryOptions) {}

  /** Our own heartbeat's outcome, so we never judge others while we could not write ourselves. */
  heartbeatSucceeded(ok: boolean, now = Date.now()): void {
    this.healthySince = ok ? (this.healthySince ?? now) : null;
  }

  /** At start: the calls this node owned in its previous life (a crash, a kill -9). */
  async recoverOwn(): Promise<number> {
    return this.finalise(this.o.nodeId);
  }

  /** Finds nodes that stopped beating and finalises their calls; safe on every node at once. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.healthySince === null || now - this.healthySince < STALE_MS) return 0;
    const { rows } = await this.o.db.query<{ node_id: string }>(
      `SELECT node_id FROM calls WHERE ended_at IS NULL AND node_id IS NOT NULL AND node_id <> $1
        GROUP BY node_id HAVING max(alive_at) < now() - make_interval(secs => $2)`,
      [this.o.nodeId, STALE_MS / 1000],
    );
    let finalised = 0;
    for (const { node_id: nodeId } of rows) {
      if ((await this.o.directory.node(nodeId)) !== null) continue; // still beating in Redis
      const lock = await this.o.redis.set(`${this.o.prefix}recovery:${nodeId}`, this.o.nodeId, 'PX', 60_000, 'NX');
      if (lock !== 'OK') continue; // another survivor is on it
      this.o.log.warn({ deadNode: nodeId }, 'a node stopped beating; finalising its calls');
      finalised += await this.finalise(nodeId);
    }
    return finalised;
  }

  private async finalise(nodeId: string): Promise<number> {
    const { rows } = await this.o.db.query<OrphanRow>(
      `SELECT c.id, c.org_id, c.direction, c.agent_id, c.agent_name, c.number_id, n.name AS number_name, c.assistant_phone,
              c.caller_phone, c.started_at, GREATEST(COALESCE(c.alive_at, c.created_at), COALESCE(c.started_at, c.created_at)) AS ended_at_estimate,
              c.recording_path, c.metadata, c.campaign_id, c.lead_id
         FROM calls c LEFT JOIN numbers n ON n.org_id = c.org_id AND n.id = c.number_id
        WHERE c.node_id = $1 AND c.ended_at IS NULL`,
      [nodeId],
    );
    for (const row of rows) await this.o.closer.close(await this.recordOf(row));
    if (rows.length > 0) this.o.log.warn({ node: nodeId, calls: rows.length }, 'calls of a stopped node finalised');
    return rows.length;
  }

  private async recordOf(row: OrphanRow): Promise<FinalRecord> {
    const agent = row.agent_id ? await loadAgent(this.o.db, this.o.secrets, row.org_id, row.agent_id) : null;
    const webhook = agent ? resolveAgentConfig(agent).webhook : { url: null, secret: null, events: [], format: 'camel' as const };
    const endedAt = row.ended_at_estimate;
    const durationSeconds = row.started_at ? Math.max(0, Math.round((endedAt.getTime() - row.started_at.getTime()) / 1000)) : null;
    const metadata = row.metadata ?? {};
    return {
      callId: row.id,
      orgId: row.org_id,
      agentId: row.agent_id,
      status: 'ended-with-error',
      endReason: 'node-failure',
      error: NODE_FAILURE,
      endedAt: endedAt.toISOString(),
      startedAt: row.started_at?.toISOString() ?? null,
      durationSeconds,
      sipStatus: null,
      tokenUsage: null,
      quality: null,
      recordingPath: row.recording_path,
      context: {
        callId: row.id,
        direction: row.direction,
        phoneNumber: { id: row.number_id, number: row.assistant_phone, name: row.number_name },
        customerNumber: row.caller_phone,
        format: webhook.format,
        assistant: { id: row.agent_id, name: row.agent_name, ...(Object.keys(metadata).length > 0 && { metadata }) },
      },
      webhook: this.o.closer.sealWebhook(webhook),
      campaignId: row.campaign_id,
      leadId: row.lead_id,
    };
  }
}
