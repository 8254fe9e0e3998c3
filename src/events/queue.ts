/**
 * Durable webhook delivery (flireo-api A.4) on BullMQ: at least once, up to 10 attempts with
 * exponential backoff (1 s doubling, capped at 10 min) on network errors, timeouts and non-2xx,
 * every attempt logged in PostgreSQL, and the events of one call delivered in order.
 *
 * Ordering: a call's deliveries form a chain in `webhook_deliveries` (by `seq`); only the head is
 * handed to the queue. When it is delivered or gives up, the next one is queued (`claimNextOfCall`).
 * Jobs carry only the delivery id; the row decides what happens, so a job that runs twice after a
 * crash finds the row delivered and does nothing. A sweeper re-queues chains a crash left stalled.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';
import {
  beginAttempt,
  callsWithWaitingDeliveries,
  claimNextOfCall,
  finishAttempt,
  insertDelivery,
  loadDelivery,
  queuedButUnfinished,
  resetForReplay,
  type NewDelivery,
} from './deliveries.js';
import { describeOutcome, postJson, type PostOutcome } from './http.js';
import { webhookHeaders } from './signing.js';
import { duplicateClient, WORKER_LOCK } from '../redis.js';

export const WEBHOOK_QUEUE = 'webhooks';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 10, baseDelayMs: 1_000, maxDelayMs: 600_000, timeoutMs: 10_000 };

/** Delay before attempt n+1 after n failed attempts: base · 2^(n-1), capped. */
export function backoffDelay(failedAttempts: number, policy: RetryPolicy): number {
  return Math.min(policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1), policy.maxDelayMs);
}

interface JobData {
  deliveryId: string;
}

/** 408 and 429 say "later"; other 4xx say "never" (STYLE §14). */
function isPermanent(outcome: PostOutcome): boolean {
  if (outcome.kind === 'blocked') return true;
  return outcome.kind === 'response' && outcome.status >= 400 && outcome.status < 500 && outcome.status !== 408 && outcome.status !== 429;
}

export interface WebhookQueueOptions {
  db: Db;
  redis: Redis;
  secrets: SecretBox;
  log: Logger;
  prefix: string;
  allowPrivate: boolean;
  policy?: Partial<RetryPolicy>;
  /** Told of every delivery attempt (the node's metrics). */
  onAttempt?: (event: string, outcome: 'delivered' | 'retry' | 'failed', durationMs: number) => void;
}

/** The producer side: records a delivery and hands the head of each call's chain to BullMQ. */
export class WebhookQueue {
  readonly queue: Queue<JobData>;
  readonly policy: RetryPolicy;
  /** BullMQ does not close a connection it was given; we do. */
  private readonly connection: Redis;

