/**
 * Checks of an agent request as the client sent it, before and after `src/agents` normalises it,
 * so that nothing a client sends is dropped behind a 2xx (issue #13):
 *
 * - two spellings of one field (responses carry both) must agree, else 400 (`oneSpelling`);
 * - a tool carries only the keys of its own type (`destinations` on a function tool is refused);
 * - fields the agent's provider does not take (`tts_config` on a realtime agent, `llm_config.voice`
 *   on a pipeline one) are refused rather than stored as null;
 * - SDK fields voxgate cannot honour are refused by name (`gdpr_mode: true`, a per-tool
 *   `server.secret`).
 */
import { isDeepStrictEqual } from 'node:util';
import { isRealtimeProvider, MAX_DURATION_SECONDS, normalizeToolType, type AgentFields, type ToolType } from '../../../agents/index.js';
import { invalid } from '../../errors.js';
import { oneSpelling } from '../../wrap.js';
import { validated } from './config-errors.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const TOOL_KEYS: Record<ToolType, ReadonlySet<string>> = {
  function: new Set(['type', 'name', 'description', 'parameters', 'url', 'async', 'asyncResponse', 'async_response', 'message', 'function', 'server']),
  endCall: new Set(['type']),
  transferCall: new Set(['type', 'destinations']),
};

export const TOOL_SECRET_REFUSED =
  'per-tool webhook secrets are not supported: tool-calls webhooks are signed with the agent’s webhook_secret (X-Webhook-Signature)';

function checkDestination(raw: unknown, at: string): void {
  if (!isObject(raw)) return;
  oneSpelling(raw, at, 'number', 'phone_number', 'phoneNumber');
  oneSpelling(raw, at, 'sipUri', 'sip_uri', 'uri');
  oneSpelling(raw, at, 'timeout_seconds', 'timeoutSeconds');
}

/**
 * One tool (of an agent's `llm_config.tools`, or a template's `tool_config` with `type`): only
 * the keys of its type, no second spelling with another value, no per-tool secret.
 */
export function checkToolKeys(raw: unknown, param: string, type?: ToolType): void {
  if (!isObject(raw)) return;
  const toolType = type ?? (raw.type === undefined || raw.type === null ? 'function' : validated(() => normalizeToolType(raw.type, `${param}.type`)));
  for (const key of Object.keys(raw)) {
    if (!TOOL_KEYS[toolType].has(key)) throw invalid(`${param}.${key}`, `is not a field of a ${toolType} tool`);
  }
  if (toolType === 'function') {
    // Responses carry a function tool flat (G2) and nested (the SDK's ToolDefinition); sent back,
    // the two must agree, or an edit of one would be lost to the other.
    const fn = raw.function;
    if (isObject(fn)) {
      for (const key of ['name', 'description', 'parameters']) {
        if (raw[key] !== undefined && !isDeepStrictEqual(raw[key], fn[key])) {
          throw invalid(`${param}.${key}`, `differs from ${param}.function.${key}; send one of them`);
        }
      }
    }
    const server = raw.server;
    if (isObject(server) && server.secret !== undefined) throw invalid(`${param}.server.secret`, TOOL_SECRET_REFUSED);
    if (isObject(server) && raw.url !== undefined && server.url !== undefined && raw.url !== server.url) {
      throw invalid(`${param}.server.url`, `differs from ${param}.url; send one of them`);
    }
    oneSpelling(raw, `${param}.`, 'asyncResponse', 'async_response', 'message');
  }
  if (toolType === 'transferCall' && Array.isArray(raw.destinations)) {
    raw.destinations.forEach((d, i) => checkDestination(d, `${param}.destinations[${i}].`));
  }
}

const TEMPLATE_KEYS = ['template_id', 'templateId'] as const;

/** The analysis template a plan names (`structured_data_plan.template_id`), if any. */
export function planTemplateId(plan: unknown): string | undefined {
  if (!isObject(plan)) return undefined;
  const key = plan.structuredDataPlan !== undefined ? 'structuredDataPlan' : 'structured_data_plan';
  const sdp = plan[key];
  return isObject(sdp) ? oneSpelling<string>(sdp, `analysis_plan.${key}.`, ...TEMPLATE_KEYS) : undefined;
}

/** The SDK clears these with null (`AssistantUpdateParams`): null means the default again. */
const NULL_MEANS_DEFAULT = { webhook_events: [], voicemail_detection: false, max_duration_seconds: MAX_DURATION_SECONDS.default } as const;

export function nullsToDefaults<T extends Json>(body: T): T {
  const out: Json = { ...body };
  for (const [key, fallback] of Object.entries(NULL_MEANS_DEFAULT)) if (out[key] === null) out[key] = fallback;
  return out as T;
}

/** Spellings before normalisation; `src/agents` takes the first spelling it knows. */
export function checkAgentSpellings(body: Json): void {
  if (body.gdpr_mode === true) {
    throw invalid('gdpr_mode', 'voxgate has no GDPR mode; use recording_enabled: false and the organization’s retention periods (PATCH /organizations)');
  }
  const tts = body.tts_config;
  if (isObject(tts)) {
    oneSpelling(tts, 'tts_config.', 'voiceId', 'voice_id');
    oneSpelling(tts, 'tts_config.', 'similarity_boost', 'similarityBoost');
    oneSpelling(tts, 'tts_config.', 'use_speaker_boost', 'useSpeakerBoost');
  }
  const llm = body.llm_config;
  if (isObject(llm)) {
    oneSpelling(llm, 'llm_config.', 'max_completion_tokens', 'max_tokens', 'maxTokens');
    if (Array.isArray(llm.tools)) llm.tools.forEach((tool, i) => checkToolKeys(tool, `llm_config.tools[${i}]`));
  }
  const plan = body.analysis_plan;
  if (isObject(plan)) {
    oneSpelling(plan, 'analysis_plan.', 'structuredDataPlan', 'structured_data_plan');
    oneSpelling(plan, 'analysis_plan.', 'summaryPlan', 'summary_plan');
    oneSpelling(plan, 'analysis_plan.', 'minMessagesThreshold', 'min_messages_threshold');
    planTemplateId(plan);
  }
}

/** After normalisation: what the provider does not take was sent, so refuse instead of dropping it. */
export function checkProviderFields(body: Json, fields: AgentFields): void {
  const provider = fields.llm_config.provider;
  if (isRealtimeProvider(provider)) {
    for (const key of ['stt_config', 'tts_config'] as const) {
      if (body[key] !== undefined && body[key] !== null) {
        throw invalid(key, `a ${provider} agent speaks and listens by itself and takes no ${key}; send null or leave it out`);
      }
    }
    return;
  }
  const llm = body.llm_config;
  if (!isObject(llm)) return;
  for (const key of ['voice', 'turn_detection'] as const) {
    if (llm[key] !== undefined && llm[key] !== null) {
      throw invalid(`llm_config.${key}`, `is for realtime providers only (xai_realtime, openai_realtime); a ${provider} agent speaks with tts_config`);
    }
  }
}
