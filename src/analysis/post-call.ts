/**
 * The post-call job of one call (DESIGN §5.1 "after the call"): once the call row is final, run the
 * analysis, store what it finds on the call, and send the end-of-call report with it — but never
 * later than the report cap after the call ended. Past the cap the report goes out with what is
 * ready and the rest is stored on the call when it arrives. Calls that never connected or have too
 * few messages get no analysis and are reported at once.
 *
 * At least once, exactly one report: the report's delivery id is the call's, `report_queued_at`
 * marks it sent, and tasks an earlier attempt settled are remembered in the job, so a retry only
 * redoes what failed for a passing reason (provider down, rate limited, timed out).
 */
import type { Config } from '../config.js';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/pool.js';
import type { WebhookQueue } from '../events/index.js';
import type { Logger } from '../log.js';
import { postCallAgent, type CallAgentSnapshot, type PostCallAgent } from './agent-settings.js';
import { startAnalysis, type AnalysisInput, type TaskOutcome } from './analyze.js';
import { bounded } from './bounded.js';
import { isFinal, loadCallRecord, markReportQueued, storeAnalysisResult, storeAnalysisState, storeSummary, type CallRecord } from './call-record.js';
import { AnalysisFailure, analysisLlm, type AnalysisLlm } from './llm.js';
import { effectivePlan, skipReason, type EffectivePlan } from './plan.js';
import { queueReport, reportPayload, type ReportOutcome } from './report.js';
import { conversationLength, loadTranscript, type StoredMessage } from './transcript.js';

export type Task = 'summary' | 'structured';

/** Tasks settled by an earlier attempt, with their error (null: succeeded). Kept in the job. */
export type SettledTasks = Partial<Record<Task, { error: string | null }>>;

export interface PostCallDeps {
  db: Db;
  secrets: SecretBox;
  log: Logger;
  config: Pick<Config, 'providers' | 'analysis' | 'calls'>;
  webhooks: WebhookQueue;
  /** Queues the call's notification e-mail (absent: no e-mails from this node). */
  notify?: (callId: string) => Promise<void>;
}

export interface PostCallRun {
  callId: string;
  snapshot: CallAgentSnapshot | null;
  settled: SettledTasks;
  /** The job's last attempt: a passing failure is final now. */
  lastAttempt: boolean;
  /** Remembers settled tasks for the next attempt. */
  saveSettled(settled: SettledTasks): Promise<void>;
}

export interface PostCallResult {
  report: ReportOutcome | 'sent-earlier' | 'call-gone';
  analysis: 'done' | 'skipped' | 'nothing-to-do';
}

/** The call is not final yet: try again later (the owner queued it early, or a replica lags). */
export class CallNotFinalError extends Error {
  constructor(callId: string) {
    super(`call ${callId} is not final yet`);
    this.name = 'CallNotFinalError';
  }
}

/** A task failed for a passing reason: the job is retried later for it. */
export class AnalysisRetryError extends Error {
  constructor(readonly reasons: string[]) {
    super(`analysis will be retried: ${reasons.join('; ')}`);
    this.name = 'AnalysisRetryError';
  }
}

const LABEL: Record<Task, string> = { summary: 'summary', structured: 'analysis' };

interface Context {
  call: CallRecord;
  agent: PostCallAgent;
  plan: EffectivePlan;
  transcript: StoredMessage[];
}

export async function runPostCall(deps: PostCallDeps, run: PostCallRun): Promise<PostCallResult> {
  const call = await loadCallRecord(deps.db, run.callId);
  if (!call) return { report: 'call-gone', analysis: 'nothing-to-do' };
  if (!isFinal(call)) throw new CallNotFinalError(call.id);
  const agent = await postCallAgent(deps.db, deps.secrets, call, run.snapshot);
  const transcript = await loadTranscript(deps.db, call.org_id, call.id);
  const ctx: Context = { call, agent, plan: effectivePlan(agent.analysisPlan), transcript };
  const skip = skipReason(ctx.plan, { startedAt: call.started_at }, conversationLength(transcript));
  const pending = skip || call.analyzed_at !== null ? [] : pendingTasks(ctx, run.settled);
  const work = pending.length > 0 ? new AnalysisWork(deps, ctx, run, pending) : null;

  let report: PostCallResult['report'] = 'sent-earlier';
  if (call.report_queued_at === null) {
    const waitMs = Math.max(0, deps.config.analysis.reportCapMs - (call.ended_ms_ago ?? 0));
    if (work) {
      if ((await bounded(work.done, waitMs)) === 'timeout') await work.noteLate(deps.config.analysis.reportCapMs);
      else await work.writeState();
    }
    report = await sendReport(deps, ctx);
  }
  if (work) await work.finish();
  deps.log.info({ callId: call.id, report, skipped: skip, tasks: pending }, 'post-call job done');
  return { report, analysis: skip ? 'skipped' : work ? 'done' : 'nothing-to-do' };
}

