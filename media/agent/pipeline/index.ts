/** The STT → LLM → TTS pipeline engine (stub until the stages land). */
import type { AudioFormat } from '../../call/types.js';
import type { ProviderSettings } from '../../protocol.js';
import type { TimeSource } from '../../clock/time.js';
import type { AgentRuntimeConfig } from '../config.js';
import type { AgentEngine } from '../engine.js';
import type { ProviderFault } from '../failure.js';

export interface PipelineOptions {
  llmTimeoutMs: number;
  ttsTimeoutMs: number;
  sttKeepAliveMs: number;
  connectTimeoutMs: number;
}

export function createPipelineEngine(
  config: AgentRuntimeConfig,
  _providers: ProviderSettings,
  _format: AudioFormat,
  _deps: { time: TimeSource; now: () => number; pipeline: PipelineOptions },
): { engine: AgentEngine | null; fault: ProviderFault } {
  return { engine: null, fault: { code: 'llm/unsupported', message: `pipeline agents (${config.provider}) are not available yet` } };
}
