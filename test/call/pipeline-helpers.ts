/**
 * Pipeline call tests: the whole engine (test/call/engine.ts) with every pipeline provider
 * pointed at its fake — Deepgram, the chat-completions fake in the vendor's style, OpenAI speech,
 * ElevenLabs. `OPENAI_BASE_URL` serves both chat completions and speech, so a small router in
 * front of the two fakes forwards by path. `ended` collects each call's `call.ended` from the
 * media pool (latency waterfall, agentReached) and `hangups` the worker's hang-up requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallEnded, WorkerToMain } from '../../media/index.js';
import { FakeChatCompletions, type ChatStyle } from '../fakes/chat-completions.js';
import { FakeDeepgramServer, type FakeDeepgramOptions } from '../fakes/deepgram-server.js';
import { FakeElevenLabs } from '../fakes/elevenlabs-server.js';
import { FakeOpenAISpeech, type FakeSpeechOptions } from '../fakes/openai-speech-server.js';
import { PROVIDER_KEY, startTestEngine, type TestEngine } from './engine.js';

export interface PipelineFakes {
  engine: TestEngine;
  deepgram: FakeDeepgramServer;
  chat: Record<ChatStyle, FakeChatCompletions>;
  speech: FakeOpenAISpeech;
  elevenlabs: FakeElevenLabs;
  ended: CallEnded[];
  hangups: Array<Extract<WorkerToMain, { type: 'call.hangup-request' }>>;
  close(): Promise<void>;
}

/** Forwards `/v1/audio/*` to the speech fake and everything else to the chat fake. */
async function openAiRouter(chat: FakeChatCompletions, speech: FakeOpenAISpeech): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const target = (path: string): URL => new URL(path.startsWith('/v1/audio/') ? speech.baseUrl : chat.baseUrl);
  const server = http.createServer((req, res) => {
    const to = target(req.url ?? '/');
    const upstream = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface PipelineEngineOptions {
  deepgram?: FakeDeepgramOptions;
  speech?: FakeSpeechOptions;
  /** Extra or replaced environment (e.g. `OPENAI_API_KEY: ''` for a keyless TTS test). */
  env?: Record<string, string>;
}

export async function startPipelineEngine(options: PipelineEngineOptions = {}): Promise<PipelineFakes> {
  const deepgram = await FakeDeepgramServer.start({ apiKey: PROVIDER_KEY, ...options.deepgram });
  const chat = {
    openai: await FakeChatCompletions.start({ style: 'openai', apiKey: PROVIDER_KEY }),
    mistral: await FakeChatCompletions.start({ style: 'mistral', apiKey: PROVIDER_KEY }),
    xai: await FakeChatCompletions.start({ style: 'xai', apiKey: PROVIDER_KEY }),
  };
  const speech = await FakeOpenAISpeech.start({ apiKey: PROVIDER_KEY, ...options.speech });
  const elevenlabs = await FakeElevenLabs.start({ apiKey: PROVIDER_KEY });
  const router = await openAiRouter(chat.openai, speech);
  const engine = await startTestEngine({
    env: {
      OPENAI_BASE_URL: router.baseUrl,
      MISTRAL_BASE_URL: chat.mistral.baseUrl,
      MISTRAL_API_KEY: PROVIDER_KEY,
      XAI_BASE_URL: chat.xai.baseUrl,
      DEEPGRAM_BASE_URL: deepgram.baseUrl,
      DEEPGRAM_API_KEY: PROVIDER_KEY,
      ELEVENLABS_BASE_URL: elevenlabs.baseUrl,
      ELEVENLABS_API_KEY: PROVIDER_KEY,
      ...options.env,
    },
  });
  const ended: CallEnded[] = [];
  const hangups: PipelineFakes['hangups'] = [];
  engine.telephony.ownerDeps.pool.on('message', (msg: WorkerToMain) => {
    if (msg.type === 'call.ended') ended.push(msg);
    if (msg.type === 'call.hangup-request') hangups.push(msg);
  });
  return {
    engine,
    deepgram,
    chat,
    speech,
    elevenlabs,
    ended,
    hangups,
    async close() {
      await engine.close();
      await router.close();
      await Promise.all([deepgram.close(), chat.openai.close(), chat.mistral.close(), chat.xai.close(), speech.close(), elevenlabs.close()]);
    },
  };
}

/** A pipeline agent on `llm` (chat style) and `tts`, with webhooks to the fake receiver. */
export function pipelineAgent(llm: ChatStyle, tts: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `Pipeline ${llm}`,
    llm_config: { provider: llm, messages: [{ role: 'system', content: 'You are a shop assistant.' }], ...(extra.llm_config as object) },
    stt_config: { provider: 'deepgram', language: 'en' },
    tts_config: tts,
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'llm_config')),
  };
}
