/**
 * Re-running a finished call's analysis on request (`POST /api/v1/calls/{id}/analyze`, a voxgate
 * extension), with the agent's current plan or one sent along. It stores what the model produced
 * — including "the answer did not match the schema" — but a provider problem (no key, refused,
 * down) changes nothing on the call: an earlier good analysis is never replaced by an outage.
 * The report is not sent again.
 */
import type { AnalysisPlan } from '../agents/types.js';
import type { Config } from '../config.js';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';
import { postCallAgent } from './agent-settings.js';
import { startAnalysis, type TaskOutcome } from './analyze.js';
import { isFinal, loadCallRecord, storeAnalysisResult, storeAnalysisState, storeSummary } from './call-record.js';
import { AnalysisFailure, analysisLlm } from './llm.js';
import { effectivePlan, skipReason, type SkipReason } from './plan.js';
import { conversationLength, loadTranscript } from './transcript.js';

export interface RerunDeps {
  db: Db;
  secrets: SecretBox;
  log: Logger;
  config: Pick<Config, 'providers' | 'analysis'>;
}

export type RerunOutcome =
  | { kind: 'done' }
  | { kind: 'not-found' }
  | { kind: 'not-final' }
  | { kind: 'skipped'; reason: SkipReason; messages: number; needed: number }
  | { kind: 'provider-unavailable'; message: string };

/** `plan`: undefined uses the agent's saved plan; an explicit plan (or null for "summary only") replaces it. */
export async function rerunAnalysis(deps: RerunDeps, orgId: string, callId: string, plan?: AnalysisPlan | null): Promise<RerunOutcome> {
  const call = await loadCallRecord(deps.db, callId, orgId);
  if (!call) return { kind: 'not-found' };
  if (!isFinal(call)) return { kind: 'not-final' };
  const agent = await postCallAgent(deps.db, deps.secrets, call, null);
  const effective = effectivePlan(plan === undefined ? agent.analysisPlan : plan);
  const transcript = await loadTranscript(deps.db, orgId, callId);
  const spoken = conversationLength(transcript);
  const skip = skipReason(effective, { startedAt: call.started_at }, spoken);
  if (skip) return { kind: 'skipped', reason: skip, messages: spoken, needed: effective.minMessages };

  let llm;
  try {
    llm = await analysisLlm(deps, orgId, agent.llm);
  } catch (err) {
    return { kind: 'provider-unavailable', message: (err as Error).message };
  }
  const input = { plan: effective, transcript, endReason: call.end_reason, durationSeconds: call.duration_seconds, callerNumber: call.caller_phone };
  const running = startAnalysis(llm, input, { summary: true, structured: true, knownSummary: null }, deps.log.child({ callId }));
  const [summary, structured] = await Promise.all([running.summary, running.structured]);
  const providerTrouble = [summary, structured].find((o): o is { ok: false; failure: AnalysisFailure } => o !== null && !o.ok && o.failure.kind === 'provider');

  if (summary?.ok) await storeSummary(deps.db, callId, summary.value);
  if (structured?.ok) await storeAnalysisResult(deps.db, callId, structured.value);
  if (providerTrouble) return { kind: 'provider-unavailable', message: providerTrouble.failure.message };
  const outputError = failureText('analysis', structured);
  if (outputError) await storeAnalysisResult(deps.db, callId, null);
  await storeAnalysisState(deps.db, callId, outputError, true);
  deps.log.info({ callId, summary: summary?.ok ?? null, structured: structured?.ok ?? null }, 'analysis re-run stored');
  return { kind: 'done' };
}

function failureText(label: string, outcome: TaskOutcome<unknown> | null): string | null {
  return outcome && !outcome.ok ? `${label}: ${outcome.failure.message}` : null;
}
