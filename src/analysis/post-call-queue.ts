/**
 * The post-call queue (BullMQ `analysis`, durable, retried). The call owner calls
 * `PostCallQueue.enqueue({callId, orgId, agent})` once the call row is final; it is bounded and
 * never throws, so a slow or absent Redis cannot hold a call open. A call whose enqueue failed is
 * not lost: the worker's sweep finds final calls whose report was never queued and queues them.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SecretBox } from '../crypto.js';
import type { Logger } from '../log.js';
import { openSnapshot, sealSnapshot, type CallAgentSnapshot } from './agent-settings.js';
import { bounded, exponentialDelay } from './bounded.js';
import { callsMissingReport } from './call-record.js';
import { AnalysisRetryError, runPostCall, type PostCallDeps, type PostCallResult, type SettledTasks } from './post-call.js';
import { duplicateClient, WORKER_LOCK } from '../redis.js';

export const POST_CALL_QUEUE = 'analysis';
/** What enqueue may take before it gives up (the sweep catches up). */
export const ENQUEUE_TIMEOUT_MS = 2_000;

export interface PostCallRequest {
  callId: string;
  orgId: string;
  /** The agent the call ran with (after assistant-request overrides); default: the saved agent. */
  agent?: CallAgentSnapshot;
}

interface JobData {
  callId: string;
  orgId: string;
  /** CallAgentSnapshot sealed with SecretBox (it holds the webhook secret). */
  agent?: string;
  settled?: SettledTasks;
}

export interface PostCallPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The sweep leaves calls that ended less than this ago to the normal path. */
  sweepGraceMs: number;
  /** …and ignores calls that ended longer ago than this. */
  sweepHorizonMs: number;
  sweepIntervalMs: number;
}

/** 8 attempts, 5 s doubling to 5 min: an outage of about 10 minutes is ridden out. */
export const DEFAULT_POST_CALL_POLICY: PostCallPolicy = {
  attempts: 8,
  baseDelayMs: 5_000,
  maxDelayMs: 300_000,
  sweepGraceMs: 120_000,
  sweepHorizonMs: 24 * 3600_000,
  sweepIntervalMs: 60_000,
};

export interface PostCallQueueOptions {
  redis: Redis;
  prefix: string;
  secrets: SecretBox;
  log: Logger;
  policy?: Partial<PostCallPolicy>;
}

const jobIdOf = (callId: string): string => `postcall-${callId}`;

/** The producer side, on every node that ends calls. */
export class PostCallQueue {
  readonly queue: Queue<JobData>;
  readonly policy: PostCallPolicy;
  private readonly connection: Redis;

