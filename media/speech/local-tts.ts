/**
 * The local voice as a `TtsEngine`: each sentence is synthesised by this thread's speech worker
 * (flite), in order, and handed on as PCM16 8 kHz. No key, no network.
 */
import { TypedEmitter } from '../providers/typed-emitter.js';
import type { TtsEngine, TtsUtterance, TtsUtteranceEvents } from '../providers/tts.js';
import { SpeechClient } from './client.js';
import { localVoice } from './voices.js';

export class LocalTts implements TtsEngine {
  private readonly flite: string;

  constructor(
    voiceId: string,
    private readonly client: SpeechClient = SpeechClient.shared(),
  ) {
    this.flite = localVoice(voiceId).flite;
  }

  /** Starts the speech worker (while the phone rings). */
  async open(): Promise<void> {
    await this.client.ready();
  }

  utterance(): TtsUtterance {
    return new LocalUtterance(this.client, this.flite);
  }

  async close(): Promise<void> {}
}

class LocalUtterance implements TtsUtterance {
  readonly events = new TypedEmitter<TtsUtteranceEvents>();
  private readonly ids: number[] = [];
  private chain: Promise<void> = Promise.resolve();
  private sentences = 0;
  private cancelled = false;

  constructor(
    private readonly client: SpeechClient,
    private readonly voice: string,
  ) {}

  push(text: string): void {
    if (this.cancelled || text.trim() === '') return;
    const sentence = this.sentences++;
    const { id, audio } = this.client.synthesize(this.voice, text);
    this.ids.push(id);
    this.events.emit('request', { sentence });
    // The worker answers in order; chaining keeps the order even if a promise settles early.
    this.chain = this.chain.then(async () => {
      if (this.cancelled) return;
      try {
        const out = await audio;
        if (this.cancelled) return;
        const data = new Uint8Array(out.pcm.buffer, out.pcm.byteOffset, out.pcm.byteLength);
        this.events.emit('audio', { encoding: 'pcm16', sampleRate: out.sampleRate, data, sentence });
      } catch (err) {
        if (this.cancelled) return;
        this.cancelled = true;
        this.events.emit('error', { code: 'synthesis_failed', message: (err as Error).message });
        this.events.removeAll();
      }
    });
  }

  end(): void {
    this.chain = this.chain.then(() => {
      if (!this.cancelled) this.events.emit('done', {});
    });
  }

  cancel(): void {
    this.cancelled = true;
    for (const id of this.ids) this.client.cancel(id);
    this.events.removeAll();
  }
}
