/**
 * Builds a call's pipeline engine from its agent config and provider settings: Deepgram for STT,
 * the chat LLM of `llm_config.provider` (OpenAI, Mistral, xAI through one OpenAI-compatible
 * client), and the TTS of `tts_config.provider` (OpenAI speech, ElevenLabs, or the local voice,
 * which needs no key). A stage without a key gives no engine but a fault naming the stage
 * (`stt/no_api_key`, …), so the call apologises instead of starting silent.
 */
import type { AudioFormat } from '../../call/types.js';
import type { TimeSource } from '../../clock/time.js';
import type { ProviderSettings } from '../../protocol.js';
import { ChatClient, type ChatTool } from '../../providers/chat/stream.js';
import type { ChatProviderName } from '../../providers/chat/capabilities.js';
import { DeepgramLive, type DeepgramLiveOptions } from '../../providers/deepgram/live.js';
import { ElevenLabsTts } from '../../providers/elevenlabs/adapter.js';
import { OpenAISpeech } from '../../providers/openai-speech/adapter.js';
import type { TtsEngine } from '../../providers/tts.js';
import { LocalTts } from '../../speech/local-tts.js';
import type { AgentRuntimeConfig, AgentTtsConfig } from '../config.js';
import type { AgentEngine } from '../engine.js';
import type { ProviderFault } from '../failure.js';
import { providerEndpoint, sessionInstructions, sessionTools } from '../session-setup.js';
import { Conversation } from './conversation.js';
import { PipelineEngine } from './engine.js';

export { PipelineEngine } from './engine.js';

export interface PipelineOptions {
  llmTimeoutMs: number;
  ttsTimeoutMs: number;
  sttKeepAliveMs: number;
  connectTimeoutMs: number;
}

export interface PipelineDeps {
  time: TimeSource;
  now: () => number;
  pipeline: PipelineOptions;
}

export type PipelineSetup = { engine: AgentEngine; fault: null } | { engine: null; fault: ProviderFault };

export function createPipelineEngine(config: AgentRuntimeConfig, providers: ProviderSettings, format: AudioFormat, deps: PipelineDeps): PipelineSetup {
  const stt = config.stt;
  const tts = config.tts;
  if (!stt || !tts) return { engine: null, fault: { code: 'llm/bad_config', message: 'a pipeline agent needs stt and tts settings' } };
  const sttKey = providerEndpoint(providers, 'deepgram');
  const llmKey = providerEndpoint(providers, config.provider);
  const ttsKey = tts.provider === 'local' ? { apiKey: 'local' } : providerEndpoint(providers, tts.provider);
  const missing = ([['stt', sttKey, 'deepgram'], ['llm', llmKey, config.provider], ['tts', ttsKey, tts.provider]] as const).find(([, key]) => key.apiKey === null);
  if (missing) return { engine: null, fault: { code: `${missing[0]}/no_api_key`, message: `no API key for ${missing[2]}` } };
  const o = deps.pipeline;
  const deepgram = new DeepgramLive({
    apiKey: sttKey.apiKey as string,
    ...(sttKey.baseUrl !== undefined && { baseUrl: sttKey.baseUrl }),
    model: stt.model,
    language: stt.language,
    ...(stt.keyterms && { keyterms: stt.keyterms }),
    ...sttEncoding(format),
    endpointingMs: stt.turn.endpointingMs,
    utteranceEndMs: stt.turn.utteranceEndMs,
    connectTimeoutMs: o.connectTimeoutMs,
    keepAliveMs: o.sttKeepAliveMs,
  });
  const chat = new ChatClient({ provider: config.provider as ChatProviderName, apiKey: llmKey.apiKey as string, ...(llmKey.baseUrl !== undefined && { baseUrl: llmKey.baseUrl }) });
  const seed = config.seedMessages ?? [];
  const engine = new PipelineEngine({
    stt: deepgram,
    chat,
    tts: ttsEngine(tts, ttsKey as { apiKey: string; baseUrl?: string }, o),
    conversation: new Conversation(sessionInstructions(config), seed),
    tools: chatTools(config),
    model: config.model,
    ...(config.temperature !== undefined && { temperature: config.temperature }),
    ...(config.maxCompletionTokens !== undefined && { maxTokens: config.maxCompletionTokens }),
    turn: stt.turn,
    format,
    time: deps.time,
    now: deps.now,
    llmTimeoutMs: o.llmTimeoutMs,
    ttsTimeoutMs: o.ttsTimeoutMs,
  });
  return { engine, fault: null };
}

/** The leg's own audio, untouched: µ-law or A-law at 8 kHz, or PCM16 of an Opus leg. */
function sttEncoding(format: AudioFormat): Pick<DeepgramLiveOptions, 'encoding' | 'sampleRate'> {
  if (format.encoding === 'pcmu') return { encoding: 'mulaw', sampleRate: 8000 };
  if (format.encoding === 'pcma') return { encoding: 'alaw', sampleRate: 8000 };
  return { encoding: 'linear16', sampleRate: format.sampleRate };
}

function ttsEngine(tts: AgentTtsConfig, key: { apiKey: string; baseUrl?: string }, o: PipelineOptions): TtsEngine {
  switch (tts.provider) {
    case 'local':
      return new LocalTts(tts.voiceId);
    case 'openai':
      return new OpenAISpeech({
        apiKey: key.apiKey,
        ...(key.baseUrl !== undefined && { baseUrl: key.baseUrl }),
        voice: tts.voiceId,
        ...(tts.model !== undefined && { model: tts.model }),
        ...(tts.speed !== undefined && { speed: tts.speed }),
        firstByteTimeoutMs: o.ttsTimeoutMs,
      });
    case 'elevenlabs': {
      const settings = {
        ...(tts.stability !== undefined && { stability: tts.stability }),
        ...(tts.similarityBoost !== undefined && { similarity_boost: tts.similarityBoost }),
        ...(tts.style !== undefined && { style: tts.style }),
        ...(tts.useSpeakerBoost !== undefined && { use_speaker_boost: tts.useSpeakerBoost }),
        ...(tts.speed !== undefined && { speed: tts.speed }),
      };
      return new ElevenLabsTts({
        apiKey: key.apiKey,
        ...(key.baseUrl !== undefined && { baseUrl: key.baseUrl }),
        voiceId: tts.voiceId,
        ...(tts.model !== undefined && { model: tts.model }),
        ...(Object.keys(settings).length > 0 && { voiceSettings: settings }),
        connectTimeoutMs: o.connectTimeoutMs,
      });
    }
  }
}

/** The same tools a realtime session gets (custom functions, transfer_call, end_call), in chat shape. */
function chatTools(config: AgentRuntimeConfig): ChatTool[] {
  return sessionTools(config).map((t) => ({ type: 'function', function: { name: t.name, ...(t.description !== undefined && { description: t.description }), parameters: t.parameters } }));
}
