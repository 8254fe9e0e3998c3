/**
 * Key order for responses. PostgreSQL's jsonb keeps keys sorted by length, so a stored tool
 * comes back as `{"url", "name", "type", …}`; these put the documented order back (the values
 * are untouched; unknown keys keep their place at the end).
 */
import { isRecord, type JsonRecord } from './check.js';

const ORDER = {
  llm: ['provider', 'model', 'temperature', 'voice', 'messages', 'tools', 'max_completion_tokens', 'turn_detection'],
  stt: ['provider', 'model', 'language', 'keyterms'],
  tts: ['provider', 'voiceId', 'model', 'stability', 'similarity_boost', 'style', 'use_speaker_boost', 'speed'],
  tool: ['type', 'name', 'description', 'url', 'async', 'asyncResponse', 'parameters', 'destinations'],
  destination: ['type', 'number', 'sipUri', 'description', 'message', 'mode', 'timeout_seconds'],
  message: ['role', 'content'],
  plan: ['structuredDataPlan', 'summaryPlan', 'minMessagesThreshold'],
  subPlan: ['enabled', 'schema', 'messages'],
} as const;

function ordered(value: unknown, keys: readonly string[], children: Record<string, (v: unknown) => unknown> = {}): unknown {
  if (!isRecord(value)) return value;
  const out: JsonRecord = {};
  const place = (key: string) => {
    if (key in out || value[key] === undefined) return;
    out[key] = children[key] ? children[key](value[key]) : value[key];
  };
  keys.forEach(place);
  Object.keys(value).forEach(place);
  return out;
}

const each = (fn: (v: unknown) => unknown) => (v: unknown) => (Array.isArray(v) ? v.map(fn) : v);
const message = (v: unknown) => ordered(v, ORDER.message);
const messages = each(message);
const destination = (v: unknown) => ordered(v, ORDER.destination);
const tool = (v: unknown) => ordered(v, ORDER.tool, { destinations: each(destination) });
const subPlan = (v: unknown) => ordered(v, ORDER.subPlan, { messages });

export const presentLlmConfig = <T>(v: T): T => ordered(v, ORDER.llm, { messages, tools: each(tool) }) as T;
export const presentSttConfig = <T>(v: T): T => ordered(v, ORDER.stt) as T;
export const presentTtsConfig = <T>(v: T): T => ordered(v, ORDER.tts) as T;
export const presentTool = <T>(v: T): T => tool(v) as T;
export const presentAnalysisPlan = <T>(v: T): T => ordered(v, ORDER.plan, { structuredDataPlan: subPlan, summaryPlan: subPlan }) as T;
export const presentMessages = <T>(v: T): T => messages(v) as T;
