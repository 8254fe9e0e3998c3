/**
 * Structured extraction (research/pipeline.md §6): JSON by the strongest means the provider offers —
 * `response_format: json_schema` (strict for OpenAI, on a strict copy of the schema), else a forced
 * tool call whose parameters are the schema, else JSON mode with the schema in the prompt. A means
 * the provider refuses (400/422) gives way to the next. Every answer is validated with Ajv against
 * the user's own schema; an invalid one is retried once with the validation errors, then given up.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import OpenAI from 'openai';
import type { ChatMessage, JsonSchema } from '../agents/types.js';
import type { Logger } from '../log.js';
import { AnalysisFailure, classifyLlmError, outputLimit, type AnalysisLlm } from './llm.js';
import { dropNullOptionals, toStrictSchema } from './strict-schema.js';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

export type JsonMeans = 'json_schema' | 'tool' | 'json_object';
const MEANS: readonly JsonMeans[] = ['json_schema', 'tool', 'json_object'];
const TOOL_NAME = 'record_analysis';
const SCHEMA_NAME = 'call_analysis';
const OUTPUT_TOKENS = 2048;
const MAX_ERROR_CHARS = 600;

const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));

export interface StructuredPrompt {
  /** The plan's messages with placeholders filled. */
  messages: ChatMessage[];
  /** Whether those messages show the schema (JSON mode needs it in the prompt). */
  showsSchema: boolean;
}

export interface Extracted {
  value: Record<string, unknown>;
  means: JsonMeans;
  /** 1, or 2 when the first answer failed validation. */
  attempts: number;
}

function compile(schema: JsonSchema): ValidateFunction {
  try {
    return ajv.compile(schema);
  } catch (err) {
    throw new AnalysisFailure(`the analysis schema cannot be used: ${(err as Error).message}`, false, 'output');
  }
}

type Body = OpenAI.ChatCompletionCreateParamsNonStreaming;

function requestFor(llm: AnalysisLlm, means: JsonMeans, prompt: StructuredPrompt, schema: JsonSchema): Body | null {
  const base = { model: llm.model, messages: prompt.messages as OpenAI.ChatCompletionMessageParam[], ...outputLimit(llm.provider, OUTPUT_TOKENS) };
  const isObjectRoot = schema.type === 'object' || (schema.type === undefined && schema.properties !== undefined);
  if (means === 'json_schema') {
    const strict = llm.provider === 'openai' ? toStrictSchema(schema) : schema;
    const json_schema = { name: SCHEMA_NAME, schema: strict ?? schema, strict: strict !== null };
    return { ...base, response_format: { type: 'json_schema', json_schema } };
  }
  if (means === 'tool') {
    if (!isObjectRoot) return null; // tool parameters must be an object
    const tool = { type: 'function' as const, function: { name: TOOL_NAME, description: 'Record the data extracted from the call.', parameters: schema } };
    // Mistral forces "some tool" with "any"; OpenAI and xAI name the function.
    const tool_choice = llm.provider === 'mistral' ? ('any' as unknown as OpenAI.ChatCompletionToolChoiceOption) : { type: 'function' as const, function: { name: TOOL_NAME } };
    return { ...base, tools: [tool], tool_choice };
  }
  const extra: ChatMessage[] = [];
  if (!prompt.showsSchema) extra.push({ role: 'system', content: `Answer with a JSON object that matches this JSON Schema:\n${JSON.stringify(schema)}` });
  else if (!prompt.messages.some((m) => /json/i.test(m.content))) extra.push({ role: 'system', content: 'Answer with JSON only.' });
  return { ...base, messages: [...(extra as OpenAI.ChatCompletionMessageParam[]), ...base.messages], response_format: { type: 'json_object' } };
}

/** The raw JSON text of an answer: the forced tool's arguments, else the content. */
function answerText(completion: OpenAI.ChatCompletion, provider: string): string {
  const message = completion.choices[0]?.message;
  if (!message) throw new AnalysisFailure(`${provider} answered without a choice`, true);
  if (message.refusal) throw new AnalysisFailure(`the model refused the analysis: ${message.refusal}`, false, 'output');
  const call = message.tool_calls?.find((c) => c.type === 'function');
  if (call && call.type === 'function') return call.function.arguments;
  return message.content ?? '';
}

function parse(text: string): unknown {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  return JSON.parse(fenced ? fenced[1] : text);
}

/** The value if it is valid, else what is wrong with it (for the retry and the error). */
function check(text: string, schema: JsonSchema, validate: ValidateFunction): { value: Record<string, unknown> } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    return { problem: `the answer is not valid JSON (${(err as Error).message})` };
  }
  const value = dropNullOptionals(parsed, schema);
  if (!validate(value)) return { problem: ajv.errorsText(validate.errors, { dataVar: 'analysis' }).slice(0, MAX_ERROR_CHARS) };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'the analysis result must be a JSON object' };
  return { value: value as Record<string, unknown> };
}

function correction(previous: string, problem: string): ChatMessage[] {
  return [
    { role: 'assistant', content: previous.trim() === '' ? '(no answer)' : previous },
    { role: 'user', content: `That answer does not match the JSON Schema: ${problem}. Answer again with only the JSON that matches the schema.` },
  ];
}

async function ask(llm: AnalysisLlm, body: Body): Promise<string> {
  try {
    return answerText(await llm.client.chat.completions.create(body), llm.provider);
  } catch (err) {
    throw classifyLlmError(err, llm.provider);
  }
}

const refusesMeans = (err: unknown): boolean => err instanceof OpenAI.APIError && (err.status === 400 || err.status === 422);

/** Sends the first request, stepping down the means the provider refuses. */
async function firstAnswer(llm: AnalysisLlm, prompt: StructuredPrompt, schema: JsonSchema, log: Logger): Promise<{ text: string; means: JsonMeans; body: Body }> {
  let lastRefusal: unknown = null;
  for (const means of MEANS) {
    const body = requestFor(llm, means, prompt, schema);
    if (!body) continue;
    try {
      return { text: answerText(await llm.client.chat.completions.create(body), llm.provider), means, body };
    } catch (err) {
      if (!refusesMeans(err)) throw classifyLlmError(err, llm.provider);
      lastRefusal = err;
      log.warn({ provider: llm.provider, model: llm.model, means, status: (err as InstanceType<typeof OpenAI.APIError>).status }, 'provider refused a JSON output means; trying the next');
    }
  }
  throw new AnalysisFailure(`every JSON output means was refused: ${classifyLlmError(lastRefusal, llm.provider).message}`, false);
}

export async function extractStructured(llm: AnalysisLlm, prompt: StructuredPrompt, schema: JsonSchema, log: Logger): Promise<Extracted> {
  const validate = compile(schema);
  const first = await firstAnswer(llm, prompt, schema, log);
  const checked = check(first.text, schema, validate);
  if ('value' in checked) return { value: checked.value, means: first.means, attempts: 1 };
  log.info({ provider: llm.provider, means: first.means, pii: { problem: checked.problem } }, 'analysis answer invalid; retrying once');
  const retryText = await ask(llm, { ...first.body, messages: [...first.body.messages, ...(correction(first.text, checked.problem) as OpenAI.ChatCompletionMessageParam[])] });
  const retried = check(retryText, schema, validate);
  if ('value' in retried) return { value: retried.value, means: first.means, attempts: 2 };
  throw new AnalysisFailure(`the analysis did not match the schema after one retry: ${retried.problem}`, false, 'output');
}
