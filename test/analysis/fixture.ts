/**
 * Set-up for post-call tests: the real REST API on a fresh database and Redis prefix, the webhook
 * queue and worker, the post-call queue and worker, the e-mail queue — with OpenAI pointed at the
 * chat-completions fake, customer webhooks at the webhook receiver and Resend at its fake.
 * Tests create agents through the API and insert a finished call (row + transcript) as the call
 * owner leaves it, then enqueue the post-call job like the owner does.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { secretBoxFor } from '../../src/api/deps.js';
import { appendTranscript, NotificationEmails, PostCallQueue, PostCallWorker, type PostCallResult, type TranscriptEntry } from '../../src/analysis/index.js';
import type { Env } from '../../src/config.js';
import { WebhookQueue, WebhookWorker } from '../../src/events/index.js';
import { createLogger } from '../../src/log.js';
import { FakeChatCompletions, type ChatStyle, type RecordedChatRequest, type Responder } from '../fakes/chat-completions.js';
import { startFakeResend, type FakeResend } from '../fakes/resend-server.js';
import { FakeWebhookReceiver, type WebhookRequestRecord } from '../fakes/webhook-receiver.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

export const CALLER = '+31612345678';
export const OUR_NUMBER = '+31850001234';
export const PUBLIC_URL = 'https://voxgate.example';

export interface FinishedCallInput {
  agentId: string | null;
  messages?: TranscriptEntry[];
  status?: string;
  endReason?: string;
  /** Null: never answered. */
  startedAt?: Date | null;
  endedAt?: Date;
  durationSeconds?: number;
  org?: TestOrg;
}

export interface AnalysisFixture {
  t: TestApp;
  org: TestOrg;
  llm: FakeChatCompletions;
  receiver: FakeWebhookReceiver;
  resend: FakeResend;
  webhooks: WebhookQueue;
  postCall: PostCallQueue;
  worker: PostCallWorker;
  emails: NotificationEmails;
  api(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, org?: TestOrg): Promise<{ status: number; json: Record<string, unknown> }>;
  /** An agent through the REST API, reporting to the receiver; returns its id. */
  createAgent(fields?: Record<string, unknown>, org?: TestOrg): Promise<string>;
  finishedCall(input: FinishedCallInput): Promise<string>;
  /** Resolves when the post-call job of `callId` has completed (after any retries). */
  completed(callId: string, timeoutMs?: number): Promise<PostCallResult>;
  /** Resolves on the next completion of `callId`'s job from now on. */
  nextCompletion(callId: string, timeoutMs?: number): Promise<PostCallResult>;
  /** The end-of-call report of `callId` as the receiver got it. */
  report(callId: string, timeoutMs?: number): Promise<WebhookRequestRecord>;
  reportsOf(callId: string): WebhookRequestRecord[];
  close(): Promise<void>;
}

export interface FixtureOptions {
  env?: Env;
  llmStyle?: ChatStyle;
}

/** A structured request (JSON output asked for); the summary request asks for plain text. */
export const isExtraction = (req: RecordedChatRequest): boolean =>
  req.responseFormat?.type === 'json_schema' || req.responseFormat?.type === 'json_object' || req.tools !== undefined;

/** Scripts the fake model: summaries answer `summary`, extraction requests go through `extraction` in turn (the last one repeats). */
export function scriptModel(llm: FakeChatCompletions, summary: string, ...extraction: Responder[]): void {
  let n = 0;
  llm.reset();
  llm.when(isExtraction, (req) => {
    const step = extraction[Math.min(n, extraction.length - 1)];
    n += 1;
    return typeof step === 'function' ? step(req) : step;
  });
  llm.setDefault({ content: summary });
}

