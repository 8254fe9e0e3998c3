/**
 * The agent runtime config: everything a media worker needs to run one call's agent, resolved by
 * the main thread from the stored agent (flireo-api B §3.2, A.3), the outbound request and the
 * platform settings. Plain data: it crosses `postMessage` inside `call.start.agent`.
 *
 * `parseAgentConfig` is the one gate: it accepts a config (filling documented defaults) or throws
 * an `AgentConfigError` (code `media/bad-request`), which the worker answers with
 * `call.start-failed`.
 */

export type RealtimeAgentProvider = 'openai_realtime' | 'xai_realtime';
/** Chat LLMs of pipeline agents (OpenAI-compatible chat completions with each vendor's base URL). */
export type PipelineLlmProvider = 'openai' | 'mistral' | 'xai';
export type AgentProvider = RealtimeAgentProvider | PipelineLlmProvider;
export const REALTIME_AGENT_PROVIDERS: readonly RealtimeAgentProvider[] = ['openai_realtime', 'xai_realtime'];
export const PIPELINE_LLM_PROVIDERS: readonly PipelineLlmProvider[] = ['openai', 'mistral', 'xai'];
export const AGENT_PROVIDERS: readonly AgentProvider[] = [...REALTIME_AGENT_PROVIDERS, ...PIPELINE_LLM_PROVIDERS];
export type AgentMode = 'realtime' | 'pipeline';

