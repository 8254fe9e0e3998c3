/**
 * xAI Grok Voice Agent API — where its wire format differs from OpenAI GA. It "speaks the OpenAI
 * Realtime event names with xAI's own session shape", so the event names come from
 * ../openai/wire.ts and only the session shape and the xAI-only events are here.
 *
 * Sources (checked for this file):
 * - https://docs.x.ai/docs/guides/voice/agent — endpoint `wss://api.x.ai/v1/realtime`, Bearer auth,
 *   `session.update {voice, instructions, turn_detection: {type: "server_vad"}}` (turn detection at
 *   the top level of `session`), formats `audio/pcm` (8–48 kHz), `audio/pcmu`, `audio/pcma` (8 kHz),
 *   voices Ara, Eve, Leo, Rex, Sal (case-insensitive), first server event `conversation.created`.
 * - pipecat-ai/pipecat `src/pipecat/services/xai/realtime/events.py` (Grok event models):
 *   `turn_detection {type: "server_vad"|null, threshold 0.1–0.9 (server default 0.85),
 *   prefix_padding_ms (default 333), silence_duration_ms, idle_timeout_ms}`;
 *   `audio.input.transcription {language_hint, keyterms}`; `audio.output.speed`; `reasoning.effort`;
 *   tools `{type: "function", name, description, parameters}` plus web_search/x_search/file_search;
 *   server `ping {timestamp}`; `usage` may be empty and also appears at the top level of
 *   `response.done`. Its Grok service notes that truncation "may not be supported", and no xAI
 *   document lists `conversation.item.truncate`: the adapter declares `truncate: false`.
 * - research/sip-media.md §4.10.
 */
import type { AudioFormatWire, FunctionToolWire } from '../openai/wire.js';

export interface XaiTurnDetectionWire {
  type: 'server_vad';
  threshold?: number;
  prefix_padding_ms?: number;
  silence_duration_ms?: number;
  idle_timeout_ms?: number | null;
}

/** `session` of an xAI `session.update`. No `type`, no `output_modalities`, voice at the top. */
export interface XaiSessionWire {
  instructions?: string;
  voice?: string;
  turn_detection?: XaiTurnDetectionWire | null;
  audio?: {
    input?: { format?: AudioFormatWire; transcription?: { language_hint?: string; keyterms?: string[] } };
    output?: { format?: AudioFormatWire; speed?: number };
  };
  tools?: FunctionToolWire[];
}

/** Voices documented by xAI; the API accepts others (custom voices), so this is advisory. */
export const XAI_VOICES = ['ara', 'eve', 'leo', 'rex', 'sal'] as const;
