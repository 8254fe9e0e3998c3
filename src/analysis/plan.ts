/**
 * What the post-call analysis of one call does (flireo-api B §3.12, §5.4): a summary unless the
 * plan turns it off, structured extraction when the plan has an enabled `structuredDataPlan` with
 * a schema, and nothing at all for calls that never connected or have fewer spoken messages than
 * `minMessagesThreshold` (default 2). Plans arrive normalised by src/agents (camel and snake keys
 * both accepted there; analysis templates are copied into the agent's plan).
 */
import { DEFAULT_MIN_MESSAGES_THRESHOLD } from '../agents/index.js';
import type { AnalysisPlan, ChatMessage, JsonSchema } from '../agents/types.js';

export interface EffectivePlan {
  summary: { messages: ChatMessage[] } | null;
  structured: { schema: JsonSchema; messages: ChatMessage[] } | null;
  minMessages: number;
}

export const DEFAULT_SUMMARY_MESSAGES: readonly ChatMessage[] = [
  {
    role: 'system',
    content:
      'You write notes about phone calls. You will be given the transcript of a call between an AI agent and a caller. ' +
      'Summarize the call in 2-3 sentences, written in the language the call was held in. ' +
      'Say what the caller wanted and how it ended. Return only the summary.',
  },
  { role: 'user', content: 'Transcript:\n\n{{transcript}}\n\nThe call ended because: {{ended_reason}}' },
];

export const DEFAULT_STRUCTURED_MESSAGES: readonly ChatMessage[] = [
  {
    role: 'system',
    content:
      'You extract structured data from phone call transcripts. Read the transcript and fill in the data described ' +
      'by this JSON Schema. Use only what the transcript says.\n\nJSON Schema:\n{{schema}}\n\nAnswer with the JSON only.',
  },
  { role: 'user', content: 'Transcript:\n\n{{transcript}}\n\nThe call ended because: {{ended_reason}}' },
];

export function effectivePlan(plan: AnalysisPlan | null): EffectivePlan {
  const summaryOn = plan?.summaryPlan?.enabled ?? true;
  const sd = plan?.structuredDataPlan;
  const structuredOn = sd !== undefined && sd.enabled && sd.schema !== undefined;
  return {
    summary: summaryOn ? { messages: plan?.summaryPlan?.messages?.length ? plan.summaryPlan.messages : [...DEFAULT_SUMMARY_MESSAGES] } : null,
    structured: structuredOn ? { schema: sd.schema!, messages: sd.messages?.length ? sd.messages : [...DEFAULT_STRUCTURED_MESSAGES] } : null,
    minMessages: plan?.minMessagesThreshold ?? DEFAULT_MIN_MESSAGES_THRESHOLD,
  };
}

export type SkipReason = 'not-connected' | 'too-few-messages' | 'nothing-planned';

/** Whether analysis runs at all for this call, and if not, why. */
export function skipReason(plan: EffectivePlan, call: { startedAt: Date | null }, spokenMessages: number): SkipReason | null {
  if (!plan.summary && !plan.structured) return 'nothing-planned';
  if (call.startedAt === null) return 'not-connected';
  if (spokenMessages < plan.minMessages) return 'too-few-messages';
  return null;
}