/** A custom (webhook) tool; the main thread runs it. `parameters` is a JSON Schema object. */
export interface AgentFunctionTool {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** A transfer target: an E.164 number or a SIP URI, with when to pick it and what to say first. */
export interface AgentTransferDestination {
  destination: string;
  description?: string;
  message?: string;
}

/**
 * Built-ins (B §3.2.4): `endCall` lets the model hang up (runs in the worker); `transferCall`
 * lets it transfer to one of `destinations` (runs in the main thread).
 */
export type AgentTool =
  | AgentFunctionTool
  | { type: 'endCall' }
  | { type: 'transferCall'; destinations: AgentTransferDestination[] };

/** `llm_config.turn_detection` (G3 names, camelCased). Omitted fields take the vendor's defaults. */
export interface AgentTurnDetection {
  threshold?: number;
  prefixPaddingMs?: number;
  silenceDurationMs?: number;
  idleTimeoutMs?: number;
}

/** Voicemail detection (B §5.2): outbound calls only. */
export interface AgentVoicemailConfig {
  enabled: boolean;
  /** Spoken when a voicemail greeting is detected; empty/null = hang up silently. */
  message: string | null;
}

/** Autonomous silence handling (B §5.3). */
export interface AgentSilenceConfig {
  enabled: boolean;
  /** Quiet before the first check-in, ms (default 7000). */
  firstCheckMs: number;
  /** Quiet between later check-ins, ms (default 12 000). */
  intervalMs: number;
  /** Check-ins before the agent says goodbye and hangs up (default 3). */
  maxPrompts: number;
}

/**
 * Turn-taking of pipeline agents (`stt_config`), all in ms. Defaults: research/pipeline.md §3
 * (Deepgram endpointing and utterance end; Vapi's punctuation-aware waits; LiveKit's bounds and
 * minimum interruption).
 */
export interface TurnTakingConfig {
  /** Deepgram `endpointing`: silence before `speech_final`. */
  endpointingMs: number;
  /** Deepgram `utterance_end_ms`: gap after the last word before `UtteranceEnd`. */
  utteranceEndMs: number;
  /** Extra wait after a final transcript ending in punctuation. */
  onPunctuationMs: number;
  /** … ending in a digit (a number being read out). */
  onNumberMs: number;
  /** … ending without punctuation (the caller may go on). */
  onNoPunctuationMs: number;
  /** End of turn never earlier than this after the caller's last voiced packet… */
  minEndOfTurnMs: number;
  /** …and never later (with any transcript at all). */
  maxEndOfTurnMs: number;
  /** Caller speech over the agent confirms an interruption after this long… */
  interruptionMinSpeechMs: number;
  /** …and only with this many transcribed words (0: speech alone; words confirm earlier). */
  interruptionMinWords: number;
  /** A pause with no words resumes the agent's audio this long after the caller fell silent. */
  falseInterruptionMs: number;
}

export const TURN_TAKING_DEFAULTS: Readonly<TurnTakingConfig> = Object.freeze({
  endpointingMs: 300,
  utteranceEndMs: 1000,
  onPunctuationMs: 100,
  onNumberMs: 400,
  onNoPunctuationMs: 1500,
  minEndOfTurnMs: 500,
  maxEndOfTurnMs: 3000,
  interruptionMinSpeechMs: 500,
  interruptionMinWords: 0,
  falseInterruptionMs: 1000,
});

/** `stt_config` of a pipeline agent. */
export interface AgentSttConfig {
  provider: 'deepgram';
  model: string;
  /** BCP-47, e.g. `en`, `nl`. */
  language: string;
  keyterms?: string[];
  turn: TurnTakingConfig;
}

export type AgentTtsProvider = 'openai' | 'elevenlabs' | 'local';

/** `tts_config` of a pipeline agent (voice settings: ElevenLabs; `speed`: OpenAI and ElevenLabs). */
export interface AgentTtsConfig {
  provider: AgentTtsProvider;
  voiceId: string;
  model?: string;
  stability?: number;
  similarityBoost?: number;
  style?: number;
  useSpeakerBoost?: boolean;
  speed?: number;
}

export interface AgentRuntimeConfig {
  /** Omitted: realtime for the realtime providers, pipeline otherwise. */
  mode?: AgentMode;
  provider: AgentProvider;
  model: string;
  /** Realtime voice (`llm_config.voice`); omitted = the vendor's default. */
  voice?: string;
  /** The agent's system messages, joined. */
  instructions: string;
  temperature?: number;
  /** Language hint for caller transcription, e.g. `nl`, `en-US`. */
  language?: string;
  turnDetection?: AgentTurnDetection;
  /** Pipeline agents: speech to text, and text to speech. */
  stt?: AgentSttConfig;
  tts?: AgentTtsConfig;
  /** Pipeline agents: `llm_config.max_completion_tokens`. */
  maxCompletionTokens?: number;
  /** Pipeline agents: the non-system `llm_config.messages` (example turns), before the call's own. */
  seedMessages?: Array<{ role: 'user' | 'assistant'; content: string }>;
  tools: AgentTool[];
  /** Spoken when the call is answered; omitted = wait for the caller. */
  firstMessage?: string;
  /** Spoken when the agent ends the call without having said goodbye, and as the silence goodbye. */
  endCallMessage?: string;
  voicemail: AgentVoicemailConfig;
  silence: AgentSilenceConfig;
  /** Extra context of an outbound call request, added to the instructions. */
  context?: string;
  direction: 'inbound' | 'outbound';
}

export const SILENCE_DEFAULTS: Readonly<AgentSilenceConfig> = Object.freeze({
  enabled: false,
  firstCheckMs: 7000,
  intervalMs: 12_000,
  maxPrompts: 3,
});

/** Names the built-in tools have towards the model; custom tools may not take them. */
export const END_CALL_TOOL = 'end_call';
export const TRANSFER_CALL_TOOL = 'transfer_call';
const RESERVED_TOOL_NAMES = new Set([END_CALL_TOOL, TRANSFER_CALL_TOOL]);
/** The function-name rule both vendors enforce. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_TEXT = 100_000;

/** A malformed agent config; `param` names the offending field (dotted path). */
export class AgentConfigError extends Error {
  readonly code = 'media/bad-request' as const;
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`invalid agent config: ${param} ${message}`);
    this.name = 'AgentConfigError';
  }
}

type Obj = Record<string, unknown>;

