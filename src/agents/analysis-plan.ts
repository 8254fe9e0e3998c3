/**
 * `analysis_plan` (flireo-api B §3.12, §5.4). Accepted in camelCase (`structuredDataPlan`,
 * `minMessagesThreshold`, `summaryPlan`) and snake_case (`structured_data_plan`, …); stored and
 * returned in the G2 example spelling (camelCase inside the plan).
 */
import * as check from './check.js';
import { missing } from './errors.js';
import { normalizeMessages } from './provider-configs.js';
import type { AnalysisPlan, ChatMessage, JsonSchema, StructuredDataPlan, SummaryPlan } from './types.js';

/** [G3] analysis only runs when the conversation has at least this many messages. */
export const DEFAULT_MIN_MESSAGES_THRESHOLD = 2;
const P = 'analysis_plan';

function keyOf(raw: check.JsonRecord, camel: string, snake: string): string {
  return raw[camel] !== undefined ? camel : snake;
}

function structuredDataPlan(input: unknown, param: string): StructuredDataPlan {
  const raw = check.record(input, param);
  const plan: StructuredDataPlan = { enabled: raw.enabled === undefined || raw.enabled === null ? true : check.boolean(raw.enabled, `${param}.enabled`) };
  if (raw.schema !== undefined && raw.schema !== null) plan.schema = check.jsonSchemaObject(raw.schema, `${param}.schema`);
  else if (plan.enabled) throw missing(`${param}.schema`);
  if (raw.messages !== undefined && raw.messages !== null) plan.messages = normalizeMessages(raw.messages, `${param}.messages`, 20);
  return plan;
}

function summaryPlan(input: unknown, param: string): SummaryPlan {
  const raw = check.record(input, param);
  const plan: SummaryPlan = { enabled: raw.enabled === undefined || raw.enabled === null ? true : check.boolean(raw.enabled, `${param}.enabled`) };
  if (raw.messages !== undefined && raw.messages !== null) plan.messages = normalizeMessages(raw.messages, `${param}.messages`, 20);
  return plan;
}

export function normalizeAnalysisPlan(input: unknown): AnalysisPlan | null {
  if (input === null) return null;
  const raw = check.record(input, P);
  const plan: AnalysisPlan = { minMessagesThreshold: DEFAULT_MIN_MESSAGES_THRESHOLD };
  const sdKey = keyOf(raw, 'structuredDataPlan', 'structured_data_plan');
  if (raw[sdKey] !== undefined && raw[sdKey] !== null) plan.structuredDataPlan = structuredDataPlan(raw[sdKey], `${P}.${sdKey}`);
  const sumKey = keyOf(raw, 'summaryPlan', 'summary_plan');
  if (raw[sumKey] !== undefined && raw[sumKey] !== null) plan.summaryPlan = summaryPlan(raw[sumKey], `${P}.${sumKey}`);
  const minKey = keyOf(raw, 'minMessagesThreshold', 'min_messages_threshold');
  if (raw[minKey] !== undefined && raw[minKey] !== null) plan.minMessagesThreshold = check.number(raw[minKey], `${P}.${minKey}`, 0, 1000, true);
  return plan;
}

/** The analysis template fields an agent's plan is copied from. */
export interface AnalysisTemplateSource {
  system_prompt: string | null;
  user_prompt: string | null;
  schema: JsonSchema;
  messages: ChatMessage[] | null;
  min_messages_threshold: number | null;
}

/**
 * An analysis template copied into a plan: its `messages` (guide variant) or its
 * `system_prompt` + `user_prompt` (API variant) become the structured-data prompt.
 */
export function planFromAnalysisTemplate(template: AnalysisTemplateSource): AnalysisPlan {
  const messages: ChatMessage[] =
    template.messages && template.messages.length > 0
      ? template.messages
      : [
          ...(template.system_prompt ? [{ role: 'system' as const, content: template.system_prompt }] : []),
          ...(template.user_prompt ? [{ role: 'user' as const, content: template.user_prompt }] : []),
        ];
  const structured: StructuredDataPlan = { enabled: true, schema: template.schema };
  if (messages.length > 0) structured.messages = messages;
  return { structuredDataPlan: structured, minMessagesThreshold: template.min_messages_threshold ?? DEFAULT_MIN_MESSAGES_THRESHOLD };
}