function pendingTasks(ctx: Context, settled: SettledTasks): Task[] {
  const tasks: Task[] = [];
  if (ctx.plan.summary && ctx.call.summary === null && !settled.summary) tasks.push('summary');
  if (ctx.plan.structured && ctx.call.analysis_result === null && !settled.structured) tasks.push('structured');
  return tasks;
}

async function sendReport(deps: PostCallDeps, ctx: Context): Promise<ReportOutcome> {
  const fresh = (await loadCallRecord(deps.db, ctx.call.id)) ?? ctx.call;
  const payload = reportPayload(fresh, ctx.transcript, ctx.agent, ctx.plan, deps.config.calls.publicUrl);
  const outcome = await queueReport(deps.db, deps.webhooks, fresh, ctx.agent, payload);
  await markReportQueued(deps.db, fresh.id);
  if (deps.notify) {
    await deps.notify(fresh.id).catch((err: unknown) => deps.log.warn({ callId: fresh.id, err: (err as Error).message }, 'could not queue the notification e-mail'));
  }
  return outcome;
}

/** The analysis tasks of one attempt: each stores its result as soon as it has one. */
class AnalysisWork {
  readonly done: Promise<void>;
  private readonly errors: Partial<Record<Task, string>> = {};
  private readonly retryable: string[] = [];
  private late = false;

  constructor(
    private readonly deps: PostCallDeps,
    private readonly ctx: Context,
    private readonly run: PostCallRun,
    tasks: Task[],
  ) {
    for (const [task, s] of Object.entries(run.settled) as Array<[Task, { error: string | null }]>) if (s.error) this.errors[task] = s.error;
    this.done = this.start(tasks);
  }

  private async start(tasks: Task[]): Promise<void> {
    const { call, plan, transcript } = this.ctx;
    const llm = await analysisLlm(this.deps, call.org_id, this.ctx.agent.llm).catch((err: unknown) =>
      err instanceof AnalysisFailure ? err : new AnalysisFailure((err as Error).message, true),
    );
    const input: AnalysisInput = { plan, transcript, endReason: call.end_reason, durationSeconds: call.duration_seconds, callerNumber: call.caller_phone };
    const wanted = { summary: tasks.includes('summary'), structured: tasks.includes('structured'), knownSummary: call.summary };
    const running = startAnalysis(llm as AnalysisLlm | AnalysisFailure, input, wanted, this.deps.log.child({ callId: call.id }));
    await Promise.all([
      running.summary?.then((o) => this.settle('summary', o, (v) => storeSummary(this.deps.db, call.id, v))),
      running.structured?.then((o) => this.settle('structured', o, (v) => storeAnalysisResult(this.deps.db, call.id, v))),
    ]);
  }

  private async settle<T>(task: Task, outcome: TaskOutcome<T>, store: (value: T) => Promise<void>): Promise<void> {
    const log = this.deps.log;
    if (outcome.ok) {
      await store(outcome.value);
      delete this.errors[task];
      await this.remember(task, null);
      return;
    }
    const failure = outcome.failure;
    const message = `${LABEL[task]}: ${failure.message}`;
    if (failure.retryable && !this.run.lastAttempt) {
      this.retryable.push(message);
      log.warn({ callId: this.ctx.call.id, task, error: failure.message }, 'analysis task failed; will retry');
      return;
    }
    this.errors[task] = message;
    log.warn({ callId: this.ctx.call.id, task, error: failure.message }, 'analysis task failed');
    await this.remember(task, message);
  }

  private async remember(task: Task, error: string | null): Promise<void> {
    this.run.settled = { ...this.run.settled, [task]: { error } };
    await this.run.saveSettled(this.run.settled).catch(() => undefined);
  }

  /** The report leaves before the analysis is done: the call says so until it is. */
  async noteLate(capMs: number): Promise<void> {
    this.late = true;
    const note = `analysis not ready within the ${Math.round(capMs / 1000)} s report cap; the result is stored on the call when done`;
    await storeAnalysisState(this.deps.db, this.ctx.call.id, this.errorText([note]), false);
  }

  /** After the tasks: their errors (and what is being retried) on the call; settled when nothing is. */
  async writeState(): Promise<void> {
    const settled = this.retryable.length === 0;
    await storeAnalysisState(this.deps.db, this.ctx.call.id, this.errorText(this.retryable.map((r) => `${r} (retrying)`)), settled);
  }

  /** Waits for the tasks, writes the final state, and asks for a retry if something may still work later. */
  async finish(): Promise<void> {
    await this.done;
    await this.writeState();
    if (this.late) this.deps.log.info({ callId: this.ctx.call.id, retrying: this.retryable.length > 0 }, 'analysis stored after the report');
    if (this.retryable.length > 0) throw new AnalysisRetryError(this.retryable);
  }

  private errorText(extra: string[]): string | null {
    const parts = [...Object.values(this.errors), ...extra];
    return parts.length > 0 ? parts.join('; ') : null;
  }
}
