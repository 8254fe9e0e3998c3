/**
 * One agent's fields from a create or update request (flireo-api B §3.2, A.3), validated and
 * completed to the stored shape. Update semantics: only supplied fields change; a supplied
 * nested block (`llm_config`, `stt_config`, `tts_config`, `analysis_plan`) replaces the stored
 * block as a whole. The provider rules always run on the merged result:
 *
 * - realtime (`xai_realtime`, `openai_realtime`): `stt_config`/`tts_config` are stored as null,
 *   `llm_config.voice` is checked against the voice catalogue (default `ara` / `marin`);
 * - pipeline (`openai`, `mistral`, `xai`): a missing or null `stt_config`/`tts_config` takes the
 *   A.3 defaults (also when an update switches a realtime agent to a pipeline provider);
 * - `autonomous_silence_handling: true` adds the `endCall` tool when missing (B §5.3).
 */
import * as check from './check.js';
import { invalidField } from './errors.js';
import { normalizeAnalysisPlan } from './analysis-plan.js';
import { defaultLlmConfig, defaultSttConfig, defaultTtsConfig, normalizeLlmConfig, normalizeSttConfig, normalizeTtsConfig } from './provider-configs.js';
import { ensureEndCall } from './tools.js';
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS, isRealtimeProvider, type AgentFields, type WebhookEvent } from './types.js';

export const MAX_DURATION_SECONDS = { min: 10, max: 14_400, default: 1800 } as const;
export const SILENCE_TIMEOUT_SECONDS = { min: 1, max: 600 } as const;
const SPOKEN_TEXT = { max: 5000 };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Secrets are shown as `…` plus their last 4 characters; shorter ones not at all. */
const SECRET_VISIBLE_FROM = 12;

/** The agent's fields before any request: A.3 defaults. */
export function defaultAgentFields(name: string): AgentFields {
  return {
    name,
    business_name: null,
    notification_email: null,
    first_message: null,
    is_active: true,
    webhook_url: null,
    webhook_secret: null,
    webhook_events: [],
    stt_config: defaultSttConfig(),
    llm_config: defaultLlmConfig(),
    tts_config: defaultTtsConfig(),
    analysis_plan: null,
    voicemail_detection: false,
    voicemail_message: null,
    autonomous_silence_handling: false,
    silence_timeout_seconds: null,
    max_duration_seconds: MAX_DURATION_SECONDS.default,
    webhook_format: null,
    recording_enabled: true,
  };
}

/** How `webhook_secret` appears in responses: `…abcd`. The secret itself is write-only. */
export function maskSecret(secret: string | null): string | null {
  if (secret === null) return null;
  return secret.length >= SECRET_VISIBLE_FROM ? `…${secret.slice(-4)}` : '…';
}

const nullableText = (value: unknown, param: string, max: number): string | null =>
  value === null ? null : check.string(value, param, { max });

function email(value: unknown): string | null {
  if (value === null || value === '') return null;
  return check.string(value, 'notification_email', { max: 320, pattern: EMAIL, patternText: 'must be an e-mail address' });
}

/** A GET-then-PATCH client sends the mask back: that means "unchanged", anything else masked is refused. */
function webhookSecret(value: unknown, current: string | null): string | null {
  if (value === null || value === '') return null;
  const secret = check.string(value, 'webhook_secret', { max: 256 });
  if (secret === maskSecret(current)) return current;
  if (secret.startsWith('…')) throw invalidField('webhook_secret', 'looks like a masked secret; send the secret itself');
  return secret;
}

function webhookEvents(value: unknown): WebhookEvent[] {
  const list = check.array(value, 'webhook_events', 16).map((e, i) => check.oneOf(e, `webhook_events[${i}]`, WEBHOOK_EVENTS));
  return [...new Set(list)];
}

type FieldRule = (value: unknown, current: AgentFields) => Partial<AgentFields>;