/** Validates `value` and returns it with defaults filled in; throws `AgentConfigError`. */
export function parseAgentConfig(value: unknown): AgentRuntimeConfig {
  const v = object(value, 'agent');
  const provider = v.provider;
  if (typeof provider !== 'string' || !(AGENT_PROVIDERS as readonly string[]).includes(provider)) {
    throw new AgentConfigError('agent.provider', `must be one of ${AGENT_PROVIDERS.join(', ')}`);
  }
  const direction = v.direction;
  if (direction !== 'inbound' && direction !== 'outbound') throw new AgentConfigError('agent.direction', 'must be inbound or outbound');
  const mode = agentMode(provider as AgentProvider, v.mode);
  const config: AgentRuntimeConfig = {
    mode,
    provider: provider as AgentProvider,
    model: text(v.model, 'agent.model', { min: 1 }),
    instructions: v.instructions === undefined ? '' : text(v.instructions, 'agent.instructions'),
    tools: parseTools(v.tools),
    voicemail: parseVoicemail(v.voicemail),
    silence: parseSilence(v.silence),
    direction,
  };
  optionalText(v, 'voice', config);
  optionalText(v, 'language', config);
  optionalText(v, 'firstMessage', config);
  optionalText(v, 'endCallMessage', config);
  optionalText(v, 'context', config);
  if (v.temperature !== undefined) config.temperature = num(v.temperature, 'agent.temperature', 0, 2);
  if (v.turnDetection !== undefined && v.turnDetection !== null) config.turnDetection = parseTurnDetection(v.turnDetection);
  if (mode === 'pipeline') {
    config.stt = parseStt(v.stt);
    config.tts = parseTts(v.tts);
    if (v.maxCompletionTokens !== undefined) config.maxCompletionTokens = Math.floor(num(v.maxCompletionTokens, 'agent.maxCompletionTokens', 1, 1_000_000));
    if (v.seedMessages !== undefined) config.seedMessages = parseSeed(v.seedMessages);
  }
  return config;
}

/** The mode follows the provider; an explicit mode must agree with it. */
function agentMode(provider: AgentProvider, value: unknown): AgentMode {
  const mode: AgentMode = (REALTIME_AGENT_PROVIDERS as readonly string[]).includes(provider) ? 'realtime' : 'pipeline';
  if (value !== undefined && value !== mode) throw new AgentConfigError('agent.mode', `must be ${mode} for provider ${provider}`);
  return mode;
}

function parseStt(value: unknown): AgentSttConfig {
  const v = object(value, 'agent.stt');
  if (v.provider !== 'deepgram') throw new AgentConfigError('agent.stt.provider', 'must be deepgram');
  const out: AgentSttConfig = {
    provider: 'deepgram',
    model: text(v.model, 'agent.stt.model', { min: 1 }),
    language: v.language === undefined ? 'en' : text(v.language, 'agent.stt.language', { min: 1 }),
    turn: parseTurnTaking(v.turn),
  };
  if (v.keyterms !== undefined) {
    if (!Array.isArray(v.keyterms)) throw new AgentConfigError('agent.stt.keyterms', 'must be an array');
    out.keyterms = v.keyterms.map((k, i) => text(k, `agent.stt.keyterms[${i}]`, { min: 1 }));
  }
  return out;
}

function parseTurnTaking(value: unknown): TurnTakingConfig {
  const out: TurnTakingConfig = { ...TURN_TAKING_DEFAULTS };
  if (value === undefined || value === null) return out;
  const v = object(value, 'agent.stt.turn');
  for (const key of Object.keys(TURN_TAKING_DEFAULTS) as (keyof TurnTakingConfig)[]) {
    if (v[key] !== undefined) out[key] = num(v[key], `agent.stt.turn.${key}`, 0, key === 'interruptionMinWords' ? 20 : 60_000);
  }
  if (out.maxEndOfTurnMs < out.minEndOfTurnMs) throw new AgentConfigError('agent.stt.turn.maxEndOfTurnMs', 'must not be below minEndOfTurnMs');
  return out;
}

