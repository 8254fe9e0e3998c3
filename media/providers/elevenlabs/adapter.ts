/**
 * ElevenLabs streaming TTS as `TtsEngine`: one multi-context WebSocket per call
 * (`output_format=ulaw_8000`: µ-law 8 kHz, passed to the caller untouched), one context per reply.
 * Each sentence goes out with `flush: true` so generation starts at once; `end()` closes the
 * context after its text (`isFinal` then follows the last audio); `cancel()` closes the context
 * and drops what is still coming for it, and the next reply opens a new context on the same
 * socket. Audio is attributed to sentences by the alignment's character count where it comes.
 * A `{"text": ""}` keep-alive goes out every 10 s while the socket is idle.
 */
import { Buffer } from 'node:buffer';
import WebSocket from 'ws';
import { TypedEmitter } from '../typed-emitter.js';
import { TtsStartError, ttsCodeForStatus, type TtsEngine, type TtsUtterance, type TtsUtteranceEvents } from '../tts.js';
import {
  ELEVENLABS_DEFAULT_BASE_URL,
  ELEVENLABS_DEFAULT_MODEL,
  ELEVENLABS_OUTPUT_FORMAT,
  type ClientMessageWire,
  type ServerMessageWire,
  type VoiceSettingsWire,
} from './wire.js';

export interface ElevenLabsOptions {
  apiKey: string;
  baseUrl?: string;
  voiceId: string;
  model?: string;
  voiceSettings?: VoiceSettingsWire;
  connectTimeoutMs?: number;
  /** Seconds without text before the server closes the socket (max 180). */
  inactivityTimeoutS?: number;
}

const KEEPALIVE_MS = 10_000;

export function elevenLabsUrl(o: ElevenLabsOptions): string {
  const url = new URL(o.baseUrl ?? ELEVENLABS_DEFAULT_BASE_URL);
  url.protocol = url.protocol === 'http:' || url.protocol === 'ws:' ? 'ws:' : 'wss:';
  url.pathname = `${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/text-to-speech/${encodeURIComponent(o.voiceId)}/multi-stream-input`;
  url.searchParams.set('model_id', o.model ?? ELEVENLABS_DEFAULT_MODEL);
  url.searchParams.set('output_format', ELEVENLABS_OUTPUT_FORMAT);
  url.searchParams.set('inactivity_timeout', String(o.inactivityTimeoutS ?? 180));
  url.searchParams.set('auto_mode', 'false');
  return url.toString();
}

export class ElevenLabsTts implements TtsEngine {
  private ws: WebSocket | null = null;
  private readonly contexts = new Map<string, ElevenLabsUtterance>();
  private next = 0;
  private keepAlive: NodeJS.Timeout | null = null;
  private lastSentAt = 0;
  private closing = false;
  private broken: string | null = null;

