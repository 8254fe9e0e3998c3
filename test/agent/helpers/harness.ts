/**
 * Drives the agent runtime as a media worker would: a fake `CallMedia` and `WorkerHost` around
 * `createAgentLogic`, against the fake realtime server over a real WebSocket.
 */
import { FakeTime } from '../../../media/clock/time.js';
import { createAgentLogic, type AgentLogicOptions, type AgentRuntimeConfig } from '../../../media/agent/index.js';
import type { CallLogic } from '../../../media/call/types.js';
import type { AudioCodecName, ProviderSettings } from '../../../media/protocol.js';
import { mulawUtterance, type Segment } from '../../fakes/audio.js';
import { FakeRealtimeServer, type FakeScript, type FakeServerOptions } from '../../fakes/realtime-server.js';
import { FakeCallMedia } from './fake-media.js';
import { FakeHost } from './fake-host.js';

export interface Flavour {
  provider: 'openai_realtime' | 'xai_realtime';
  model: string;
  voice: string;
}

export const FLAVOURS: Flavour[] = [
  { provider: 'openai_realtime', model: 'gpt-realtime', voice: 'marin' },
  { provider: 'xai_realtime', model: 'grok-voice-latest', voice: 'ara' },
];
export const OPENAI = FLAVOURS[0];
export const XAI = FLAVOURS[1];

export const LOOKUP_TOOL = {
  type: 'function' as const,
  name: 'lookup_contact',
  description: 'Find a contact by name',
  parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};

export function agentConfig(flavour: Flavour, over: Partial<AgentRuntimeConfig> = {}): AgentRuntimeConfig {
  return {
    provider: flavour.provider,
    model: flavour.model,
    voice: flavour.voice,
    instructions: 'You are a friendly test agent.',
    tools: [],
    voicemail: { enabled: false, message: null },
    silence: { enabled: false, firstCheckMs: 7000, intervalMs: 12_000, maxPrompts: 3 },
    direction: 'inbound',
    ...over,
  };
}

const SAY = /^Say exactly the following text, word for word, and nothing else: "([\s\S]*)"$/;

/** Speaks `say()` texts as themselves and other instructions as a short fixed line. */
export function speakingScript(extra: FakeScript = {}): FakeScript {
  return {
    onInstructions: (instructions) => {
      const said = SAY.exec(instructions);
      return said ? { text: said[1] } : { text: 'Are you still there?' };
    },
    ...extra,
  };
}

export interface HarnessOptions {
  config?: Partial<AgentRuntimeConfig>;
  server?: FakeServerOptions;
  codec?: AudioCodecName;
  /** Drive the runtime's timers by hand. */
  time?: FakeTime;
  providers?: ProviderSettings;
  options?: AgentLogicOptions;
}

export class AgentHarness {
  private constructor(
    readonly flavour: Flavour,
    readonly server: FakeRealtimeServer,
    readonly media: FakeCallMedia,
    readonly host: FakeHost,
    readonly logic: CallLogic,
    readonly config: AgentRuntimeConfig,
  ) {}

  /** Creates the logic and runs `start()` (the session connects, as while the phone rings). */
  static async start(flavour: Flavour, opts: HarnessOptions = {}): Promise<AgentHarness> {
    return AgentHarness.startWith(flavour, () => {}, opts);
  }

  /** Like `start`, with `arm` run on the fake before the session connects (e.g. `failNext`). */
  static async startWith(flavour: Flavour, arm: (server: FakeRealtimeServer) => void, opts: HarnessOptions = {}): Promise<AgentHarness> {
    const server = await FakeRealtimeServer.start({ pingIntervalMs: 0, script: speakingScript(), ...opts.server });
    arm(server);
    const media = new FakeCallMedia(opts.codec ?? 'PCMU');
    const host = new FakeHost();
    const config = agentConfig(flavour, opts.config);
    const vendor = flavour.provider === 'openai_realtime' ? 'openai' : 'xai';
    const providers = opts.providers ?? { [vendor]: { apiKey: server.apiKey, baseUrl: server.baseUrl } };
    const start = { type: 'call.start' as const, callId: host.callId, direction: config.direction, remote: null, agent: config, providers };
    const logic = createAgentLogic(media, start, host, { time: opts.time, options: { watchdogMs: 0, ...opts.options } });
    const harness = new AgentHarness(flavour, server, media, host, logic, config);
    await logic.start?.();
    return harness;
  }

  answer(): void {
    this.logic.answered?.();
  }

  /** The caller says something: speech, then enough silence for the model to end the turn. */
  say(segments: Segment[] = [{ speech: 600 }, { silence: 800 }]): void {
    this.media.speak(mulawUtterance(segments));
  }

  serverCount(type: string): number {
    return this.server.serverEvents.filter((e) => e.type === type).length;
  }

  clientCount(type: string): number {
    return this.server.eventsOfType(type).length;
  }

  /** Waits until the runtime reported `n` final agent turns (each comes after its response's audio). */
  async agentTurns(n: number, timeoutMs = 5000): Promise<void> {
    await until(() => this.finalTurns('assistant').length >= n, timeoutMs, `${n} agent turns`);
  }

  finalTurns(role: 'user' | 'assistant'): string[] {
    return this.host.eventsOf('transcript').filter((e) => e.final && e.role === role).map((e) => e.text);
  }

  /** Total agent audio the playout accepted, bytes. */
  queuedBytes(itemId?: string): number {
    return this.media.queued.filter((q) => q.accepted && (itemId === undefined || q.itemId === itemId)).reduce((n, q) => n + q.bytes, 0);
  }

  /** Audio bytes the fake streamed for `itemId` (or in total). */
  streamedBytes(itemId?: string): number {
    return this.server.deltas.filter((d) => itemId === undefined || d.itemId === itemId).reduce((n, d) => n + d.bytes, 0);
  }

  async close(): Promise<ReturnType<CallLogic['close']>> {
    const result = await this.logic.close('stopped');
    await this.server.close();
    return result;
  }
}

export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
