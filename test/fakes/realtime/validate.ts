/**
 * `session.update` validation as the real servers do it: unknown or misplaced fields and bad
 * values are refused with an `invalid_request_error` naming the parameter. OpenAI GA requires
 * `session.type: "realtime"` and keeps audio under `session.audio.{input,output}` (no top-level
 * `voice`, `turn_detection`, `temperature`, beta `input_audio_format`…). xAI keeps `voice` and
 * `turn_detection` at the top level of `session` and has no `type` or `output_modalities`.
 * Field sets follow the sources in media/providers/{openai,xai}/wire.ts.
 */
import type { Flavour } from './types.js';

export interface ValidationError {
  code: 'unknown_parameter' | 'missing_required_parameter' | 'invalid_value' | 'invalid_type';
  message: string;
  param: string;
}

type Check = (value: unknown, path: string) => ValidationError | undefined;
type Node = { fields: Record<string, Node | Check>; required?: string[]; nullable?: boolean } | Check;

const any: Check = () => undefined;
const str: Check = (v, path) => (typeof v === 'string' ? undefined : invalidType(path, 'string'));
const num: Check = (v, path) => (typeof v === 'number' && Number.isFinite(v) ? undefined : invalidType(path, 'number'));
const bool: Check = (v, path) => (typeof v === 'boolean' ? undefined : invalidType(path, 'boolean'));
const oneOf =
  (...values: unknown[]): Check =>
  (v, path) =>
    values.includes(v) ? undefined : invalidValue(path, v, values);
const nullable =
  (check: Check): Check =>
  (v, path) =>
    v === null ? undefined : check(v, path);
const arrayOf =
  (check: Check): Check =>
  (v, path) => {
    if (!Array.isArray(v)) return invalidType(path, 'array');
    for (let i = 0; i < v.length; i++) {
      const err = check(v[i], `${path}[${i}]`);
      if (err !== undefined) return err;
    }
    return undefined;
  };

function invalidType(param: string, expected: string): ValidationError {
  return { code: 'invalid_type', message: `Invalid type for '${param}': expected ${expected}.`, param };
}

function invalidValue(param: string, value: unknown, supported: unknown[]): ValidationError {
  const list = supported.map((s) => `'${String(s)}'`).join(', ');
  return { code: 'invalid_value', message: `Invalid value: '${String(value)}'. Supported values are: ${list}.`, param };
}

function checkNode(node: Node, value: unknown, path: string): ValidationError | undefined {
  if (typeof node === 'function') return node(value, path);
  if (value === null && node.nullable === true) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalidType(path, 'object');
  const obj = value as Record<string, unknown>;
  for (const key of node.required ?? []) {
    if (!(key in obj)) {
      return { code: 'missing_required_parameter', message: `Missing required parameter: '${path}.${key}'.`, param: `${path}.${key}` };
    }
  }
  for (const [key, child] of Object.entries(obj)) {
    const spec = node.fields[key];
    if (spec === undefined) {
      return { code: 'unknown_parameter', message: `Unknown parameter: '${path}.${key}'.`, param: `${path}.${key}` };
    }
    const err = checkNode(spec, child, `${path}.${key}`);
    if (err !== undefined) return err;
  }
  return undefined;
}

/** A tagged union checked by its `type` field, each variant with its own field set. */
function variants(table: Record<string, Node>): Check {
  return (v, path) => {
    if (v === null || typeof v !== 'object') return invalidType(path, 'object');
    const type = (v as { type?: unknown }).type;
    const node = typeof type === 'string' ? table[type] : undefined;
    if (node === undefined) return invalidValue(`${path}.type`, type, Object.keys(table));
    return checkNode(node, v, path);
  };
}

const functionTool: Node = { fields: { type: oneOf('function'), name: str, description: str, parameters: any }, required: ['name'] };

// ---- OpenAI GA -----------------------------------------------------------------------------

const openaiFormat = variants({
  'audio/pcmu': { fields: { type: any } },
  'audio/pcma': { fields: { type: any } },
  'audio/pcm': { fields: { type: any, rate: oneOf(24000) } },
});

const openaiTurnDetection = nullable(
  variants({
    server_vad: {
      fields: {
        type: any,
        threshold: num,
        prefix_padding_ms: num,
        silence_duration_ms: num,
        idle_timeout_ms: nullable(num),
        create_response: bool,
        interrupt_response: bool,
      },
    },
    semantic_vad: {
      fields: { type: any, eagerness: oneOf('low', 'medium', 'high', 'auto'), create_response: bool, interrupt_response: bool },
    },
  }),
);

const OPENAI_SESSION: Node = {
  required: ['type'],
  fields: {
    type: oneOf('realtime'),
    model: str,
    instructions: str,
    output_modalities: arrayOf(oneOf('audio', 'text')),
    audio: {
      fields: {
        input: {
          fields: {
            format: openaiFormat,
            noise_reduction: any,
            transcription: { nullable: true, fields: { model: str, language: str, prompt: str, delay: str } },
            turn_detection: openaiTurnDetection,
          },
        },
        output: { fields: { format: openaiFormat, voice: str, speed: num } },
      },
    },
    include: any,
    max_output_tokens: any,
    parallel_tool_calls: bool,
    prompt: any,
    reasoning: any,
    tool_choice: any,
    tools: arrayOf(variants({ function: functionTool })),
    tracing: any,
    truncation: any,
  },
};

// ---- xAI -----------------------------------------------------------------------------------

const xaiFormat = variants({
  'audio/pcmu': { fields: { type: any } },
  'audio/pcma': { fields: { type: any } },
  'audio/pcm': { fields: { type: any, rate: oneOf(8000, 16000, 21050, 24000, 32000, 44100, 48000) } },
});

const XAI_SESSION: Node = {
  fields: {
    instructions: str,
    voice: str,
    turn_detection: nullable(
      variants({
        server_vad: {
          fields: { type: any, threshold: num, prefix_padding_ms: num, silence_duration_ms: num, idle_timeout_ms: nullable(num) },
        },
      }),
    ),
    audio: {
      fields: {
        input: { fields: { format: xaiFormat, transcription: { fields: { language_hint: str, keyterms: arrayOf(str) } } } },
        output: { fields: { format: xaiFormat, speed: num } },
      },
    },
    tools: arrayOf(
      variants({
        function: functionTool,
        web_search: { fields: { type: any } },
        x_search: { fields: { type: any, allowed_x_handles: arrayOf(str) } },
        file_search: { fields: { type: any, vector_store_ids: arrayOf(str), max_num_results: num } },
      }),
    ),
    reasoning: { fields: { effort: str } },
  },
};

/** Checks the `session` object of a `session.update` for the flavour. */
export function validateSessionUpdate(flavour: Flavour, session: unknown): ValidationError | undefined {
  return checkNode(flavour === 'openai' ? OPENAI_SESSION : XAI_SESSION, session, 'session');
}

/** Applies an update: only present fields change, nested objects merge, null clears (vendor rule). */
export function mergeSession(current: Record<string, unknown>, update: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(update)) {
    const prev = out[key];
    const bothObjects =
      value !== null && typeof value === 'object' && !Array.isArray(value) &&
      prev !== null && typeof prev === 'object' && !Array.isArray(prev) &&
      key !== 'turn_detection' && key !== 'format';
    out[key] = bothObjects ? mergeSession(prev as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}