export async function analysisFixture(options: FixtureOptions = {}): Promise<AnalysisFixture> {
  const llm = await FakeChatCompletions.start({ style: options.llmStyle ?? 'openai', apiKey: 'sk-test-analysis' });
  const receiver = await FakeWebhookReceiver.start({ secret: 'whsec_analysis' });
  const resend = await startFakeResend();
  const t = await buildTestApp({
    env: {
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: llm.apiKey,
      RESEND_BASE_URL: resend.url,
      PUBLIC_URL,
      ANALYSIS_TIMEOUT_SECONDS: '5',
      ...options.env,
    },
  });
  const org = await t.createOrg();
  const log = createLogger(process.env.VOXGATE_TEST_LOG ?? 'silent');
  const secrets = secretBoxFor(t.config);
  const base = { db: t.db, redis: t.redis, secrets, log, prefix: t.config.redisPrefix };
  const webhookOptions = { ...base, allowPrivate: true, policy: { baseDelayMs: 100, maxDelayMs: 500 } };
  const webhooks = new WebhookQueue(webhookOptions);
  const webhookWorker = new WebhookWorker(webhookOptions, webhooks);
  t.app.deps.services.webhookQueue = webhooks;
  const emails = new NotificationEmails({ ...base, resendBaseUrl: resend.url, publicUrl: PUBLIC_URL, policy: { attempts: 4, baseDelayMs: 100, maxDelayMs: 400 }, resendTimeoutMs: 2_000 });
  emails.startWorker();
  const queueOptions = { redis: t.redis, prefix: t.config.redisPrefix, secrets, log, policy: { attempts: 6, baseDelayMs: 300, maxDelayMs: 1_500, sweepGraceMs: 0 } };
  const postCall = new PostCallQueue(queueOptions);
  const worker = new PostCallWorker(queueOptions, postCall, {
    db: t.db,
    secrets,
    log,
    config: t.config,
    webhooks,
    notify: (callId) => emails.enqueue(callId),
  });
  const done = new EventEmitter();
  const results = new Map<string, PostCallResult>();
  worker.onCompleted((callId, result) => {
    results.set(callId, result);
    done.emit(callId, result);
  });

  function nextCompletion(callId: string, timeoutMs = 15_000): Promise<PostCallResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`post-call job of ${callId} did not complete within ${timeoutMs} ms`)), timeoutMs);
      done.once(callId, (result: PostCallResult) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }

  async function api(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, who: TestOrg = org) {
    const res = await t.app.inject({ method, url: `/api/v1/${path}`, headers: t.auth(who.apiKey), ...(body !== undefined && { payload: body as object }) });
    return { status: res.statusCode, json: res.json() as Record<string, unknown> };
  }

  return {
    t,
    org,
    llm,
    receiver,
    resend,
    webhooks,
    postCall,
    worker,
    emails,
    api,
    async createAgent(fields = {}, who = org) {
      const res = await api('POST', 'agents', { name: 'Front desk', webhook_url: receiver.urlFor('/hooks'), webhook_secret: 'whsec_analysis', ...fields }, who);
      if (res.status !== 201) throw new Error(`agent create → ${res.status} ${JSON.stringify(res.json)}`);
      return (res.json.agent as { id: string }).id;
    },
    async finishedCall(input) {
      const id = randomUUID();
      const who = input.org ?? org;
      const endedAt = input.endedAt ?? new Date();
      const startedAt = input.startedAt === undefined ? new Date(endedAt.getTime() - (input.durationSeconds ?? 84) * 1000) : input.startedAt;
      await t.db.query(
        `INSERT INTO calls (id, org_id, direction, status, end_reason, agent_id, agent_name, caller_phone, assistant_phone,
                            started_at, ended_at, duration_seconds)
         VALUES ($1, $2, 'inbound', $3, $4, $5, 'Front desk', $6, $7, $8, $9, $10)`,
        [id, who.org.id, input.status ?? 'ended', input.endReason ?? 'customer-hangup', input.agentId, CALLER, OUR_NUMBER, startedAt, endedAt, startedAt ? (input.durationSeconds ?? 84) : 0],
      );
      await appendTranscript(t.db, who.org.id, id, input.messages ?? []);
      return id;
    },
    completed(callId, timeoutMs = 15_000) {
      const known = results.get(callId);
      return known ? Promise.resolve(known) : nextCompletion(callId, timeoutMs);
    },
    nextCompletion,
    report(callId, timeoutMs = 15_000) {
      return receiver.waitFor((r) => r.event === 'end-of-call-report' && (r.json as { message: { call: { id: string } } }).message.call.id === callId, { timeoutMs });
    },
    reportsOf(callId) {
      return receiver.requests.filter((r) => r.event === 'end-of-call-report' && (r.json as { message: { call: { id: string } } }).message.call.id === callId);
    },
    async close() {
      await worker.close();
      await postCall.close();
      await emails.close();
      await webhookWorker.close();
      await webhooks.close();
      await t.close();
      await llm.close();
      await receiver.close();
      await resend.close();
    },
  };
}

/** A short conversation with a booking in it. */
export function bookingConversation(): TranscriptEntry[] {
  const at = (s: number) => new Date(Date.now() - 80_000 + s * 1000);
  return [
    { role: 'assistant', content: 'Hello, Acme dental, how can I help?', startedAt: at(0), endedAt: at(2) },
    { role: 'user', content: 'I would like an appointment on Tuesday, my name is Jan de Vries.', startedAt: at(3), endedAt: at(7) },
    { role: 'assistant', content: 'Tuesday at ten works. Shall I book it?', startedAt: at(8), endedAt: at(10) },
    { role: 'user', content: 'Yes please.', startedAt: at(11), endedAt: at(12) },
  ];
}

export const BOOKING_SCHEMA = {
  type: 'object',
  properties: {
    caller_name: { type: 'string' },
    appointment_booked: { type: 'boolean' },
    sentiment: { type: 'integer', minimum: 1, maximum: 10 },
    notes: { type: 'string' },
  },
  required: ['caller_name', 'appointment_booked', 'sentiment'],
};

export const BOOKING_ANALYSIS = { caller_name: 'Jan de Vries', appointment_booked: true, sentiment: 8 };

/** The `message` of a webhook body. */
export function messageOf(r: WebhookRequestRecord): Record<string, unknown> {
  return (r.json as { message: Record<string, unknown> }).message;
}
