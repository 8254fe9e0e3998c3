/**
 * xAI Grok Voice Agent as a small variation of the OpenAI GA adapter (the LiveKit Agents JS
 * pattern): same events and socket handling, xAI's session shape, base URL and capabilities.
 * Differences the base class already absorbs: the first event is `conversation.created`, the server
 * sends `ping`, usage may be empty or at the top level of `response.done`.
 */
import { OpenAIRealtimeSession } from '../openai/adapter.js';
import type { RealtimeCapabilities, RealtimeProviderName, RealtimeSessionConfig } from '../types.js';
import { buildXaiSession, XAI_AUDIO_FORMATS } from './session-config.js';

export const XAI_DEFAULT_BASE_URL = 'https://api.x.ai/v1';
export const XAI_DEFAULT_MODEL = 'grok-voice-latest';

export const XAI_CAPABILITIES: RealtimeCapabilities = Object.freeze({
  // Unverified in xAI's documentation (wire.ts): the runtime flushes locally and cancels instead.
  truncate: false,
  // Billed per minute; `usage` is often empty.
  tokenUsage: false,
  serverVad: true,
  semanticVad: false,
  temperature: false,
  audioFormats: XAI_AUDIO_FORMATS,
});

export class XaiRealtimeSession extends OpenAIRealtimeSession {
  override readonly provider: RealtimeProviderName = 'xai_realtime';
  override readonly capabilities: RealtimeCapabilities = XAI_CAPABILITIES;

  protected override buildSessionPayload(config: RealtimeSessionConfig): Record<string, unknown> {
    return buildXaiSession(config) as unknown as Record<string, unknown>;
  }

  protected override defaultBaseUrl(): string {
    return XAI_DEFAULT_BASE_URL;
  }
}
