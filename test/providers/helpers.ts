/** Shared helpers of the provider tests. */
import { createRealtimeSession } from '../../media/providers/index.js';
import type {
  RealtimeEventMap,
  RealtimeEventName,
  RealtimeProviderName,
  RealtimeSession,
  RealtimeSessionConfig,
  RealtimeSessionOptions,
} from '../../media/providers/index.js';
import { mulawUtterance, sliceFrames } from '../fakes/audio.js';
import type { Segment } from '../fakes/audio.js';
import type { FakeRealtimeServer } from '../fakes/realtime-server.js';

export interface Flavour {
  provider: RealtimeProviderName;
  model: string;
  voice: string;
}

export const FLAVOURS: Flavour[] = [
  { provider: 'openai_realtime', model: 'gpt-realtime', voice: 'marin' },
  { provider: 'xai_realtime', model: 'grok-voice-latest', voice: 'ara' },
];

export const LOOKUP_TOOL = {
  name: 'lookup_contact',
  description: 'Find a contact by name',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};

export function makeSession(
  flavour: Flavour,
  server: FakeRealtimeServer,
  config: Partial<RealtimeSessionConfig> = {},
  options: Partial<RealtimeSessionOptions> = {},
): RealtimeSession {
  return createRealtimeSession(flavour.provider, {
    apiKey: server.apiKey,
    baseUrl: server.baseUrl,
    connectTimeoutMs: 3000,
    config: { model: flavour.model, voice: flavour.voice, instructions: 'You are a test agent.', tools: [LOOKUP_TOOL], ...config },
    ...options,
  });
}

/** Every event a session emits, in order, by name. */
export class EventLog {
  readonly all: Array<{ type: RealtimeEventName; event: unknown }> = [];

  constructor(session: RealtimeSession) {
    const names: RealtimeEventName[] = [
      'audio', 'audio-done', 'speech-started', 'speech-stopped', 'transcript', 'tool-call',
      'response-started', 'response-done', 'truncated', 'error', 'closed',
    ];
    for (const type of names) session.on(type, (event) => this.all.push({ type, event }));
  }

  of<K extends RealtimeEventName>(type: K): Array<RealtimeEventMap[K]> {
    return this.all.filter((e) => e.type === type).map((e) => e.event as RealtimeEventMap[K]);
  }

  /** Resolves with the first event of `type` (already seen or future) matching `predicate`. */
  async next<K extends RealtimeEventName>(
    type: K,
    predicate: (e: RealtimeEventMap[K]) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<RealtimeEventMap[K]> {
    let found: RealtimeEventMap[K] | undefined;
    await until(() => {
      found = this.of(type).find(predicate);
      return found !== undefined;
    }, timeoutMs, `no ${type} event`);
    return found as RealtimeEventMap[K];
  }
}

export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Appends an utterance as 20 ms µ-law frames, as fast as the event loop allows. */
export function speak(session: RealtimeSession, segments: Segment[]): Uint8Array {
  const audio = mulawUtterance(segments);
  for (const frame of sliceFrames(audio)) session.appendAudio(frame);
  return audio;
}

/** Rejection of a promise within `ms`, or a failure saying it hung. */
export async function rejectionOf(promise: Promise<unknown>, ms = 5000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, hang]);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('still pending')) throw err;
    return err;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a rejection, got a resolution');
}
