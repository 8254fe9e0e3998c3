/**
 * Tools of `llm_config.tools[]` (flireo-api B §3.2.4) and of tool templates (B §3.3), normalised
 * to one stored shape:
 *
 *   {type: "function", name, description, parameters, async, url?, asyncResponse?}
 *   {type: "endCall"}
 *   {type: "transferCall", destinations: [{type: "number", number: "+31…"} | {type: "sip", sipUri: "sip:…"}, …]}
 *
 * Accepted on input as well: the G2 flat custom tool without `type`, the G3 nested OpenAI shape
 * `{type: "function", function: {name, description, parameters}, server: {url}, async}`,
 * `end_call` / `transfer_call`, and the `async_response` / `message` spellings of `asyncResponse`.
 */
import { normalizeE164 } from '../phone.js';
import * as check from './check.js';
import type { JsonRecord } from './check.js';
import { AgentConfigError, duplicate, invalidField, missing } from './errors.js';
import type { AgentTool, EndCallTool, FunctionTool, TransferCallTool, TransferDestination } from './types.js';

export const MAX_TOOLS = 64;
const MAX_DESTINATIONS = 20;
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const TOOL_NAME_TEXT = 'must be 1-64 letters, digits, underscores or dashes';
const DESCRIPTION = { min: 1, max: 2000 };
const SPOKEN = { max: 1000 };
/** sip:/sips: URI with an optional user part, a host (name, IPv4 or [IPv6]), port and parameters. */
const SIP_URI = /^sips?:(?:[^\s@<>"]+@)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:;[^\s<>"]*)?$/i;
/** Custom tools may not take the names the model sees for the built-ins. */
const RESERVED_NAMES = new Set(['endcall', 'end_call', 'transfercall', 'transfer_call']);

export const TOOL_TYPES = ['function', 'endCall', 'transferCall'] as const;
export type ToolType = (typeof TOOL_TYPES)[number];
const TOOL_TYPE_ALIASES: Record<string, ToolType> = {
  function: 'function',
  endCall: 'endCall',
  end_call: 'endCall',
  transferCall: 'transferCall',
  transfer_call: 'transferCall',
};

/** `end_call` → `endCall`; anything else than the three types (and their snake spellings) is refused. */
export function normalizeToolType(value: unknown, param: string): ToolType {
  if (typeof value === 'string' && value in TOOL_TYPE_ALIASES) return TOOL_TYPE_ALIASES[value];
  throw invalidField(param, 'must be one of: function, endCall, transferCall (or end_call, transfer_call)');
}

/** The name the model calls a tool by; the built-ins are unique by type. */
export function toolName(tool: AgentTool): string {
  return tool.type === 'function' ? tool.name : tool.type;
}

function functionTool(raw: JsonRecord, param: string, fallback: { name?: string; description?: string } = {}): FunctionTool {
  const nested = raw.function !== undefined ? check.record(raw.function, `${param}.function`) : undefined;
  const src = nested ?? raw;
  const at = nested ? `${param}.function` : param;
  const name = check.requiredString(src.name ?? fallback.name, `${at}.name`, { max: 64, pattern: TOOL_NAME, patternText: TOOL_NAME_TEXT });
  if (RESERVED_NAMES.has(name.toLowerCase())) throw invalidField(`${at}.name`, 'is reserved for the built-in endCall/transferCall tools');
  const description = check.requiredString(src.description ?? fallback.description, `${at}.description`, DESCRIPTION);
  const parameters =
    src.parameters === undefined || src.parameters === null
      ? { type: 'object', properties: {} }
      : withObjectType(check.jsonSchemaObject(src.parameters, `${at}.parameters`), `${at}.parameters`);
  const tool: FunctionTool = { type: 'function', name, description, parameters, async: false };
  if (raw.async !== undefined && raw.async !== null) tool.async = check.boolean(raw.async, `${param}.async`);
  // [G3] `url` wins over `server.url`.
  const server = raw.server !== undefined && raw.server !== null ? check.record(raw.server, `${param}.server`) : undefined;
  if (raw.url !== undefined && raw.url !== null && raw.url !== '') tool.url = check.httpUrl(raw.url, `${param}.url`);
  else if (server?.url !== undefined && server.url !== null) tool.url = check.httpUrl(server.url, `${param}.server.url`);
  const spokenKey = ['asyncResponse', 'async_response', 'message'].find((k) => raw[k] !== undefined && raw[k] !== null);
  if (spokenKey) tool.asyncResponse = check.string(raw[spokenKey], `${param}.${spokenKey}`, SPOKEN);
  return tool;
}

/** Function parameters describe an argument object (OpenAI function calling); `type` defaults to it. */
function withObjectType(schema: JsonRecord, param: string): JsonRecord {
  if (schema.type === undefined) return { type: 'object', ...schema };
  if (schema.type !== 'object') throw invalidField(`${param}.type`, 'must be "object" (tool arguments are an object)');
  return schema;
}

