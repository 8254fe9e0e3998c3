/**
 * One entry point for the agent runtime: a provider name from the agent config in, a
 * `RealtimeSession` out. The session is created closed; call `open()` while the phone rings and
 * `configure()` once the (possibly overridden) agent config is final, or `connect()` for both.
 */
import { OpenAIRealtimeSession } from './openai/adapter.js';
import type { RealtimeProviderName, RealtimeSession, RealtimeSessionOptions } from './types.js';
import { XaiRealtimeSession } from './xai/adapter.js';

export function createRealtimeSession(provider: RealtimeProviderName, options: RealtimeSessionOptions): RealtimeSession {
  switch (provider) {
    case 'openai_realtime':
      return new OpenAIRealtimeSession(options);
    case 'xai_realtime':
      return new XaiRealtimeSession(options);
    default: {
      const unknown: never = provider;
      throw new TypeError(`unknown realtime provider: ${String(unknown)}`);
    }
  }
}
