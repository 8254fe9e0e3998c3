/**
 * The agent as the media worker runs it: the control plane's resolved agent (src/agents) mapped
 * onto the worker's `AgentRuntimeConfig` (media/agent), which travels in `call.start.agent`.
 * Realtime agents and pipeline agents (STT → LLM → TTS) both run; whether a call can run is then
 * decided once, by the keys of `agent.keyProviders` (inbound.ts), and in the worker by the same
 * rule per stage.
 */
import { TURN_TAKING_FIELDS, type AgentRuntimeConfig as ResolvedAgent, type SttConfig, type TtsConfig } from '../agents/index.js';
import type { AgentRuntimeConfig, AgentSttConfig, AgentTool, AgentTtsConfig } from '../../media/index.js';

export class AgentNotRunnableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentNotRunnableError';
  }
}

function tools(agent: ResolvedAgent): AgentTool[] {
  const list: AgentTool[] = agent.tools.functions.map((f) => ({ type: 'function', name: f.name, description: f.description, parameters: f.parameters }));
  if (agent.tools.endCall) list.push({ type: 'endCall' });
  if (agent.tools.transfer) {
    list.push({
      type: 'transferCall',
      destinations: agent.tools.transfer.map((d) => ({
        destination: d.type === 'number' ? d.number : d.sipUri,
        ...(d.description !== undefined && { description: d.description }),
        ...(d.message !== undefined && { message: d.message }),
      })),
    });
  }
  return list;
}

export interface MediaAgentOptions {
  direction: 'inbound' | 'outbound';
  /** Extra context of an outbound call request. */
  context?: string;
  /** Replaces the agent's first message (outbound `first_message`). */
  firstMessage?: string | null;
}

/** `stt_config.<field>_ms` → the worker's camelCase turn-taking setting. */
const TURN_KEYS: Record<(typeof TURN_TAKING_FIELDS)[number], keyof AgentSttConfig['turn']> = {
  endpointing_ms: 'endpointingMs',
  utterance_end_ms: 'utteranceEndMs',
  on_punctuation_ms: 'onPunctuationMs',
  on_number_ms: 'onNumberMs',
  on_no_punctuation_ms: 'onNoPunctuationMs',
  min_end_of_turn_ms: 'minEndOfTurnMs',
  max_end_of_turn_ms: 'maxEndOfTurnMs',
  interruption_min_speech_ms: 'interruptionMinSpeechMs',
  interruption_min_words: 'interruptionMinWords',
  false_interruption_ms: 'falseInterruptionMs',
};

/** Omitted settings are filled with the worker's defaults (`parseAgentConfig`). */
function sttFor(stt: SttConfig): Omit<AgentSttConfig, 'turn'> & { turn: Partial<AgentSttConfig['turn']> } {
  const turn: Partial<AgentSttConfig['turn']> = {};
  for (const field of TURN_TAKING_FIELDS) if (stt[field] !== undefined) turn[TURN_KEYS[field]] = stt[field];
  return { provider: stt.provider, model: stt.model, language: stt.language, ...(stt.keyterms && { keyterms: stt.keyterms }), turn };
}

function ttsFor(tts: TtsConfig): AgentTtsConfig {
  return {
    provider: tts.provider,
    voiceId: tts.voiceId,
    ...(tts.model !== undefined && { model: tts.model }),
    ...(tts.stability !== undefined && { stability: tts.stability }),
    ...(tts.similarity_boost !== undefined && { similarityBoost: tts.similarity_boost }),
    ...(tts.style !== undefined && { style: tts.style }),
    ...(tts.use_speaker_boost !== undefined && { useSpeakerBoost: tts.use_speaker_boost }),
    ...(tts.speed !== undefined && { speed: tts.speed }),
  };
}

export function mediaAgentFor(agent: ResolvedAgent, options: MediaAgentOptions): AgentRuntimeConfig {
  const provider = agent.llm.provider;
  if (agent.mode === 'pipeline' && (!agent.stt || !agent.tts)) {
    throw new AgentNotRunnableError(`the ${provider} pipeline agent has no stt_config or tts_config`);
  }
  const td = agent.llm.turnDetection;
  const firstMessage = options.firstMessage ?? agent.firstMessage;
  const pipeline =
    agent.mode === 'pipeline' && agent.stt && agent.tts
      ? {
          stt: sttFor(agent.stt) as AgentSttConfig,
          tts: ttsFor(agent.tts),
          language: agent.stt.language,
          ...(agent.llm.maxCompletionTokens !== undefined && { maxCompletionTokens: agent.llm.maxCompletionTokens }),
          seedMessages: agent.messages.filter((m): m is { role: 'user' | 'assistant'; content: string } => m.role !== 'system'),
        }
      : {};
  return {
    mode: agent.mode,
    provider,
    model: agent.llm.model,
    ...(agent.llm.voice !== undefined && { voice: agent.llm.voice }),
    instructions: agent.instructions,
    temperature: agent.llm.temperature,
    ...(td && {
      turnDetection: {
        ...(td.threshold !== undefined && { threshold: td.threshold }),
        ...(td.prefix_padding_ms !== undefined && { prefixPaddingMs: td.prefix_padding_ms }),
        ...(td.silence_duration_ms !== undefined && { silenceDurationMs: td.silence_duration_ms }),
        ...(td.idle_timeout_ms !== undefined && { idleTimeoutMs: td.idle_timeout_ms }),
      },
    }),
    tools: tools(agent),
    ...(firstMessage ? { firstMessage } : {}),
    voicemail: { enabled: agent.voicemail.detection && options.direction === 'outbound', message: agent.voicemail.message },
    silence: {
      enabled: agent.silence.autonomous,
      firstCheckMs: (agent.silence.timeoutSeconds ?? 7) * 1000,
      intervalMs: 12_000,
      maxPrompts: 3,
    },
    ...(options.context ? { context: options.context } : {}),
    direction: options.direction,
    ...pipeline,
  };
}