function destination(raw: unknown, param: string): TransferDestination {
  const d = check.record(raw, param);
  const sipUri = check.pick(d, 'sipUri', 'sip_uri', 'uri');
  const type = d.type ?? (sipUri !== undefined ? 'sip' : 'number');
  const description = check.optionalString(d.description, `${param}.description`, DESCRIPTION);
  const message = check.optionalString(d.message, `${param}.message`, SPOKEN);
  const mode = d.mode === undefined || d.mode === null || d.mode === 'blind' || d.mode === 'bridge' ? undefined : check.oneOf(d.mode, `${param}.mode`, ['warm'] as const);
  const timeoutRaw = check.pick(d, 'timeout_seconds', 'timeoutSeconds');
  const timeout = timeoutRaw === undefined || timeoutRaw === null ? undefined : check.number(timeoutRaw, `${param}.timeout_seconds`, 5, 120, true);
  const extra = {
    ...(description !== undefined && { description }),
    ...(message !== undefined && { message }),
    ...(mode !== undefined && { mode }),
    ...(timeout !== undefined && { timeout_seconds: timeout }),
  };
  if (type === 'number') {
    const value = check.pick(d, 'number', 'phone_number', 'phoneNumber');
    if (value === undefined || value === null) throw missing(`${param}.number`);
    const e164 = typeof value === 'string' ? normalizeE164(value) : null;
    if (e164 === null) {
      throw new AgentConfigError('invalid_phone_number', `${param}.number`, 'must be a phone number in E.164 format, e.g. +31850835037');
    }
    return { type: 'number', number: e164, ...extra };
  }
  if (type === 'sip') {
    const at = `${param}.${['sipUri', 'sip_uri', 'uri'].find((k) => d[k] !== undefined) ?? 'sipUri'}`;
    const uri = check.requiredString(sipUri, at, { max: 512 });
    if (!SIP_URI.test(uri)) throw invalidField(at, 'must be a SIP URI such as sip:desk@pbx.example.com');
    return { type: 'sip', sipUri: uri, ...extra };
  }
  throw invalidField(`${param}.type`, 'must be "number" or "sip"');
}

function transferTool(raw: JsonRecord, param: string): TransferCallTool {
  if (raw.destinations === undefined || raw.destinations === null) throw missing(`${param}.destinations`);
  const list = check.array(raw.destinations, `${param}.destinations`, MAX_DESTINATIONS);
  if (list.length === 0) throw invalidField(`${param}.destinations`, 'must name at least one destination');
  return { type: 'transferCall', destinations: list.map((d, i) => destination(d, `${param}.destinations[${i}]`)) };
}

/** One tool in any accepted input shape → the stored shape. */
export function normalizeTool(input: unknown, param: string): AgentTool {
  const raw = check.record(input, param);
  const type = raw.type === undefined || raw.type === null ? 'function' : normalizeToolType(raw.type, `${param}.type`);
  switch (type) {
    case 'function':
      return functionTool(raw, param);
    case 'endCall':
      return { type: 'endCall' } satisfies EndCallTool;
    case 'transferCall':
      return transferTool(raw, param);
  }
}

/** `llm_config.tools`: each tool normalised, names unique within the agent. */
export function normalizeTools(input: unknown, param: string): AgentTool[] {
  const list = check.array(input, param, MAX_TOOLS);
  const tools = list.map((t, i) => normalizeTool(t, `${param}[${i}]`));
  const seen = new Map<string, number>();
  tools.forEach((tool, i) => {
    const name = toolName(tool);
    const first = seen.get(name);
    if (first !== undefined) {
      const at = tool.type === 'function' ? `${param}[${i}].name` : `${param}[${i}].type`;
      throw invalidField(at, `duplicates ${param}[${first}] ("${name}"); tool names must be unique within an agent`);
    }
    seen.set(name, i);
  });
  return tools;
}

/**
 * Appends copied template tools. A name that the agent already has is a 409 conflict naming
 * the template; a second `endCall` is simply dropped (there is only one way to hang up).
 */
export function appendTools(existing: AgentTool[], extra: { tool: AgentTool; param: string }[]): AgentTool[] {
  const result = [...existing];
  for (const { tool, param } of extra) {
    const name = toolName(tool);
    if (result.some((t) => toolName(t) === name)) {
      if (tool.type === 'endCall') continue;
      throw duplicate(param, `adds the tool "${name}", which the agent already has`);
    }
    result.push(tool);
  }
  if (result.length > MAX_TOOLS) throw invalidField('llm_config.tools', `must have at most ${MAX_TOOLS} items`);
  return result;
}

/** flireo-api B §5.3: autonomous silence handling needs a way to hang up. */
export function ensureEndCall(tools: AgentTool[]): AgentTool[] {
  return tools.some((t) => t.type === 'endCall') ? tools : [...tools, { type: 'endCall' }];
}

/** A function name from a template name: `Lookup contact!` → `lookup_contact`. */
export function slugifyToolName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
}

/** A template's stored `tool_config`: the tool without its `type`. */
export type ToolTemplateConfig = Omit<FunctionTool, 'type'> | Omit<TransferCallTool, 'type'> | Record<string, never>;

/**
 * Validates a tool template's `tool_config` for its type (B §3.3): a function needs
 * `description` and `parameters`; its `name` defaults to the template name slugified.
 */
export function normalizeTemplateConfig(
  type: ToolType,
  config: unknown,
  param: string,
  template: { name: string; description: string | null },
): ToolTemplateConfig {
  if (type === 'endCall') {
    if (config !== undefined && config !== null) check.record(config, param);
    return {};
  }
  if (config === undefined || config === null) throw missing(param);
  const raw = check.record(config, param);
  if (type === 'transferCall') {
    const { type: _t, ...rest } = transferTool(raw, param);
    return rest;
  }
  if (raw.function === undefined && (raw.parameters === undefined || raw.parameters === null)) throw missing(`${param}.parameters`);
  const fallbackName = slugifyToolName(template.name) || undefined;
  const { type: _t, ...rest } = functionTool(raw, param, { name: fallbackName, description: template.description ?? undefined });
  return rest;
}

/** The tool an agent gets from a template (a copy, never a reference). */
export function toolFromTemplate(type: ToolType, config: ToolTemplateConfig): AgentTool {
  return normalizeTool({ ...config, type }, 'tool_config');
}
