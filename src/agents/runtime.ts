/**
 * The effective configuration of one call's agent: the saved agent, optionally overridden by an
 * `assistant-request` answer (flireo-api B §4.3), flattened into what the media worker's agent
 * runtime needs. Pure functions; the call path adds provider keys (provider-keys.ts).
 */
import type { ByokProvider } from '../catalog/providers.js';
import * as check from './check.js';
import { normalizeAgentFields } from './agent-fields.js';
import { keyProviderFor } from './provider-keys.js';
import {
  isRealtimeProvider,
  type AgentFields,
  type AnalysisPlan,
  type ChatMessage,
  type FunctionTool,
  type LlmProvider,
  type SttConfig,
  type TransferDestination,
  type TtsConfig,
  type TurnDetection,
  type WebhookEvent,
  type WebhookFormat,
} from './types.js';

export interface AgentRuntimeConfig {
  /** Null for a one-off agent of an outbound call (`assistant` in the request). */
  agentId: string | null;
  name: string;
  businessName: string | null;
  /** `realtime`: one speech-to-speech session; `pipeline`: STT → LLM → TTS. */
  mode: 'realtime' | 'pipeline';
  firstMessage: string | null;
  /** The system messages of `llm_config.messages`, joined by blank lines. */
  instructions: string;
  /** Every `llm_config.messages` entry, in order. */
  messages: ChatMessage[];
  llm: {
    provider: LlmProvider;
    model: string;
    temperature: number;
    voice?: string;
    maxCompletionTokens?: number;
    turnDetection?: TurnDetection;
  };
  /** Null on realtime agents. */
  stt: SttConfig | null;
  /** Null on realtime agents. */
  tts: TtsConfig | null;
  tools: {
    functions: FunctionTool[];
    endCall: boolean;
    /** Destinations of the `transferCall` tool; null without one. */
    transfer: TransferDestination[] | null;
  };
  maxDurationSeconds: number;
  voicemail: { detection: boolean; message: string | null };
  silence: { autonomous: boolean; timeoutSeconds: number | null };
  recordingEnabled: boolean;
  webhook: { url: string | null; secret: string | null; events: WebhookEvent[]; format: WebhookFormat };
  analysisPlan: AnalysisPlan | null;
  /** `assistant.metadata` of an assistant-request answer, echoed in later webhooks. */
  metadata: Record<string, unknown>;
  /** The providers whose keys this call needs (BYOK names); see `resolveProviderKeys`. */
  keyProviders: ByokProvider[];
}

const OVERRIDABLE = new Set<string>([
  'name', 'business_name', 'notification_email', 'first_message', 'is_active', 'webhook_url', 'webhook_secret',
  'webhook_events', 'stt_config', 'llm_config', 'tts_config', 'analysis_plan', 'voicemail_detection',
  'voicemail_message', 'autonomous_silence_handling', 'silence_timeout_seconds', 'max_duration_seconds',
  'webhook_format', 'recording_enabled',
]);

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Applies an `assistant-request` override (`{firstMessage, llm_config, …}` in camel or snake
 * keys) to a saved agent. Shallow per block, like [G3]'s `assistant_override`: a supplied block
 * replaces the saved one, except that an `llm_config` without `provider` keeps the saved
 * provider (and its model), so `{"llm_config": {"temperature": 0.2}}` does not switch engines.
 * Throws AgentConfigError on an invalid override; the caller then uses the saved agent.
 */
export function applyAgentOverride(agent: AgentFields, override: unknown): AgentFields {
  const raw = check.record(override, 'assistant');
  const input: check.JsonRecord = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = snake(key);
    if (OVERRIDABLE.has(name) && value !== undefined) input[name] = value;
  }
  if (check.isRecord(input.llm_config) && input.llm_config.provider === undefined) {
    const saved = agent.llm_config;
    input.llm_config = { provider: saved.provider, ...(input.llm_config.model === undefined && { model: saved.model }), ...input.llm_config };
  }
  return normalizeAgentFields(input, agent);
}

function keyProviders(fields: AgentFields): ByokProvider[] {
  const names = [fields.llm_config.provider, fields.stt_config?.provider, fields.tts_config?.provider];
  const keys = names.flatMap((n) => (n === undefined ? [] : [keyProviderFor(n)])).filter((k): k is ByokProvider => k !== null);
  return [...new Set(keys)];
}

/** The runtime view of an agent (and of an optional override, see `applyAgentOverride`). */
export function resolveAgentConfig(agent: AgentFields & { id: string | null }, override?: unknown): AgentRuntimeConfig {
  const fields = override === undefined || override === null ? agent : applyAgentOverride(agent, override);
  const llm = fields.llm_config;
  const messages = llm.messages ?? [];
  const tools = llm.tools ?? [];
  const transfer = tools.find((t) => t.type === 'transferCall');
  const overrideMeta = check.isRecord(override) && check.isRecord(override.metadata) ? override.metadata : {};
  return {
    agentId: agent.id,
    name: fields.name,
    businessName: fields.business_name,
    mode: isRealtimeProvider(llm.provider) ? 'realtime' : 'pipeline',
    firstMessage: fields.first_message,
    instructions: messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n'),
    messages,
    llm: {
      provider: llm.provider,
      model: llm.model,
      temperature: llm.temperature,
      ...(llm.voice !== undefined && { voice: llm.voice }),
      ...(llm.max_completion_tokens !== undefined && { maxCompletionTokens: llm.max_completion_tokens }),
      ...(llm.turn_detection !== undefined && { turnDetection: llm.turn_detection }),
    },
    stt: fields.stt_config,
    tts: fields.tts_config,
    tools: {
      functions: tools.filter((t): t is FunctionTool => t.type === 'function'),
      endCall: tools.some((t) => t.type === 'endCall'),
      transfer: transfer?.type === 'transferCall' ? transfer.destinations : null,
    },
    maxDurationSeconds: fields.max_duration_seconds,
    voicemail: { detection: fields.voicemail_detection, message: fields.voicemail_message },
    silence: { autonomous: fields.autonomous_silence_handling, timeoutSeconds: fields.silence_timeout_seconds },
    recordingEnabled: fields.recording_enabled,
    webhook: { url: fields.webhook_url, secret: fields.webhook_secret, events: fields.webhook_events, format: fields.webhook_format },
    analysisPlan: fields.analysis_plan,
    metadata: overrideMeta,
    keyProviders: keyProviders(fields),
  };
}