  constructor(private readonly o: WebhookQueueOptions) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...o.policy };
    this.connection = duplicateClient(o.redis, o.log, 'webhook queue');
    this.queue = new Queue<JobData>(WEBHOOK_QUEUE, {
      connection: this.connection,
      prefix: `${o.prefix}bull`,
      defaultJobOptions: {
        attempts: this.policy.attempts,
        backoff: { type: 'webhook' },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
  }

  /** Logs the event and queues it (now, or when the call's earlier events are done). */
  async enqueue(delivery: NewDelivery): Promise<string> {
    const id = await insertDelivery(this.o.db, this.o.secrets, delivery);
    if (delivery.callId === null) await this.addJob(id, id);
    else await this.pump(delivery.callId);
    return id;
  }

  /** Queues the next delivery of a call if none is in flight. */
  async pump(callId: string): Promise<void> {
    const next = await claimNextOfCall(this.o.db, callId);
    if (next) await this.addJob(next, next);
  }

  /** Manual replay of one delivery (POST /webhook-deliveries/{id}/retry). */
  async replay(orgId: string, id: string): Promise<boolean> {
    if (!(await resetForReplay(this.o.db, orgId, id))) return false;
    await this.addJob(id, `${id}-replay-${Date.now()}`);
    return true;
  }

  /** Finds chains a crash left stalled and jobs that vanished; safe to run any time. */
  async sweep(olderThanMs = 60_000): Promise<number> {
    let requeued = 0;
    for (const callId of await callsWithWaitingDeliveries(this.o.db, olderThanMs)) await this.pump(callId);
    for (const id of await queuedButUnfinished(this.o.db, olderThanMs)) {
      const job = await this.queue.getJob(id);
      const state = job ? await job.getState() : 'missing';
      if (state === 'missing' || state === 'completed' || state === 'failed' || state === 'unknown') {
        await this.addJob(id, `${id}-sweep-${Date.now()}`);
        requeued += 1;
      }
    }
    return requeued;
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }

  /** jobId = delivery id: adding the same event twice is a no-op in BullMQ. */
  private async addJob(deliveryId: string, jobId: string): Promise<void> {
    await this.queue.add('deliver', { deliveryId }, { jobId });
  }
}

/** The consumer side (role `worker`): one processor for every delivery. */
export class WebhookWorker {
  private readonly worker: Worker<JobData>;
  private readonly connection: Redis;

  constructor(
    private readonly o: WebhookQueueOptions,
    private readonly producer: WebhookQueue,
    concurrency = 16,
  ) {
    const policy = producer.policy;
    this.connection = duplicateClient(o.redis, o.log, 'webhook worker', { maxRetriesPerRequest: null });
    this.worker = new Worker<JobData>(WEBHOOK_QUEUE, (job) => this.process(job), {
      connection: this.connection,
      prefix: `${o.prefix}bull`,
      concurrency,
      ...WORKER_LOCK,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, policy) },
    });
    this.worker.on('error', (err) => o.log.warn({ err: err.message }, 'webhook worker error'));
  }

  private async process(job: Job<JobData>): Promise<void> {
    const { db, secrets, log } = this.o;
    const policy = this.producer.policy;
    const row = await loadDelivery(db, job.data.deliveryId);
    if (!row || row.status === 'delivered' || row.status === 'failed') return; // already settled: at most one success
    const attempt = await beginAttempt(db, row.id);
    const rawBody = JSON.stringify(row.payload);
    const secret = row.secret_encrypted ? secrets.decrypt(row.secret_encrypted) : null;
    const headers = webhookHeaders({ event: row.event_type, eventId: row.id, rawBody, secret });
    const outcome = await postJson({ url: row.url, body: rawBody, headers, timeoutMs: policy.timeoutMs, allowPrivate: this.o.allowPrivate });
    const delivered = outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300;
    const giveUp = !delivered && (isPermanent(outcome) || attempt >= policy.attempts);
    await finishAttempt(db, row.id, {
      attempt,
      statusCode: outcome.kind === 'response' ? outcome.status : null,
      error: delivered ? null : describeOutcome(outcome),
      durationMs: outcome.durationMs,
      responseBody: outcome.kind === 'response' ? outcome.body : null,
      outcome: delivered ? 'delivered' : giveUp ? 'failed' : 'retry',
      nextAttemptAt: delivered || giveUp ? undefined : new Date(Date.now() + backoffDelay(attempt, policy)),
    });
    this.o.onAttempt?.(row.event_type, delivered ? 'delivered' : giveUp ? 'failed' : 'retry', outcome.durationMs);
    const logFields = { deliveryId: row.id, callId: row.call_id, event: row.event_type, attempt, result: describeOutcome(outcome) };
    if (delivered || giveUp) {
      if (delivered) log.info(logFields, 'webhook delivered');
      else log.warn(logFields, 'webhook delivery gave up');
      if (row.call_id) await this.producer.pump(row.call_id);
      if (giveUp) throw new UnrecoverableError(describeOutcome(outcome));
      return;
    }
    log.info(logFields, 'webhook delivery failed; will retry');
    throw new Error(describeOutcome(outcome));
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