function parseSeed(value: unknown): Array<{ role: 'user' | 'assistant'; content: string }> {
  if (!Array.isArray(value)) throw new AgentConfigError('agent.seedMessages', 'must be an array');
  return value.map((raw, i) => {
    const m = object(raw, `agent.seedMessages[${i}]`);
    if (m.role !== 'user' && m.role !== 'assistant') throw new AgentConfigError(`agent.seedMessages[${i}].role`, 'must be user or assistant');
    return { role: m.role, content: text(m.content, `agent.seedMessages[${i}].content`) };
  });
}

const TTS_PROVIDERS: readonly AgentTtsProvider[] = ['openai', 'elevenlabs', 'local'];

function parseTts(value: unknown): AgentTtsConfig {
  const v = object(value, 'agent.tts');
  if (typeof v.provider !== 'string' || !(TTS_PROVIDERS as readonly string[]).includes(v.provider)) {
    throw new AgentConfigError('agent.tts.provider', `must be one of ${TTS_PROVIDERS.join(', ')}`);
  }
  const out: AgentTtsConfig = { provider: v.provider as AgentTtsProvider, voiceId: text(v.voiceId, 'agent.tts.voiceId', { min: 1 }) };
  optionalText(v, 'model', out, 'agent.tts');
  if (v.stability !== undefined) out.stability = num(v.stability, 'agent.tts.stability', 0, 1);
  if (v.similarityBoost !== undefined) out.similarityBoost = num(v.similarityBoost, 'agent.tts.similarityBoost', 0, 1);
  if (v.style !== undefined) out.style = num(v.style, 'agent.tts.style', 0, 1);
  if (v.useSpeakerBoost !== undefined) out.useSpeakerBoost = bool(v.useSpeakerBoost, 'agent.tts.useSpeakerBoost');
  if (v.speed !== undefined) out.speed = num(v.speed, 'agent.tts.speed', 0.25, 4);
  return out;
}

function parseTools(value: unknown): AgentTool[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new AgentConfigError('agent.tools', 'must be an array');
  const names = new Set<string>();
  const tools: AgentTool[] = [];
  value.forEach((raw, i) => {
    const param = `agent.tools[${i}]`;
    const t = object(raw, param);
    if (t.type === 'endCall') tools.push({ type: 'endCall' });
    else if (t.type === 'transferCall') tools.push({ type: 'transferCall', destinations: parseDestinations(t.destinations, `${param}.destinations`) });
    else if (t.type === 'function') tools.push(parseFunctionTool(t, param, names));
    else throw new AgentConfigError(`${param}.type`, 'must be function, endCall or transferCall');
  });
  if (tools.filter((t) => t.type === 'transferCall').length > 1) throw new AgentConfigError('agent.tools', 'has more than one transferCall tool');
  return tools;
}

function parseFunctionTool(t: Obj, param: string, names: Set<string>): AgentFunctionTool {
  const name = text(t.name, `${param}.name`, { min: 1 });
  if (!TOOL_NAME.test(name)) throw new AgentConfigError(`${param}.name`, 'must be 1–64 letters, digits, _ or -');
  if (RESERVED_TOOL_NAMES.has(name)) throw new AgentConfigError(`${param}.name`, `is reserved for a built-in tool (${name})`);
  if (names.has(name)) throw new AgentConfigError(`${param}.name`, `duplicates tool ${name}`);
  names.add(name);
  const parameters = t.parameters === undefined ? { type: 'object', properties: {} } : object(t.parameters, `${param}.parameters`);
  if (parameters.type !== undefined && parameters.type !== 'object') throw new AgentConfigError(`${param}.parameters.type`, 'must be object');
  return { type: 'function', name, description: t.description === undefined ? '' : text(t.description, `${param}.description`), parameters };
}