  constructor(private readonly o: ElevenLabsOptions) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(elevenLabsUrl(this.o), { headers: { 'xi-api-key': this.o.apiKey }, perMessageDeflate: false });
      const timeoutMs = this.o.connectTimeoutMs ?? 5000;
      const timer = setTimeout(() => fail(new TtsStartError('timeout', `ElevenLabs did not accept the socket within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: TtsStartError): void => {
        clearTimeout(timer);
        ws.removeAllListeners();
        ws.on('error', () => {});
        ws.terminate();
        reject(err);
      };
      ws.once('unexpected-response', (req, res) => {
        res.resume();
        req.destroy();
        fail(new TtsStartError(ttsCodeForStatus(res.statusCode ?? 0), `ElevenLabs refused the socket with HTTP ${res.statusCode}`));
      });
      ws.once('error', (err: Error & { code?: string }) => fail(new TtsStartError('connect_refused', `cannot reach ElevenLabs: ${err.code ?? err.message}`)));
      ws.once('open', () => {
        clearTimeout(timer);
        ws.removeAllListeners();
        this.attach(ws);
        resolve();
      });
    });
  }

  utterance(): TtsUtterance {
    const id = `voxgate-${++this.next}`;
    const u = new ElevenLabsUtterance(id, this.o.voiceSettings, (msg) => this.send(msg), () => this.contexts.delete(id));
    this.contexts.set(id, u);
    if (this.broken !== null) queueMicrotask(() => u.fail('connection_lost', this.broken as string));
    return u;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return void ws?.terminate();
    ws.send(JSON.stringify({ close_socket: true } satisfies ClientMessageWire));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private attach(ws: WebSocket): void {
    this.ws = ws;
    this.lastSentAt = Date.now();
    ws.on('error', () => {});
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.keepAlive) clearInterval(this.keepAlive);
      if (this.closing) return;
      this.broken = `the ElevenLabs socket closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`;
      for (const u of [...this.contexts.values()]) u.fail('connection_lost', this.broken);
    });
    this.keepAlive = setInterval(() => {
      if (Date.now() - this.lastSentAt >= KEEPALIVE_MS) this.send({ text: '' });
    }, KEEPALIVE_MS / 2);
    this.keepAlive.unref();
  }

  private send(msg: ClientMessageWire): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(msg));
    this.lastSentAt = Date.now();
  }

  private onMessage(text: string): void {
    let msg: ServerMessageWire;
    try {
      msg = JSON.parse(text) as ServerMessageWire;
    } catch {
      return;
    }
    const id = msg.contextId ?? msg.context_id;
    const u = id === undefined ? undefined : this.contexts.get(id);
    if (msg.error !== undefined || (msg.message !== undefined && msg.audio === undefined)) {
      // An error names its context where it can; otherwise it concerns whatever is speaking.
      const target = u ?? [...this.contexts.values()].at(-1);
      target?.fail('server_error', `ElevenLabs: ${msg.error ?? msg.message}`);
      return;
    }
    if (u) u.onServer(msg);
  }
}

class ElevenLabsUtterance implements TtsUtterance {
  readonly events = new TypedEmitter<TtsUtteranceEvents>();
  private opened = false;
  private sentences = 0;
  /** Cumulative characters of the sentences pushed (sentence boundaries for the alignment). */
  private readonly ends: number[] = [];
  private charsAligned = 0;
  private finished = false;

  constructor(
    private readonly id: string,
    private readonly settings: VoiceSettingsWire | undefined,
    private readonly send: (msg: ClientMessageWire) => void,
    private readonly forget: () => void,
  ) {}

  push(text: string): void {
    if (this.finished || text.trim() === '') return;
    if (!this.opened) {
      this.opened = true;
      this.send({ text: ' ', context_id: this.id, ...(this.settings && { voice_settings: this.settings }) });
    }
    const chunk = text.endsWith(' ') ? text : `${text} `;
    this.ends.push((this.ends.at(-1) ?? 0) + chunk.length);
    this.events.emit('request', { sentence: this.sentences++ });
    this.send({ text: chunk, context_id: this.id, flush: true });
  }

  end(): void {
    if (this.finished) return;
    if (!this.opened) return this.complete();
    this.send({ context_id: this.id, close_context: true });
  }

  cancel(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.opened) this.send({ context_id: this.id, close_context: true });
    this.events.removeAll();
    this.forget();
  }

  onServer(msg: ServerMessageWire): void {
    if (this.finished) return;
    if (typeof msg.audio === 'string' && msg.audio !== '') {
      const data = Buffer.from(msg.audio, 'base64');
      const chars = msg.alignment?.chars?.length ?? msg.normalizedAlignment?.chars?.length;
      const sentence = chars === undefined ? -1 : this.sentenceAt(this.charsAligned);
      if (chars !== undefined) this.charsAligned += chars;
      if (data.length > 0) this.events.emit('audio', { encoding: 'ulaw', sampleRate: 8000, data, sentence });
    }
    if (msg.isFinal === true) this.complete();
  }

  fail(code: 'connection_lost' | 'server_error', message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.events.emit('error', { code, message });
    this.events.removeAll();
    this.forget();
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    this.events.emit('done', {});
    this.events.removeAll();
    this.forget();
  }

  private sentenceAt(char: number): number {
    for (let i = 0; i < this.ends.length; i++) if (char < this.ends[i]) return i;
    return Math.max(0, this.ends.length - 1);
  }
}
