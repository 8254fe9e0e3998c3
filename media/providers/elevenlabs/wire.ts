/**
 * ElevenLabs text to speech over the multi-context WebSocket
 * (`/v1/text-to-speech/{voice_id}/multi-stream-input`; research/pipeline.md §2.2,
 * elevenlabs.io/docs/api-reference/websocket). One socket per call; one context per agent reply,
 * so a barge-in closes one context and the next reply reuses the warm socket.
 */
export const ELEVENLABS_DEFAULT_BASE_URL = 'https://api.elevenlabs.io';
export const ELEVENLABS_DEFAULT_MODEL = 'eleven_flash_v2_5';
export const ELEVENLABS_OUTPUT_FORMAT = 'ulaw_8000';

export interface VoiceSettingsWire {
  stability?: number;
  similarity_boost?: number;
  style?: number;
  use_speaker_boost?: boolean;
  speed?: number;
}

/** Client → server. The first message of a context is `{text: " ", context_id, voice_settings}`. */
export type ClientMessageWire =
  | { text: string; context_id: string; voice_settings?: VoiceSettingsWire; flush?: boolean }
  | { context_id: string; flush: true }
  | { context_id: string; close_context: true }
  | { text: '' }
  | { close_socket: true };

export interface AlignmentWire {
  chars?: string[];
  charStartTimesMs?: number[];
  charsStartTimesMs?: number[];
  charsDurationsMs?: number[];
  charDurationsMs?: number[];
}

/** Server → client: audio of a context (base64 µ-law), then `isFinal` when the context is done. */
export interface ServerMessageWire {
  audio?: string | null;
  isFinal?: boolean | null;
  contextId?: string;
  context_id?: string;
  alignment?: AlignmentWire | null;
  normalizedAlignment?: AlignmentWire | null;
  error?: string;
  message?: string;
}
