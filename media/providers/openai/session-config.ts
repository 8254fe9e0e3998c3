/**
 * Our `RealtimeSessionConfig` → OpenAI GA `session.update` payload (wire.ts sources). Audio config
 * lives under `session.audio.{input,output}`; `session.type` is required; `temperature` does not
 * exist in GA and is dropped.
 */
import { RealtimeProviderError } from '../errors.js';
import type { RealtimeAudioFormat, RealtimeSessionConfig, TurnDetectionConfig } from '../types.js';
import type { AudioFormatWire, OpenAISessionWire, SemanticVadWire, ServerVadWire } from './wire.js';

export const OPENAI_AUDIO_FORMATS: readonly RealtimeAudioFormat[] = ['pcmu', 'pcma', 'pcm16@24k'];
export const OPENAI_DEFAULT_TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

/** Maps our format name to the GA wire shape; refuses a format the vendor does not take. */
export function audioFormatWire(format: RealtimeAudioFormat, accepted: readonly RealtimeAudioFormat[]): AudioFormatWire {
  if (!accepted.includes(format)) {
    throw new RealtimeProviderError('config_rejected', `audio format ${format} is not supported by this provider`);
  }
  if (format === 'pcmu') return { type: 'audio/pcmu' };
  if (format === 'pcma') return { type: 'audio/pcma' };
  return { type: 'audio/pcm', rate: Number(format.slice('pcm16@'.length, -1)) * 1000 };
}

/** Turn detection in the GA shape; both flags default to true so barge-in works out of the box. */
export function turnDetectionWire(td: TurnDetectionConfig | undefined): ServerVadWire | SemanticVadWire | null {
  if (td === null) return null;
  if (td === undefined) return { type: 'server_vad', create_response: true, interrupt_response: true };
  if (td.type === 'semantic_vad') {
    return stripUndefined<SemanticVadWire>({
      type: 'semantic_vad',
      eagerness: td.eagerness,
      create_response: td.createResponse ?? true,
      interrupt_response: td.interruptResponse ?? true,
    });
  }
  return stripUndefined<ServerVadWire>({
    type: 'server_vad',
    threshold: td.threshold,
    prefix_padding_ms: td.prefixPaddingMs,
    silence_duration_ms: td.silenceDurationMs,
    idle_timeout_ms: td.idleTimeoutMs,
    create_response: td.createResponse ?? true,
    interrupt_response: td.interruptResponse ?? true,
  });
}

export function buildOpenAISession(config: RealtimeSessionConfig): OpenAISessionWire {
  const transcription =
    config.transcription === null
      ? undefined
      : stripUndefined({
          model: config.transcription?.model ?? OPENAI_DEFAULT_TRANSCRIPTION_MODEL,
          language: config.transcription?.language,
          prompt: config.transcription?.prompt,
        });
  return stripUndefined({
    type: 'realtime',
    instructions: config.instructions,
    output_modalities: ['audio'],
    audio: {
      input: stripUndefined({
        format: audioFormatWire(config.inputFormat ?? 'pcmu', OPENAI_AUDIO_FORMATS),
        transcription,
        turn_detection: turnDetectionWire(config.turnDetection),
      }),
      output: stripUndefined({
        format: audioFormatWire(config.outputFormat ?? 'pcmu', OPENAI_AUDIO_FORMATS),
        voice: config.voice,
        speed: config.speed,
      }),
    },
    tools: (config.tools ?? []).map((t) =>
      stripUndefined({ type: 'function' as const, name: t.name, description: t.description, parameters: t.parameters }),
    ),
    tool_choice: 'auto',
  });
}

/** Drops keys whose value is undefined so the payload carries only what we mean to set. */
export function stripUndefined<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) if (value !== undefined) out[key] = value;
  return out as T;
}
