/**
 * Our `RealtimeSessionConfig` → xAI `session.update` payload (wire.ts sources).
 */
import { RealtimeProviderError } from '../errors.js';
import { audioFormatWire, stripUndefined } from '../openai/session-config.js';
import type { RealtimeAudioFormat, RealtimeSessionConfig, TurnDetectionConfig } from '../types.js';
import type { XaiSessionWire, XaiTurnDetectionWire } from './wire.js';

export const XAI_AUDIO_FORMATS: readonly RealtimeAudioFormat[] = ['pcmu', 'pcma', 'pcm16@8k', 'pcm16@16k', 'pcm16@24k', 'pcm16@48k'];

/**
 * xAI offers server VAD or none. Its server VAD always answers a finished turn and always yields
 * to a caller who barges in, so `createResponse`/`interruptResponse` have no wire field here.
 */
function xaiTurnDetection(td: TurnDetectionConfig | undefined): XaiTurnDetectionWire | null {
  if (td === null) return null;
  if (td === undefined) return { type: 'server_vad' };
  if (td.type !== 'server_vad') {
    throw new RealtimeProviderError('config_rejected', `turn detection ${td.type} is not supported by xAI`);
  }
  return stripUndefined<XaiTurnDetectionWire>({
    type: 'server_vad',
    threshold: td.threshold,
    prefix_padding_ms: td.prefixPaddingMs,
    silence_duration_ms: td.silenceDurationMs,
    idle_timeout_ms: td.idleTimeoutMs,
  });
}

export function buildXaiSession(config: RealtimeSessionConfig): XaiSessionWire {
  const t = config.transcription;
  const transcription =
    t === null || t === undefined || (t.language === undefined && t.keyterms === undefined)
      ? undefined
      : stripUndefined({ language_hint: t.language, keyterms: t.keyterms });
  return stripUndefined<XaiSessionWire>({
    instructions: config.instructions,
    voice: config.voice,
    turn_detection: xaiTurnDetection(config.turnDetection),
    audio: {
      input: stripUndefined({ format: audioFormatWire(config.inputFormat ?? 'pcmu', XAI_AUDIO_FORMATS), transcription }),
      output: stripUndefined({ format: audioFormatWire(config.outputFormat ?? 'pcmu', XAI_AUDIO_FORMATS), speed: config.speed }),
    },
    tools: (config.tools ?? []).map((tool) =>
      stripUndefined({ type: 'function' as const, name: tool.name, description: tool.description, parameters: tool.parameters }),
    ),
  });
}
