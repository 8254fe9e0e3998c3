/**
 * The two analysis tasks of one call — the summary and the structured extraction — started
 * independently so each can be stored as soon as it is done and the report can go out with
 * whichever is ready at the cap. Extraction waits for the summary only when its prompt uses
 * `{summary}`. Neither task ever rejects: a failure is a value that says whether to try again.
 */
import type { Logger } from '../log.js';
import { AnalysisFailure, classifyLlmError, outputLimit, type AnalysisLlm } from './llm.js';
import { fillPlaceholders, mentionsSchema, usesSummary, type PromptVariables } from './placeholders.js';
import type { EffectivePlan } from './plan.js';
import { extractStructured } from './structured.js';
import { transcriptText, type StoredMessage } from './transcript.js';

export type TaskOutcome<T> = { ok: true; value: T } | { ok: false; failure: AnalysisFailure };

export interface RunningAnalysis {
  summary: Promise<TaskOutcome<string>> | null;
  structured: Promise<TaskOutcome<Record<string, unknown>>> | null;
}

export interface AnalysisInput {
  plan: EffectivePlan;
  transcript: readonly StoredMessage[];
  endReason: string | null;
  durationSeconds: number | null;
  callerNumber: string | null;
}

export interface Wanted {
  summary: boolean;
  structured: boolean;
  /** A summary stored earlier, for `{summary}` in the extraction prompt. */
  knownSummary: string | null;
}

const SUMMARY_TOKENS = 400;

async function outcome<T>(work: () => Promise<T>, provider: string): Promise<TaskOutcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    return { ok: false, failure: classifyLlmError(err, provider) };
  }
}

function variables(input: AnalysisInput, summary: string): PromptVariables {
  return {
    transcript: transcriptText(input.transcript),
    ended_reason: input.endReason ?? 'unknown',
    schema: input.plan.structured ? JSON.stringify(input.plan.structured.schema, null, 2) : '',
    summary,
    duration: String(input.durationSeconds ?? 0),
    caller_number: input.callerNumber ?? 'unknown',
  };
}

/** B §4.6's voicemail report: no model needed to say what happened. */
function voicemailSummary(transcript: readonly StoredMessage[]): string {
  const left = [...transcript].reverse().find((m) => m.role === 'assistant' && m.content.trim() !== '');
  return left ? `Voicemail detected. Left message: ${left.content.trim()}` : 'Voicemail detected. No message was left.';
}

async function summarize(llm: AnalysisLlm, input: AnalysisInput): Promise<string> {
  if (input.endReason === 'voicemail') return voicemailSummary(input.transcript);
  const vars = variables(input, '');
  const messages = input.plan.summary!.messages.map((m) => ({ role: m.role, content: fillPlaceholders(m.content, vars) }));
  const completion = await llm.client.chat.completions.create({ model: llm.model, messages, ...outputLimit(llm.provider, SUMMARY_TOKENS) });
  const text = completion.choices[0]?.message?.content?.trim() ?? '';
  if (text === '') throw new AnalysisFailure(`${llm.provider} answered the summary with an empty text`, true);
  return text.replace(/^["“](.*)["”]$/s, '$1');
}

export function startAnalysis(llm: AnalysisLlm | AnalysisFailure, input: AnalysisInput, wanted: Wanted, log: Logger): RunningAnalysis {
  const failed = <T>(failure: AnalysisFailure): Promise<TaskOutcome<T>> => Promise.resolve({ ok: false, failure });
  const summary =
    wanted.summary && input.plan.summary ? (llm instanceof AnalysisFailure ? failed<string>(llm) : outcome(() => summarize(llm, input), llm.provider)) : null;
  const structuredPlan = input.plan.structured;
  if (!wanted.structured || !structuredPlan) return { summary, structured: null };
  if (llm instanceof AnalysisFailure) return { summary, structured: failed(llm) };
  const templates = structuredPlan.messages.map((m) => m.content);
  const structured = (async (): Promise<TaskOutcome<Record<string, unknown>>> => {
    let summaryText = wanted.knownSummary ?? '';
    if (usesSummary(templates) && summary) {
      const s = await summary;
      if (s.ok) summaryText = s.value;
    }
    const vars = variables(input, summaryText);
    const messages = structuredPlan.messages.map((m) => ({ role: m.role, content: fillPlaceholders(m.content, vars) }));
    return outcome(async () => (await extractStructured(llm, { messages, showsSchema: mentionsSchema(templates) }, structuredPlan.schema, log)).value, llm.provider);
  })();
  return { summary, structured };
}
