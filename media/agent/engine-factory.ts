/**
 * One place decides which engine a call runs and whether it can run at all: the agent's mode
 * (realtime or pipeline) and the keys of the providers it needs. A missing key is not an
 * exception: the call gets no engine and a fault, and the runtime apologises at answer.
 */
import type { TimeSource } from '../clock/time.js';
import type { CallMedia, CallStart } from '../call/types.js';
import { createRealtimeSession, type RealtimeAudioFormat } from '../providers/index.js';
import type { AgentRuntimeConfig } from './config.js';
import type { AgentEngine } from './engine.js';
import type { ProviderFault } from './failure.js';
import { createPipelineEngine, type PipelineOptions } from './pipeline/index.js';
import { RealtimeEngine } from './realtime-engine.js';
import { providerEndpoint, sessionAudioFormat, sessionConfig } from './session-setup.js';

export interface EngineSetup {
  engine: AgentEngine | null;
  /** Why there is no engine (a missing key), reported at answer. */
  fault: ProviderFault | null;
  /** The engine's input/output format; the bridge converts G.711 laws when it differs from the leg. */
  format: RealtimeAudioFormat;
}

export interface EngineDeps {
  time: TimeSource;
  now: () => number;
  connectTimeoutMs: number;
  /** Realtime input batching (AgentLogicOptions `inputBatchMs`, `inputQuietMarginMs`). */
  input?: { batchMs: number; quietMarginMs: number };
  pipeline: PipelineOptions;
}

/** The provider's default `silence_duration_ms` for server VAD, when the agent sets none. */
const DEFAULT_SILENCE_DURATION_MS = 500;

/** The provider cannot take the call's audio format: the worker answers `call.start-failed`. */
export class AgentStartError extends Error {
  readonly code = 'media/bad-request' as const;
}

export function createEngine(config: AgentRuntimeConfig, start: CallStart, media: CallMedia, deps: EngineDeps): EngineSetup {
  if (config.mode === 'pipeline') {
    const setup = createPipelineEngine(config, start.providers, media.agentFormat, deps);
    if (setup.engine === null) return { engine: null, fault: setup.fault, format: 'pcmu' };
    return { engine: setup.engine, fault: null, format: checkedFormat(config, media, setup.engine) };
  }
  const provider = config.provider as 'openai_realtime' | 'xai_realtime';
  const endpoint = providerEndpoint(start.providers, provider);
  if (endpoint.apiKey === null) return { engine: null, fault: { code: 'provider/no_api_key', message: `no API key for ${provider}` }, format: 'pcmu' };
  let format: RealtimeAudioFormat = 'pcmu';
  const session = createRealtimeSession(provider, {
    apiKey: endpoint.apiKey,
    ...(endpoint.baseUrl === undefined ? {} : { baseUrl: endpoint.baseUrl }),
    config: sessionConfig(config, 'pcmu'),
    connectTimeoutMs: deps.connectTimeoutMs,
    ...(deps.input === undefined
      ? {}
      : {
          appendBatchMs: Math.max(20, deps.input.batchMs),
          immediateAfterVoiceMs: (config.turnDetection?.silenceDurationMs ?? DEFAULT_SILENCE_DURATION_MS) + deps.input.quietMarginMs,
        }),
  });
  const engine = new RealtimeEngine(session, () => sessionConfig(config, format), deps.now);
  format = checkedFormat(config, media, engine);
  return { engine, fault: null, format };
}

function checkedFormat(config: AgentRuntimeConfig, media: CallMedia, engine: AgentEngine): RealtimeAudioFormat {
  const format = sessionAudioFormat(media.agentFormat, engine.capabilities);
  if (format !== null) return format;
  const { encoding, sampleRate } = media.agentFormat;
  throw new AgentStartError(`${config.provider} does not take the call's audio (${encoding} at ${sampleRate} Hz)`);
}
