/**
 * What each vendor refuses in a `POST /chat/completions` body, with its own status and error shape
 * (chat-completions-errors.ts). The checks mirror refusals users have hit with the real APIs:
 * missing fields, unknown roles, tool messages without a matching assistant `tool_calls`, OpenAI's
 * strict-schema rules and the "json" word for JSON mode, Mistral's 9-character tool-call ids,
 * message order and unknown fields.
 */
import type { ChatMessage, ChatStyle } from './chat-completions-types.js';
import {
  mistralError,
  mistralOrderError,
  mistralSchemaError,
  openAiError,
  xaiError,
  type Refusal,
} from './chat-completions-errors.js';

type Body = Record<string, unknown>;

const OPENAI_ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'];
const MISTRAL_ROLES = ['assistant', 'system', 'tool', 'user'];
const XAI_ROLES = ['system', 'assistant', 'user', 'tool', 'developer', 'function'];
const MISTRAL_FIELDS = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'response_format', 'tools',
  'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls', 'prompt_mode', 'safe_prompt',
]);
const MISTRAL_TOOL_ID = /^[a-zA-Z0-9]{9}$/;

/** A generic refusal in the style's shape (OpenAI fields are used as the common vocabulary). */
function refuse(style: ChatStyle, message: string, param: string | null = null, code: string | null = null): Refusal {
  if (style === 'mistral') return mistralError(400, message);
  if (style === 'xai') return xaiError(400, message);
  return openAiError(400, { message, param, code });
}

export function validateBody(style: ChatStyle, body: unknown): Refusal | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refuse(style, 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.');
  }
  const b = body as Body;
  if (style === 'mistral') return validateMistralSchema(b) ?? validateMistral(b);
  return validateCommon(style, b) ?? (style === 'openai' ? validateOpenAi(b) : null);
}