/** Scalar fields; the provider blocks are handled together in `applyProviderRules`. */
const RULES: Partial<Record<keyof AgentFields, FieldRule>> = {
  name: (v) => ({ name: check.requiredString(v, 'name', { max: 200 }) }),
  business_name: (v) => ({ business_name: nullableText(v, 'business_name', 200) }),
  notification_email: (v) => ({ notification_email: email(v) }),
  first_message: (v) => ({ first_message: nullableText(v, 'first_message', SPOKEN_TEXT.max) }),
  is_active: (v) => ({ is_active: check.boolean(v, 'is_active') }),
  webhook_url: (v) => ({ webhook_url: check.nullableHttpUrl(v, 'webhook_url') }),
  webhook_secret: (v, cur) => ({ webhook_secret: webhookSecret(v, cur.webhook_secret) }),
  webhook_events: (v) => ({ webhook_events: webhookEvents(v) }),
  analysis_plan: (v) => ({ analysis_plan: normalizeAnalysisPlan(v) }),
  voicemail_detection: (v) => ({ voicemail_detection: check.boolean(v, 'voicemail_detection') }),
  voicemail_message: (v) => ({ voicemail_message: nullableText(v, 'voicemail_message', SPOKEN_TEXT.max) }),
  autonomous_silence_handling: (v) => ({ autonomous_silence_handling: check.boolean(v, 'autonomous_silence_handling') }),
  silence_timeout_seconds: (v) => ({
    silence_timeout_seconds: v === null ? null : check.number(v, 'silence_timeout_seconds', SILENCE_TIMEOUT_SECONDS.min, SILENCE_TIMEOUT_SECONDS.max, true),
  }),
  max_duration_seconds: (v) => ({
    max_duration_seconds: check.number(v, 'max_duration_seconds', MAX_DURATION_SECONDS.min, MAX_DURATION_SECONDS.max, true),
  }),
  webhook_format: (v) => ({ webhook_format: v === null ? null : check.oneOf(v, 'webhook_format', WEBHOOK_FORMATS) }),
  recording_enabled: (v) => ({ recording_enabled: check.boolean(v, 'recording_enabled') }),
};

function applyProviderRules(input: check.JsonRecord, base: AgentFields): Pick<AgentFields, 'llm_config' | 'stt_config' | 'tts_config'> {
  const llm = input.llm_config !== undefined ? normalizeLlmConfig(input.llm_config ?? {}) : base.llm_config;
  if (isRealtimeProvider(llm.provider)) return { llm_config: llm, stt_config: null, tts_config: null };
  const block = <T>(key: 'stt_config' | 'tts_config', stored: T | null, fallback: () => T, normalize: (v: unknown) => T): T => {
    const value = input[key];
    if (value !== undefined && value !== null) return normalize(value);
    if (value === null) return fallback();
    return stored ?? fallback();
  };
  return {
    llm_config: llm,
    stt_config: block('stt_config', base.stt_config, defaultSttConfig, normalizeSttConfig),
    tts_config: block('tts_config', base.tts_config, defaultTtsConfig, normalizeTtsConfig),
  };
}

/**
 * `input` holds the request's agent fields (undefined = not supplied); `current` is the stored
 * agent on update, null on create (then `name` is required). Throws AgentConfigError.
 */
export function normalizeAgentFields(input: check.JsonRecord, current: AgentFields | null): AgentFields {
  const base = current ?? defaultAgentFields('');
  let fields: AgentFields = { ...base };
  if (current === null) fields = { ...fields, ...RULES.name!(input.name, base) };
  for (const [key, rule] of Object.entries(RULES) as [keyof AgentFields, FieldRule][]) {
    if (input[key] !== undefined) fields = { ...fields, ...rule(input[key], base) };
  }
  fields = { ...fields, ...applyProviderRules(input, base) };
  if (fields.autonomous_silence_handling) {
    fields.llm_config = { ...fields.llm_config, tools: ensureEndCall(fields.llm_config.tools ?? []) };
  }
  return fields;
}
