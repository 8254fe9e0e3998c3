/**
 * Pipeline benchmark provider process (`fork`): the Deepgram, chat-completions (Mistral style, so
 * it has its own base URL) and OpenAI speech fakes with the fixed delays of the density steps.
 * IPC: → listening{deepgram, chat, speech, key}; cpu → cpu{usage}.
 */
import { FakeChatCompletions } from '../../fakes/chat-completions.js';
import { FakeDeepgramServer } from '../../fakes/deepgram-server.js';
import { FakeOpenAISpeech } from '../../fakes/openai-speech-server.js';

const KEY = 'bench-key';
const deepgram = await FakeDeepgramServer.start({ apiKey: KEY, idleTimeoutMs: 60_000 });
const chat = await FakeChatCompletions.start({ style: 'mistral', apiKey: KEY, firstTokenDelayMs: 200, chunkDelayMs: 15 });
const speech = await FakeOpenAISpeech.start({ apiKey: KEY, firstByteDelayMs: 100 });
process.on('message', (m: { type?: string }) => {
  if (m?.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
});
process.send?.({ type: 'listening', deepgram: deepgram.baseUrl, chat: chat.baseUrl, speech: speech.baseUrl, key: KEY });