function validateCommon(style: ChatStyle, b: Body): Refusal | null {
  if (typeof b.model !== 'string' || b.model === '') return refuse(style, 'you must provide a model parameter');
  if (b.messages === undefined) return refuse(style, "Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(b.messages)) return refuse(style, "Invalid type for 'messages': expected an array.", 'messages', 'invalid_type');
  if (b.messages.length === 0) {
    return refuse(style, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  }
  const roles = style === 'xai' ? XAI_ROLES : OPENAI_ROLES;
  const messages = b.messages as ChatMessage[];
  for (const [i, m] of messages.entries()) {
    if (typeof m !== 'object' || m === null || typeof m.role !== 'string') {
      return refuse(style, `Missing required parameter: 'messages[${i}].role'.`, `messages[${i}].role`, 'missing_required_parameter');
    }
    if (!roles.includes(m.role)) {
      const list = roles.map((r) => `'${r}'`);
      const text = `${list.slice(0, -1).join(', ')}, and ${list[list.length - 1]}`;
      return refuse(style, `Invalid value: '${m.role}'. Supported values are: ${text}.`, `messages[${i}].role`, 'invalid_value');
    }
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') {
      return refuse(style, `Missing required parameter: 'messages[${i}].tool_call_id'.`, `messages[${i}].tool_call_id`, 'missing_required_parameter');
    }
  }
  return validateToolPairing(style, messages) ?? validateTools(style, b);
}

/** Every tool message answers an open call of the assistant message before it, and every call is answered. */
function validateToolPairing(style: ChatStyle, messages: ChatMessage[]): Refusal | null {
  let open: { index: number; ids: Set<string> } | null = null;
  for (const [i, m] of messages.entries()) {
    if (m.role === 'tool') {
      if (!open || !open.ids.has(String(m.tool_call_id))) {
        return refuse(style, "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${i}].role`);
      }
      open.ids.delete(String(m.tool_call_id));
      continue;
    }
    if (open && open.ids.size > 0) return unanswered(style, open.index, open.ids);
    open = m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 ? { index: i, ids: new Set(m.tool_calls.map((c) => String(c.id))) } : null;
  }
  if (open && open.ids.size > 0) return unanswered(style, open.index, open.ids);
  return null;
}

function unanswered(style: ChatStyle, index: number, ids: Set<string>): Refusal {
  return refuse(
    style,
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...ids].join(', ')}`,
    `messages.[${index}].role`,
  );
}

function validateTools(style: ChatStyle, b: Body): Refusal | null {
  if (b.tools !== undefined) {
    if (!Array.isArray(b.tools)) return refuse(style, "Invalid type for 'tools': expected an array.", 'tools', 'invalid_type');
    if (b.tools.length === 0) return refuse(style, "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'tools', 'empty_array');
    for (const [i, t] of (b.tools as Array<Record<string, unknown>>).entries()) {
      const fn = t?.function as Record<string, unknown> | undefined;
      if (typeof fn?.name !== 'string') return refuse(style, `Missing required parameter: 'tools[${i}].function.name'.`, `tools[${i}].function.name`, 'missing_required_parameter');
    }
  }
  const choice = b.tool_choice;
  if (choice === undefined) return null;
  if (b.tools === undefined && choice !== 'none') return refuse(style, "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", 'tool_choice');
  const allowed = style === 'mistral' ? ['none', 'auto', 'required', 'any'] : ['none', 'auto', 'required'];
  if (typeof choice === 'string') {
    return allowed.includes(choice) ? null : refuse(style, `Invalid value: '${choice}'. Supported values are: ${allowed.map((a) => `'${a}'`).join(', ')}.`, 'tool_choice', 'invalid_value');
  }
  const name = (choice as { function?: { name?: unknown } })?.function?.name;
  const names = ((b.tools as Array<{ function: { name: string } }> | undefined) ?? []).map((t) => t.function.name);
  if (typeof name !== 'string' || !names.includes(name)) {
    return refuse(style, `Invalid value for 'tool_choice': no function named '${String(name)}' was specified in the 'tools' parameter.`, 'tool_choice');
  }
  return null;
}

function validateOpenAi(b: Body): Refusal | null {
  if (b.stream_options !== undefined && b.stream !== true) {
    return openAiError(400, { message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: 'stream_options' });
  }
  const format = b.response_format as { type?: unknown; json_schema?: Record<string, unknown> } | undefined;
  if (format === undefined) return null;
  if (format.type === 'json_object') {
    const text = JSON.stringify(b.messages).toLowerCase();
    if (!text.includes('json')) {
      return openAiError(400, { message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", param: 'messages' });
    }
    return null;
  }
  if (format.type === 'text') return null;
  if (format.type !== 'json_schema') {
    return openAiError(400, { message: `Invalid value: '${String(format.type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`, param: 'response_format.type', code: 'invalid_value' });
  }
  const spec = format.json_schema;
  if (typeof spec?.name !== 'string') {
    return openAiError(400, { message: "Missing required parameter: 'response_format.json_schema.name'.", param: 'response_format.json_schema.name', code: 'missing_required_parameter' });
  }
  if (spec.strict === true) {
    const problem = strictSchemaProblem(spec.schema as Record<string, unknown> | undefined, []);
    if (problem) return openAiError(400, { message: `Invalid schema for response_format '${spec.name}': ${problem}`, param: 'response_format', code: 'invalid_json_schema' });
  }
  return null;
}

/**
 * OpenAI's structured-output rules for `strict: true`: every object closes with
 * `additionalProperties: false` and lists every property in `required`.
 */
