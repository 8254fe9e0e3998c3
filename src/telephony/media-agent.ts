/**
 * The agent as the media worker runs it: the control plane's resolved agent (src/agents) mapped
 * onto the worker's `AgentRuntimeConfig` (media/agent), which travels in `call.start.agent`.
 * Pipeline agents (STT → LLM → TTS) are not runnable yet; `mediaAgentFor` says so instead of
 * starting a call that would stay silent.
 */
import type { AgentRuntimeConfig as ResolvedAgent } from '../agents/index.js';
import type { AgentRuntimeConfig, AgentTool } from '../../media/index.js';

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

export function mediaAgentFor(agent: ResolvedAgent, options: MediaAgentOptions): AgentRuntimeConfig {
  const provider = agent.llm.provider;
  if (provider !== 'openai_realtime' && provider !== 'xai_realtime') {
    throw new AgentNotRunnableError(`agents on the ${provider} pipeline (STT → LLM → TTS) cannot take calls yet; use xai_realtime or openai_realtime`);
  }
  const td = agent.llm.turnDetection;
  const firstMessage = options.firstMessage ?? agent.firstMessage;
  return {
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
  };
}
