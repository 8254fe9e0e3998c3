/**
 * The `assistant-request` webhook (flireo-api B §4.3, A.4): asked before an inbound call is
 * answered, answered within 5 s. Every documented answer form is read here; a timeout, an error
 * or an unreadable answer means "use the saved agent" — the call always goes on.
 */
import type { AgentRuntimeConfig as ResolvedAgent, StoredAgent } from '../agents/index.js';
import { AgentConfigError, resolveAgentConfig } from '../agents/index.js';
import {
  ASSISTANT_REQUEST_TIMEOUT_MS,
  assistantRequestPayload,
  wantsEvent,
  type EventOrigin,
  type WebhookCallContext,
  type WebhookEmitter,
} from '../events/index.js';

export type AssistantAnswer =
  /** `{}`, a timeout, an error, or an answer we could not use: the saved agent as it is. */
  | { kind: 'saved'; note?: string }
  /** Overrides (`assistant`, or `assistant_id` + `assistant_override`) and/or a duration cap. */
  | { kind: 'configure'; assistantId?: string; override?: Record<string, unknown>; maxDurationSeconds?: number }
  /** `{"error": "…"}`: the text is spoken, then the call is rejected. */
  | { kind: 'reject'; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads an answer body; pure, for tests. */
export function readAssistantAnswer(body: unknown): AssistantAnswer {
  if (!isObject(body)) return { kind: 'saved', note: 'answer was not a JSON object' };
  if (typeof body.error === 'string' && body.error.trim() !== '') return { kind: 'reject', message: body.error.trim() };
  const cap = body.maxDurationSeconds ?? body.max_duration_seconds;
  const maxDurationSeconds = typeof cap === 'number' && Number.isFinite(cap) && cap > 0 ? Math.floor(cap) : undefined;
  const assistantId = typeof body.assistant_id === 'string' ? body.assistant_id : typeof body.agent_id === 'string' ? body.agent_id : undefined;
  const override = isObject(body.assistant) ? body.assistant : isObject(body.assistant_override) ? body.assistant_override : undefined;
  if (!assistantId && !override && maxDurationSeconds === undefined) return { kind: 'saved' };
  return {
    kind: 'configure',
    ...(assistantId && { assistantId }),
    ...(override && { override }),
    ...(maxDurationSeconds !== undefined && { maxDurationSeconds }),
  };
}

export async function askAssistant(
  emitter: WebhookEmitter,
  origin: EventOrigin,
  agent: ResolvedAgent,
  context: WebhookCallContext,
): Promise<AssistantAnswer> {
  if (!wantsEvent(agent.webhook, 'assistant-request')) return { kind: 'saved' };
  const pipeline = agent.mode === 'realtime' ? 'realtime' : 'standard';
  const outcome = await emitter.request(origin, agent.webhook, 'assistant-request', assistantRequestPayload(context, pipeline), {
    timeoutMs: ASSISTANT_REQUEST_TIMEOUT_MS,
  });
  if (!outcome.ok) return { kind: 'saved', note: outcome.reason };
  return readAssistantAnswer(outcome.body);
}

/**
 * The agent the call runs after the answer: the saved one, another agent of the same org
 * (`assistant_id`), with the override applied per top-level block. An invalid override falls
 * back to the agent without it, and says why.
 */
export function applyAssistantAnswer(
  saved: StoredAgent,
  answer: Extract<AssistantAnswer, { kind: 'configure' }>,
  chosen: StoredAgent | null,
): { agent: ResolvedAgent; note?: string } {
  const base = chosen ?? saved;
  let note: string | undefined;
  let agent: ResolvedAgent;
  try {
    agent = resolveAgentConfig(base, answer.override);
  } catch (err) {
    if (!(err instanceof AgentConfigError)) throw err;
    note = `assistant override ignored: ${err.message}`;
    agent = resolveAgentConfig(base);
  }
  if (answer.maxDurationSeconds !== undefined) agent = { ...agent, maxDurationSeconds: answer.maxDurationSeconds };
  return { agent, ...(note && { note }) };
}
