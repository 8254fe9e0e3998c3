/**
 * Notification e-mails (BullMQ queue `email`): one per finished call whose agent has a
 * `notification_email`, sent through Resend with the organization's own key from its verified
 * domain (flireo-api B §3.11). A send that fails for a while (Resend down, 429) is retried with
 * backoff; a refusal (4xx) stops at once. Nothing here blocks or delays the end-of-call report.
 * Resend's `Idempotency-Key` (per call) keeps a retried job from mailing twice.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';
import { orgResendKey, ResendClient, ResendError } from '../resend/index.js';
import { exponentialDelay } from './bounded.js';
import { loadCallRecord } from './call-record.js';
import { renderNotification } from './notification.js';
import { duplicateClient, WORKER_LOCK } from '../redis.js';

export const EMAIL_QUEUE = 'email';

export interface EmailRetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_EMAIL_POLICY: EmailRetryPolicy = { attempts: 6, baseDelayMs: 5_000, maxDelayMs: 300_000 };

interface EmailJob {
  callId: string;
}

export interface EmailQueueOptions {
  db: Db;
  redis: Redis;
  secrets: SecretBox;
  log: Logger;
  prefix: string;
  resendBaseUrl: string;
  publicUrl: string;
  policy?: Partial<EmailRetryPolicy>;
  /** Per Resend request (10 s by default). */
  resendTimeoutMs?: number;
}

export type EmailOutcome = 'sent' | 'no-recipient' | 'no-verified-domain' | 'no-resend-key' | 'call-gone';

export class NotificationEmails {
  readonly queue: Queue<EmailJob>;
  readonly policy: EmailRetryPolicy;
  private worker: Worker<EmailJob> | null = null;
  private readonly connections: Redis[] = [];

  constructor(private readonly o: EmailQueueOptions) {
    this.policy = { ...DEFAULT_EMAIL_POLICY, ...o.policy };
    const connection = duplicateClient(o.redis, o.log, 'email queue');
    this.connections.push(connection);
    this.queue = new Queue<EmailJob>(EMAIL_QUEUE, {
      connection,
      prefix: `${o.prefix}bull`,
      defaultJobOptions: { attempts: this.policy.attempts, backoff: { type: 'email' }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 7 * 86_400 } },
    });
  }

  /** One e-mail per call: the job id is the call's. */
  async enqueue(callId: string): Promise<void> {
    await this.queue.add('notify', { callId }, { jobId: `notify-${callId}` });
  }

  /** Role `worker`: starts sending. */
  startWorker(concurrency = 4): void {
    if (this.worker) return;
    const connection = duplicateClient(this.o.redis, this.o.log, 'email worker', { maxRetriesPerRequest: null });
    this.connections.push(connection);
    const policy = this.policy;
    this.worker = new Worker<EmailJob>(EMAIL_QUEUE, (job) => this.process(job), {
      connection,
      prefix: `${this.o.prefix}bull`,
      concurrency,
      ...WORKER_LOCK,
      settings: { backoffStrategy: (attemptsMade: number) => exponentialDelay(attemptsMade, policy.baseDelayMs, policy.maxDelayMs) },
    });
    this.worker.on('error', (err) => this.o.log.warn({ err: err.message }, 'e-mail worker error'));
    this.worker.on('failed', (job, err) => {
      if (job && (job.attemptsMade >= policy.attempts || err instanceof UnrecoverableError)) {
        this.o.log.warn({ callId: job.data.callId, attempts: job.attemptsMade, error: err.message }, 'notification e-mail gave up');
      }
    });
  }

  async process(job: Job<EmailJob>): Promise<EmailOutcome> {
    const outcome = await this.send(job.data.callId, job.attemptsMade + 1);
    // Most agents have no notification address: that is not worth an info line per call.
    if (outcome !== 'sent') this.o.log[outcome === 'no-recipient' ? 'debug' : 'info']({ callId: job.data.callId, outcome }, 'notification e-mail not sent');
    return outcome;
  }

  /** Sends the call's notification if everything it needs is there. */
  async send(callId: string, attempt = 1): Promise<EmailOutcome> {
    const { db, secrets, log } = this.o;
    const call = await loadCallRecord(db, callId);
    if (!call) return 'call-gone';
    const to = call.agent_id ? await notificationAddress(db, call.org_id, call.agent_id) : null;
    if (!to) return 'no-recipient';
    const domain = await verifiedDomain(db, call.org_id);
    if (!domain) return 'no-verified-domain';
    const apiKey = await orgResendKey(db, secrets, call.org_id).catch(() => null);
    if (!apiKey) return 'no-resend-key';
    const content = renderNotification(call, call.agent_name, this.o.publicUrl);
    const client = new ResendClient({ baseUrl: this.o.resendBaseUrl, apiKey, timeoutMs: this.o.resendTimeoutMs });
    const from = `${(call.agent_name ?? 'voxgate').replace(/[<>"\r\n]/g, '')} <notifications@${domain}>`;
    try {
      const sent = await client.sendEmail({ from, to, ...content }, `call-notification-${callId}`);
      log.info({ callId, attempt, emailId: sent.id, pii: { to } }, 'notification e-mail sent');
      return 'sent';
    } catch (err) {
      const e = err as ResendError;
      const retry = !(e instanceof ResendError) || e.status === 0 || e.status === 429 || e.status >= 500;
      log.warn({ callId, attempt, status: e.status, error: e.message, retry, pii: { to } }, 'notification e-mail failed');
      if (!retry) throw new UnrecoverableError(e.message);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    for (const c of this.connections) await c.quit().catch(() => c.disconnect());
  }
}

async function notificationAddress(db: Db, orgId: string, agentId: string): Promise<string | null> {
  const { rows } = await db.query<{ notification_email: string | null }>('SELECT notification_email FROM agents WHERE org_id = $1 AND id = $2', [orgId, agentId]);
  return rows[0]?.notification_email ?? null;
}

async function verifiedDomain(db: Db, orgId: string): Promise<string | null> {
  const { rows } = await db.query<{ domain_name: string }>(`SELECT domain_name FROM domains WHERE org_id = $1 AND status = 'verified'`, [orgId]);
  return rows[0]?.domain_name ?? null;
}
