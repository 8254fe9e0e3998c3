/**
 * OpenAI text to speech, `POST /v1/audio/speech` (openai@6 `resources/audio/speech.d.ts`;
 * research/pipeline.md §2.3). `response_format: "pcm"` streams raw 24 kHz 16-bit little-endian
 * mono samples without a header as chunked bytes.
 */
export const OPENAI_SPEECH_PATH = '/audio/speech';
export const OPENAI_PCM_RATE = 24_000;
export const OPENAI_DEFAULT_TTS_MODEL = 'gpt-4o-mini-tts';

export interface SpeechRequestWire {
  model: string;
  input: string;
  voice: string;
  response_format: 'pcm';
  speed?: number;
  instructions?: string;
}
