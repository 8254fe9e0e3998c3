/**
 * The answers of the chat-completions fake in each vendor's wire format (research/pipeline.md
 * §2.4): `chat.completion` objects and `chat.completion.chunk` sequences, with the per-style
 * differences in how tool calls, reasoning, keep-alives and usage travel.
 */
import { randomBytes } from 'node:crypto';
import type { ChatStyle, RecordedChatRequest, ScriptedReply } from './chat-completions-types.js';

export interface ResolvedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** The reply reduced to what goes on the wire. */
export interface Answer {
  content: string | null;
  reasoning: string | null;
  toolCalls: ResolvedToolCall[];
  finishReason: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function alnum(n: number): string {
  const bytes = randomBytes(n);
  return Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join('');
}

/** Ids as each vendor makes them: `call_…` (OpenAI), 9 alphanumerics (Mistral), `call_<digits>` (xAI). */
export function toolCallId(style: ChatStyle): string {
  if (style === 'mistral') return alnum(9);
  if (style === 'xai') return `call_${String(randomBytes(4).readUInt32BE()).padStart(8, '0')}`;
  return `call_${alnum(24)}`;
}

/** The function a request forces, if any (a named `tool_choice`, or `required`/`any` with one tool). */
export function forcedFunction(req: RecordedChatRequest): string | null {
  const choice = req.toolChoice;
  if (choice && typeof choice === 'object') return choice.function.name;
  if ((choice === 'required' || choice === 'any') && req.tools?.length === 1) return req.tools[0].function.name;
  return null;
}

const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

export function resolveAnswer(style: ChatStyle, req: RecordedChatRequest, reply: ScriptedReply): Answer {
  let content = reply.content ?? null;
  let toolCalls = (reply.toolCalls ?? []).map((c) => ({
    id: c.id ?? toolCallId(style),
    name: c.name,
    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
  }));
  const forced = forcedFunction(req);
  if (reply.json !== undefined) {
    const text = JSON.stringify(reply.json);
    if (forced) toolCalls = [{ id: toolCallId(style), name: forced, arguments: text }];
    else content = text;
  }
  if (content === null && toolCalls.length === 0) content = '';
  // OpenAI reports "stop", not "tool_calls", when tool_choice named the function.
  const defaultFinish = toolCalls.length > 0 && !(style === 'openai' && req.toolChoice && typeof req.toolChoice === 'object') ? 'tool_calls' : 'stop';
  const promptTokens = reply.usage?.prompt_tokens ?? estimateTokens(JSON.stringify(req.messages));
  const output = (content ?? '') + toolCalls.map((c) => c.name + c.arguments).join('');
  const completionTokens = reply.usage?.completion_tokens ?? Math.max(1, estimateTokens(output));
  return {
    content,
    reasoning: style === 'xai' ? (reply.reasoning ?? null) : null,
    toolCalls,
    finishReason: reply.finishReason ?? defaultFinish,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

export function completionId(style: ChatStyle): string {
  if (style === 'mistral') return randomBytes(16).toString('hex');
  if (style === 'xai') return randomBytes(16).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  return `chatcmpl-${alnum(29)}`;
}

function usageBody(style: ChatStyle, a: Answer): Record<string, unknown> {
  if (style === 'mistral') return { ...a.usage };
  return {
    ...a.usage,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: a.reasoning ? estimateTokens(a.reasoning) : 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** The non-streamed `chat.completion` object. */
export function completionBody(style: ChatStyle, model: string, a: Answer): Record<string, unknown> {
  const toolCalls = a.toolCalls.map((c, i) => ({
    id: c.id,
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
    ...(style === 'mistral' ? { index: i } : {}),
  }));
  const message: Record<string, unknown> = { role: 'assistant', content: a.toolCalls.length > 0 && !a.content ? null : a.content };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  else if (style === 'mistral') message.tool_calls = null;
  if (style === 'openai') Object.assign(message, { refusal: null, annotations: [] });
  if (a.reasoning) message.reasoning_content = a.reasoning;
  const choice: Record<string, unknown> = { index: 0, message, finish_reason: a.finishReason };
  if (style !== 'mistral') choice.logprobs = null;
  const body: Record<string, unknown> = { id: completionId(style), object: 'chat.completion', created: Math.floor(Date.now() / 1000), model, choices: [choice], usage: usageBody(style, a) };
  if (style === 'openai') Object.assign(body, { service_tier: 'default', system_fingerprint: 'fp_fake0001' });
  if (style === 'xai') body.system_fingerprint = 'fp_fakexai1';
  return body;
}

/** Words with their trailing space: roughly how tokens arrive. */
export function textPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Arguments in fragments, as OpenAI streams them. */
function argumentPieces(args: string, size = 8): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < args.length; i += size) pieces.push(args.slice(i, i + size));
  return pieces;
}

/** One element of a chunk sequence: a delta with or without a finish, or a usage-only chunk. */
export type ChunkPlan =
  | { kind: 'delta'; delta: Record<string, unknown>; finishReason?: string; usage?: boolean }
  | { kind: 'usage' }
  | { kind: 'keepalive' };

/** The deltas of a streamed answer, in order, without envelopes. */
export function chunkPlan(style: ChatStyle, a: Answer, includeUsage: boolean): ChunkPlan[] {
  const plan: ChunkPlan[] = [];
  const first: Record<string, unknown> = { role: 'assistant', content: '' };
  if (style === 'openai') first.refusal = null;
  if (style === 'xai') delete first.content;
  plan.push({ kind: 'delta', delta: first });
  if (style === 'xai') plan.push({ kind: 'keepalive' });
  for (const piece of textPieces(a.reasoning ?? '')) plan.push({ kind: 'delta', delta: { reasoning_content: piece } });
  for (const piece of textPieces(a.content ?? '')) plan.push({ kind: 'delta', delta: { content: piece } });
  a.toolCalls.forEach((call, index) => {
    const whole = { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
    if (style === 'mistral') plan.push({ kind: 'delta', delta: { tool_calls: [{ id: call.id, function: whole.function }] } });
    else if (style === 'xai') plan.push({ kind: 'delta', delta: { tool_calls: [{ ...whole, index }] } });
    else {
      plan.push({ kind: 'delta', delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] } });
      for (const piece of argumentPieces(call.arguments)) plan.push({ kind: 'delta', delta: { tool_calls: [{ index, function: { arguments: piece } }] } });
    }
  });
  // Mistral always puts usage on the finishing chunk; OpenAI and xAI add a usage-only chunk on request.
  if (style === 'mistral') plan.push({ kind: 'delta', delta: { content: '' }, finishReason: a.finishReason, usage: true });
  else plan.push({ kind: 'delta', delta: {}, finishReason: a.finishReason });
  if (includeUsage && style !== 'mistral') plan.push({ kind: 'usage' });
  return plan;
}

export interface StreamIdentity {
  id: string;
  created: number;
  model: string;
}

/** Wraps one planned delta into a `chat.completion.chunk`. */
export function chunkBody(style: ChatStyle, who: StreamIdentity, step: ChunkPlan, a: Answer, includeUsage: boolean): Record<string, unknown> {
  const base: Record<string, unknown> = { id: who.id, object: 'chat.completion.chunk', created: who.created, model: who.model };
  if (style === 'openai') Object.assign(base, { service_tier: 'default', system_fingerprint: 'fp_fake0001' });
  if (style === 'xai') base.system_fingerprint = 'fp_fakexai1';
  if (step.kind === 'usage') return { ...base, choices: [], usage: usageBody(style, a) };
  const choice: Record<string, unknown> = { index: 0, delta: step.kind === 'keepalive' ? {} : step.delta };
  if (style !== 'xai' || (step.kind === 'delta' && step.finishReason)) choice.finish_reason = step.kind === 'delta' ? (step.finishReason ?? null) : null;
  if (style === 'openai') choice.logprobs = null;
  const body: Record<string, unknown> = { ...base, choices: [choice] };
  if (style === 'openai' && includeUsage) body.usage = null;
  if (style === 'mistral' && step.kind === 'delta' && step.usage) body.usage = usageBody(style, a);
  // Recent OpenAI streams pad each chunk with a random `obfuscation` string; clients must ignore it.
  if (style === 'openai') body.obfuscation = alnum(1 + (randomBytes(1)[0] % 12));
  return body;
}