function parseDestinations(value: unknown, param: string): AgentTransferDestination[] {
  if (!Array.isArray(value) || value.length === 0) throw new AgentConfigError(param, 'must be a non-empty array');
  return value.map((raw, i) => {
    const d = object(raw, `${param}[${i}]`);
    const out: AgentTransferDestination = { destination: text(d.destination, `${param}[${i}].destination`, { min: 1 }) };
    optionalText(d, 'description', out, `${param}[${i}]`);
    optionalText(d, 'message', out, `${param}[${i}]`);
    return out;
  });
}

function parseVoicemail(value: unknown): AgentVoicemailConfig {
  if (value === undefined) return { enabled: false, message: null };
  const v = object(value, 'agent.voicemail');
  const message = v.message === undefined || v.message === null ? null : text(v.message, 'agent.voicemail.message');
  return { enabled: bool(v.enabled, 'agent.voicemail.enabled'), message };
}

function parseSilence(value: unknown): AgentSilenceConfig {
  if (value === undefined) return { ...SILENCE_DEFAULTS };
  const v = object(value, 'agent.silence');
  return {
    enabled: bool(v.enabled, 'agent.silence.enabled'),
    firstCheckMs: v.firstCheckMs === undefined ? SILENCE_DEFAULTS.firstCheckMs : num(v.firstCheckMs, 'agent.silence.firstCheckMs', 100, 600_000),
    intervalMs: v.intervalMs === undefined ? SILENCE_DEFAULTS.intervalMs : num(v.intervalMs, 'agent.silence.intervalMs', 100, 600_000),
    maxPrompts: v.maxPrompts === undefined ? SILENCE_DEFAULTS.maxPrompts : Math.floor(num(v.maxPrompts, 'agent.silence.maxPrompts', 0, 20)),
  };
}

function parseTurnDetection(value: unknown): AgentTurnDetection {
  const v = object(value, 'agent.turnDetection');
  const out: AgentTurnDetection = {};
  if (v.threshold !== undefined) out.threshold = num(v.threshold, 'agent.turnDetection.threshold', 0, 1);
  if (v.prefixPaddingMs !== undefined) out.prefixPaddingMs = num(v.prefixPaddingMs, 'agent.turnDetection.prefixPaddingMs', 0, 10_000);
  if (v.silenceDurationMs !== undefined) out.silenceDurationMs = num(v.silenceDurationMs, 'agent.turnDetection.silenceDurationMs', 0, 10_000);
  if (v.idleTimeoutMs !== undefined) out.idleTimeoutMs = num(v.idleTimeoutMs, 'agent.turnDetection.idleTimeoutMs', 0, 3_600_000);
  return out;
}

// ---- primitives ------------------------------------------------------------------------------

function object(value: unknown, param: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AgentConfigError(param, 'must be an object');
  return value as Obj;
}

function text(value: unknown, param: string, opts: { min?: number } = {}): string {
  if (typeof value !== 'string') throw new AgentConfigError(param, 'must be a string');
  if (value.length < (opts.min ?? 0)) throw new AgentConfigError(param, 'must not be empty');
  if (value.length > MAX_TEXT) throw new AgentConfigError(param, `must be at most ${MAX_TEXT} characters`);
  return value;
}

function num(value: unknown, param: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new AgentConfigError(param, 'must be a number');
  if (value < min || value > max) throw new AgentConfigError(param, `must be between ${min} and ${max}`);
  return value;
}

function bool(value: unknown, param: string): boolean {
  if (typeof value !== 'boolean') throw new AgentConfigError(param, 'must be a boolean');
  return value;
}

/** Copies an optional string field; empty strings count as absent. */
function optionalText<K extends string>(from: Obj, key: K, into: Partial<Record<K, string>>, prefix = 'agent'): void {
  const value = from[key];
  if (value === undefined || value === null) return;
  const s = text(value, `${prefix}.${key}`);
  if (s.trim() !== '') into[key] = s;
}
