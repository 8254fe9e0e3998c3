/**
 * From an agent config to a realtime session: which key and base URL, which audio format, and
 * the session config (instructions, voice, tools with the built-ins as function tools, server VAD
 * that answers and yields by itself, caller transcription). Pure functions; the runtime branches
 * on capabilities only (STYLE §8).
 */
import type { AudioFormat } from '../call/types.js';
import type { ProviderSettings } from '../protocol.js';
import type { RealtimeAudioFormat, RealtimeSessionConfig, RealtimeToolDefinition, TurnDetectionConfig } from '../providers/index.js';
import { END_CALL_TOOL, TRANSFER_CALL_TOOL, type AgentRuntimeConfig, type AgentTransferDestination } from './config.js';

/** The vendor whose key serves each realtime provider (BYOK keys are stored per vendor). */
const VENDOR: Record<string, string> = { openai_realtime: 'openai', xai_realtime: 'xai' };

export interface ProviderEndpoint {
  apiKey: string | null;
  baseUrl?: string;
}

/** `providers.openai_realtime` (or `.xai_realtime`) wins over the vendor entry (`openai`, `xai`). */
export function providerEndpoint(settings: ProviderSettings, provider: string): ProviderEndpoint {
  const specific = settings[provider];
  const vendor = settings[VENDOR[provider] ?? provider];
  const apiKey = specific?.apiKey ?? vendor?.apiKey ?? null;
  const baseUrl = specific?.baseUrl ?? vendor?.baseUrl;
  return baseUrl === undefined ? { apiKey: apiKey || null } : { apiKey: apiKey || null, baseUrl };
}

/**
 * The session's audio format: the logic's own format when the provider takes it (on G.711 legs
 * nothing is transcoded, DESIGN §8; Opus legs hand the logic PCM16 at 24 kHz), else the other
 * G.711 law with a byte-wise conversion in the bridge; null when the provider takes neither.
 */
export function sessionAudioFormat(format: AudioFormat, capabilities: { readonly audioFormats: readonly RealtimeAudioFormat[] }): RealtimeAudioFormat | null {
  const accepted = capabilities.audioFormats;
  if (format.encoding === 'pcm16') {
    const pcm = `pcm16@${format.sampleRate / 1000}k` as RealtimeAudioFormat;
    return accepted.includes(pcm) ? pcm : null;
  }
  if (accepted.includes(format.encoding)) return format.encoding;
  const other = format.encoding === 'pcmu' ? 'pcma' : 'pcmu';
  return accepted.includes(other) ? other : null;
}

export const END_CALL_DESCRIPTION =
  'End the phone call. Call this only when the conversation is over: after you said goodbye, ' +
  'when the caller asks to hang up, or when you were told to end the call. Say your goodbye first.';

/** The built-in and custom tools as the model sees them. */
export function sessionTools(config: AgentRuntimeConfig): RealtimeToolDefinition[] {
  const tools: RealtimeToolDefinition[] = [];
  for (const tool of config.tools) {
    if (tool.type === 'function') tools.push({ name: tool.name, description: tool.description, parameters: tool.parameters });
    else if (tool.type === 'transferCall') tools.push(transferTool(tool.destinations));
  }
  // B §5.3: silence handling adds end_call when the agent does not have it.
  if (config.tools.some((t) => t.type === 'endCall') || config.silence.enabled) {
    tools.push({ name: END_CALL_TOOL, description: END_CALL_DESCRIPTION, parameters: { type: 'object', properties: {} } });
  }
  return tools;
}

function transferTool(destinations: AgentTransferDestination[]): RealtimeToolDefinition {
  const lines = destinations.map((d) => `- ${d.destination}${d.description ? `: ${d.description}` : ''}`);
  return {
    name: TRANSFER_CALL_TOOL,
    description:
      'Transfer the caller to another person or department. Use it when the caller asks for a person ' +
      'or when the request is outside what you can handle. Tell the caller you are transferring them ' +
      `first. Destinations:\n${lines.join('\n')}`,
    parameters: {
      type: 'object',
      properties: {
        destination: {
          type: 'string',
          enum: destinations.map((d) => d.destination),
          description: 'The destination to transfer to, exactly as listed.',
        },
      },
      required: ['destination'],
    },
  };
}

function turnDetection(config: AgentRuntimeConfig): TurnDetectionConfig {
  const td = config.turnDetection ?? {};
  // Server VAD answers a finished turn and yields to a caller who barges in (sip-media.md §4.5).
  return {
    type: 'server_vad',
    ...(td.threshold === undefined ? {} : { threshold: td.threshold }),
    ...(td.prefixPaddingMs === undefined ? {} : { prefixPaddingMs: td.prefixPaddingMs }),
    ...(td.silenceDurationMs === undefined ? {} : { silenceDurationMs: td.silenceDurationMs }),
    ...(td.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: td.idleTimeoutMs }),
    createResponse: true,
    interruptResponse: true,
  };
}

export function sessionInstructions(config: AgentRuntimeConfig): string {
  const parts = [config.instructions.trim()];
  if (config.context?.trim()) parts.push(`Context for this call:\n${config.context.trim()}`);
  return parts.filter((p) => p !== '').join('\n\n');
}

export function sessionConfig(config: AgentRuntimeConfig, format: RealtimeAudioFormat): RealtimeSessionConfig {
  const out: RealtimeSessionConfig = {
    model: config.model,
    instructions: sessionInstructions(config),
    tools: sessionTools(config),
    turnDetection: turnDetection(config),
    inputFormat: format,
    outputFormat: format,
    transcription: config.language === undefined ? {} : { language: config.language },
  };
  if (config.voice !== undefined) out.voice = config.voice;
  if (config.temperature !== undefined) out.temperature = config.temperature;
  return out;
}