function strictSchemaProblem(schema: Record<string, unknown> | undefined, context: string[]): string | null {
  if (!schema || typeof schema !== 'object') return null;
  const where = `In context=(${context.map((c) => `'${c}'`).join(', ')}${context.length === 1 ? ',' : ''})`;
  const isObject = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'));
  if (isObject) {
    if (schema.additionalProperties !== false) return `${where}, 'additionalProperties' is required to be supplied and to be false.`;
    const props = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const missing = props.find((p) => !required.includes(p));
    if (missing !== undefined) return `${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
  }
  for (const [key, child] of Object.entries((schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    const problem = strictSchemaProblem(child, [...context, 'properties', key]);
    if (problem) return problem;
  }
  for (const key of ['items', 'anyOf', '$defs', 'definitions'] as const) {
    const child = schema[key];
    const children = Array.isArray(child) ? child : key === 'items' ? [child] : Object.values((child as Record<string, unknown>) ?? {});
    for (const [i, c] of children.entries()) {
      const problem = strictSchemaProblem(c as Record<string, unknown> | undefined, [...context, key, String(i)]);
      if (problem) return problem;
    }
  }
  return null;
}

/** Mistral's pydantic layer: unknown fields, missing fields, unknown roles → 422. */
function validateMistralSchema(b: Body): Refusal | null {
  const extra = Object.keys(b).filter((k) => !MISTRAL_FIELDS.has(k));
  if (extra.length > 0) {
    return mistralSchemaError(extra.map((k) => ({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted', input: b[k] })));
  }
  const missing = ['model', 'messages'].filter((k) => b[k] === undefined);
  if (missing.length > 0) return mistralSchemaError(missing.map((k) => ({ type: 'missing', loc: ['body', k], msg: 'Field required', input: b })));
  if (!Array.isArray(b.messages)) return mistralSchemaError([{ type: 'list_type', loc: ['body', 'messages'], msg: 'Input should be a valid list', input: b.messages }]);
  for (const [i, m] of (b.messages as ChatMessage[]).entries()) {
    if (!MISTRAL_ROLES.includes(String(m?.role))) {
      const tags = MISTRAL_ROLES.map((r) => `'${r}'`).join(', ');
      return mistralSchemaError([
        { type: 'union_tag_invalid', loc: ['body', 'messages', i], msg: `Input tag '${String(m?.role)}' found using 'role' does not match any of the expected tags: ${tags}`, input: m },
      ]);
    }
  }
  return null;
}

/** Mistral's conversation checks (mistral-common): ids, pairing and order. */
function validateMistral(b: Body): Refusal | null {
  const messages = b.messages as ChatMessage[];
  if (messages.length === 0) return mistralError(400, 'Conversation must have at least one message.');
  for (const m of messages) {
    for (const call of m.role === 'assistant' ? (m.tool_calls ?? []) : []) {
      if (!MISTRAL_TOOL_ID.test(String(call.id))) return mistralError(400, `Tool call id was ${String(call.id)} but must be a-z, A-Z, 0-9, with a length of 9.`);
    }
    if (m.role === 'tool') {
      if (typeof m.tool_call_id !== 'string') return mistralError(400, 'Tool call id has to be defined.');
      if (!MISTRAL_TOOL_ID.test(m.tool_call_id)) return mistralError(400, `Tool call id was ${m.tool_call_id} but must be a-z, A-Z, 0-9, with a length of 9.`);
    }
    if (m.role === 'assistant' && (m.content === undefined || m.content === null || m.content === '') && !(m.tool_calls?.length)) {
      return mistralError(400, 'Assistant message must have either content or tool_calls, but not none.');
    }
  }
  return validateMistralOrder(messages) ?? validateTools('mistral', b);
}

function validateMistralOrder(messages: ChatMessage[]): Refusal | null {
  let openCalls = 0;
  for (let i = 0; i < messages.length; i += 1) {
    const m = messages[i];
    const prev = messages[i - 1];
    const callsInPrev = prev?.role === 'assistant' && (prev.tool_calls?.length ?? 0) > 0;
    if (m.role === 'tool') {
      if (!callsInPrev && prev?.role !== 'tool') return mistralOrderError(`Unexpected role 'tool' after role '${prev?.role ?? 'none'}'`);
      openCalls -= 1;
      if (openCalls < 0) return mistralError(400, 'Not the same number of function calls and responses');
      continue;
    }
    if (callsInPrev) return mistralOrderError(`Unexpected role '${m.role}' after role 'assistant'`);
    if (openCalls > 0) return mistralError(400, 'Not the same number of function calls and responses');
    if (m.role === 'user' && prev?.role === 'tool') return mistralOrderError("Unexpected role 'user' after role 'tool'");
    openCalls = m.role === 'assistant' ? (m.tool_calls?.length ?? 0) : 0;
  }
  if (openCalls > 0) return mistralError(400, 'Not the same number of function calls and responses');
  const last = messages[messages.length - 1];
  if (last.role === 'user' || last.role === 'tool' || (last.role === 'assistant' && last.prefix === true)) return null;
  const name = last.role.charAt(0).toUpperCase() + last.role.slice(1);
  return mistralOrderError(`Expected last role User or Tool (or Assistant with prefix True) for serving but got ${name}`);
}
