/**
 * OpenAI speech as a `TtsUtterance`: one HTTP request per sentence, streamed PCM handed on as it
 * arrives. The next sentence's request starts while the previous one still streams (two in
 * flight), and its audio is held until the previous one ends, so sentences play in order without
 * a gap between them. `cancel()` aborts every request of the reply.
 */
import { TypedEmitter } from '../typed-emitter.js';
import { ttsCodeForStatus, type TtsEngine, type TtsErrorCode, type TtsUtterance, type TtsUtteranceEvents } from '../tts.js';
import { OPENAI_DEFAULT_TTS_MODEL, OPENAI_PCM_RATE, OPENAI_SPEECH_PATH, type SpeechRequestWire } from './wire.js';

export interface OpenAISpeechOptions {
  apiKey: string;
  /** `OPENAI_BASE_URL`, e.g. `https://api.openai.com/v1`. */
  baseUrl?: string;
  voice: string;
  model?: string;
  speed?: number;
  /** Bound on each request's first byte (default 5000 ms). */
  firstByteTimeoutMs?: number;
}

const IN_FLIGHT = 2;

export class OpenAISpeech implements TtsEngine {
  constructor(private readonly o: OpenAISpeechOptions) {}

  async open(): Promise<void> {}

  utterance(): TtsUtterance {
    return new OpenAIUtterance(this.o);
  }

  async close(): Promise<void> {}
}

interface Sentence {
  index: number;
  text: string;
  chunks: Uint8Array[];
  done: boolean;
  started: boolean;
  controller: AbortController;
}

class OpenAIUtterance implements TtsUtterance {
  readonly events = new TypedEmitter<TtsUtteranceEvents>();
  private readonly sentences: Sentence[] = [];
  /** The sentence whose audio is passed on live; later ones are held until it ends. */
  private playing = 0;
  private ended = false;
  private cancelled = false;

  constructor(private readonly o: OpenAISpeechOptions) {}

  push(text: string): void {
    if (this.cancelled || this.ended || text.trim() === '') return;
    this.sentences.push({ index: this.sentences.length, text, chunks: [], done: false, started: false, controller: new AbortController() });
    this.startMore();
  }

  end(): void {
    this.ended = true;
    this.maybeDone();
  }

  cancel(): void {
    this.cancelled = true;
    for (const s of this.sentences) s.controller.abort();
    this.events.removeAll();
  }

  private startMore(): void {
    for (const s of this.sentences) {
      if (s.index >= this.playing + IN_FLIGHT) return;
      if (!s.started) {
        s.started = true;
        void this.fetch(s);
      }
    }
  }

  private async fetch(s: Sentence): Promise<void> {
    const base = (this.o.baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
    const body: SpeechRequestWire = { model: this.o.model ?? OPENAI_DEFAULT_TTS_MODEL, input: s.text, voice: this.o.voice, response_format: 'pcm' };
    if (this.o.speed !== undefined) body.speed = this.o.speed;
    const timeoutMs = this.o.firstByteTimeoutMs ?? 5000;
    const timer = setTimeout(() => s.controller.abort(new Error('first byte timeout')), timeoutMs);
    this.events.emit('request', { sentence: s.index });
    let carry: number | null = null;
    try {
      const res = await fetch(`${base}${OPENAI_SPEECH_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.o.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: s.controller.signal,
      });
      if (!res.ok || !res.body) {
        clearTimeout(timer);
        const detail = await res.text().catch(() => '');
        return this.fail(ttsCodeForStatus(res.status), `OpenAI speech answered HTTP ${res.status}${detail ? `: ${detail.slice(0, 200)}` : ''}`);
      }
      for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(timer);
        if (this.cancelled) return;
        // PCM16 samples may straddle chunk boundaries: keep the odd byte for the next chunk.
        let data = piece;
        if (carry !== null) {
          const joined = new Uint8Array(piece.length + 1);
          joined[0] = carry;
          joined.set(piece, 1);
          data = joined;
          carry = null;
        }
        if (data.length % 2 === 1) {
          carry = data[data.length - 1];
          data = data.subarray(0, data.length - 1);
        }
        if (data.length > 0) this.deliver(s, data);
      }
      clearTimeout(timer);
      s.done = true;
      this.advance();
    } catch (err) {
      clearTimeout(timer);
      if (this.cancelled) return;
      const timedOut = s.controller.signal.aborted;
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      if (timedOut) return this.fail('timeout', `OpenAI speech sent no audio within ${timeoutMs} ms`);
      if (cause === 'ECONNREFUSED' || cause === 'ENOTFOUND') return this.fail('connect_refused', `cannot reach OpenAI speech (${cause})`);
      this.fail('connection_lost', `the OpenAI speech stream broke: ${(err as Error).message}`);
    }
  }

  private deliver(s: Sentence, data: Uint8Array): void {
    if (s.index === this.playing) this.events.emit('audio', { encoding: 'pcm16', sampleRate: OPENAI_PCM_RATE, data, sentence: s.index });
    else s.chunks.push(data);
  }

  /** The live sentence ended: the next one's held audio goes out, and it becomes live. */
  private advance(): void {
    while (!this.cancelled && this.playing < this.sentences.length && this.sentences[this.playing].done) {
      this.playing++;
      const next = this.sentences[this.playing];
      if (!next) break;
      for (const data of next.chunks) this.events.emit('audio', { encoding: 'pcm16', sampleRate: OPENAI_PCM_RATE, data, sentence: next.index });
      next.chunks.length = 0;
    }
    this.startMore();
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.cancelled || !this.ended || this.playing < this.sentences.length) return;
    this.events.emit('done', {});
  }

  private fail(code: TtsErrorCode, message: string): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const s of this.sentences) s.controller.abort();
    this.events.emit('error', { code, message });
    this.events.removeAll();
  }
}