  constructor(private readonly o: PostCallQueueOptions) {
    this.policy = { ...DEFAULT_POST_CALL_POLICY, ...o.policy };
    this.connection = duplicateClient(o.redis, o.log, 'post-call queue');
    this.queue = new Queue<JobData>(POST_CALL_QUEUE, {
      connection: this.connection,
      prefix: `${o.prefix}bull`,
      defaultJobOptions: {
        attempts: this.policy.attempts,
        backoff: { type: 'post-call' },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    // Redis trouble is reported by enqueue's answer; it must never be an unhandled 'error' event.
    this.queue.on('error', (err) => o.log.warn({ err: err.message }, 'post-call queue connection error'));
  }

  /**
   * Queues the post-call job of a final call. Resolves within `timeoutMs` and never throws:
   * false means "not queued (yet)"; the sweep queues it later. Queuing twice is harmless.
   */
  async enqueue(request: PostCallRequest, timeoutMs = ENQUEUE_TIMEOUT_MS): Promise<boolean> {
    const fields = { callId: request.callId, orgId: request.orgId };
    try {
      const data: JobData = { ...fields, ...(request.agent && { agent: sealSnapshot(this.o.secrets, request.agent) }) };
      const added = this.queue.add('post-call', data, { jobId: jobIdOf(request.callId) });
      added.catch(() => undefined); // a late failure after the timeout is the sweep's business
      if ((await bounded(added, timeoutMs)) === 'timeout') {
        this.o.log.warn({ ...fields, timeoutMs }, 'post-call enqueue timed out; the sweep will queue it');
        return false;
      }
      return true;
    } catch (err) {
      this.o.log.warn({ ...fields, err: (err as Error).message }, 'post-call enqueue failed; the sweep will queue it');
      return false;
    }
  }

  /**
   * For the sweep: queues the call again even if an earlier job for it finished or gave up
   * (BullMQ would ignore a job id it still remembers). A job still waiting or running is left alone.
   */
  async requeue(request: PostCallRequest): Promise<boolean> {
    const job = await this.queue.getJob(jobIdOf(request.callId));
    if (job) {
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
      await job.remove().catch(() => undefined);
    }
    return this.enqueue(request);
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

/** The consumer side (role `worker`): runs post-call jobs and the sweep. */
export class PostCallWorker {
  private readonly worker: Worker<JobData, PostCallResult>;
  private readonly connection: Redis;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: PostCallQueueOptions,
    private readonly producer: PostCallQueue,
    private readonly deps: PostCallDeps,
    concurrency = 8,
  ) {
    const policy = producer.policy;
    this.connection = duplicateClient(o.redis, o.log, 'post-call worker', { maxRetriesPerRequest: null });
    this.worker = new Worker<JobData, PostCallResult>(POST_CALL_QUEUE, (job) => this.process(job), {
      connection: this.connection,
      prefix: `${o.prefix}bull`,
      concurrency,
      ...WORKER_LOCK,
      settings: { backoffStrategy: (attemptsMade: number) => exponentialDelay(attemptsMade, policy.baseDelayMs, policy.maxDelayMs) },
    });
    this.worker.on('error', (err) => o.log.warn({ err: err.message }, 'post-call worker error'));
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= policy.attempts || err instanceof UnrecoverableError;
      o.log[final ? 'error' : 'info']({ callId: job.data.callId, attempt: job.attemptsMade, error: err.message }, final ? 'post-call job gave up' : 'post-call job will retry');
    });
  }

  /** Typed completion events, for tests and benchmarks. */
  onCompleted(fn: (callId: string, result: PostCallResult) => void): void {
    this.worker.on('completed', (job, result) => fn(job.data.callId, result));
  }

  /** A failed attempt (retried unless it was the last). */
  onFailed(fn: (callId: string, error: Error, attempt: number) => void): void {
    this.worker.on('failed', (job, err) => job && fn(job.data.callId, err, job.attemptsMade));
  }

  private async process(job: Job<JobData, PostCallResult>): Promise<PostCallResult> {
    const run = {
      callId: job.data.callId,
      snapshot: openSnapshot(this.o.secrets, job.data.agent),
      settled: job.data.settled ?? {},
      lastAttempt: job.attemptsMade + 1 >= this.producer.policy.attempts,
      saveSettled: (settled: SettledTasks) => job.updateData({ ...job.data, settled }),
    };
    try {
      return await runPostCall(this.deps, run);
    } catch (err) {
      if (err instanceof AnalysisRetryError) this.o.log.info({ callId: run.callId, reasons: err.reasons }, 'analysis retry scheduled');
      throw err;
    }
  }

  /** Queues final calls whose report was never queued; returns how many. Safe to run any time. */
  async sweep(): Promise<number> {
    const p = this.producer.policy;
    const calls = await callsMissingReport(this.deps.db, p.sweepGraceMs, p.sweepHorizonMs);
    let queued = 0;
    for (const call of calls) if (await this.producer.requeue({ callId: call.id, orgId: call.org_id })) queued += 1;
    if (calls.length > 0) this.o.log.info({ found: calls.length, queued }, 'post-call sweep queued calls without a report');
    return queued;
  }

  /** Sweeps now and then every `sweepIntervalMs`. */
  startSweeping(): void {
    const run = (): void => void this.sweep().catch((err: unknown) => this.o.log.warn({ err: (err as Error).message }, 'post-call sweep failed'));
    run();
    this.sweeper = setInterval(run, this.producer.policy.sweepIntervalMs);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.worker.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
