/**
 * A Deepgram live transcription stream for one call, over `ws` (wire.ts). The caller's audio goes
 * through untouched, one 20 ms frame per binary message (µ-law 8 kHz on PCMU legs:
 * `encoding=mulaw&sample_rate=8000`), with interim results, endpointing, `utterance_end_ms` and
 * VAD events. While no audio flows (before answer, on hold) a `KeepAlive` goes out so Deepgram does
 * not close the stream after 10 s; `finalize()` asks for the final of what was said so far;
 * `close()` sends `CloseStream` and waits (bounded) for the server to finish.
 *
 * A drop mid-call is survived once: the stream reconnects, and the audio that arrives meanwhile is
 * buffered and sent first on the new socket (bounded; what overflows is counted). A second drop,
 * or a failed reconnect, is fatal (`error` with `fatal: true`).
 */
import type { Buffer } from 'node:buffer';
import WebSocket from 'ws';
import { errorForSocketFailure, errorForUpgradeStatus, RealtimeProviderError } from '../errors.js';
import { TypedEmitter } from '../typed-emitter.js';
import { CLOSE_STREAM, FINALIZE, KEEP_ALIVE, type DeepgramEncoding, type ResultsWire, type ServerMessageWire } from './wire.js';

export const DEEPGRAM_DEFAULT_BASE_URL = 'https://api.deepgram.com';

export interface DeepgramLiveOptions {
  apiKey: string;
  baseUrl?: string;
  model: string;
  language: string;
  keyterms?: string[];
  encoding: DeepgramEncoding;
  sampleRate: number;
  endpointingMs: number;
  utteranceEndMs: number;
  connectTimeoutMs?: number;
  /** A `KeepAlive` after this long without audio (default 5000 ms; Deepgram closes after 10 s). */
  keepAliveMs?: number;
  /** Audio buffered while reconnecting, ms (default 10 000). */
  reconnectBufferMs?: number;
  closeTimeoutMs?: number;
}

export interface SttTranscript {
  text: string;
  isFinal: boolean;
  speechFinal: boolean;
  fromFinalize: boolean;
  words: number;
}

export interface SttError {
  code: string;
  message: string;
  fatal: boolean;
}

export interface DeepgramEventMap {
  transcript: SttTranscript;
  'speech-started': { timestamp: number };
  'utterance-end': { lastWordEnd: number };
  reconnected: { bufferedMs: number };
  error: SttError;
}

export interface DeepgramStats {
  audioBytesSent: number;
  audioBytesDropped: number;
  keepAlivesSent: number;
  reconnects: number;
}

type State = 'idle' | 'opening' | 'open' | 'reconnecting' | 'closing' | 'closed';

/** The listen URL: `https://api.deepgram.com` → `wss://api.deepgram.com/v1/listen?…`. */
export function deepgramListenUrl(o: DeepgramLiveOptions): string {
  const url = new URL(o.baseUrl ?? DEEPGRAM_DEFAULT_BASE_URL);
  url.protocol = url.protocol === 'http:' || url.protocol === 'ws:' ? 'ws:' : 'wss:';
  url.pathname = `${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/listen`;
  const q = url.searchParams;
  q.set('model', o.model);
  q.set('language', o.language);
  q.set('encoding', o.encoding);
  q.set('sample_rate', String(o.sampleRate));
  q.set('channels', '1');
  q.set('interim_results', 'true');
  q.set('endpointing', String(Math.round(o.endpointingMs)));
  q.set('utterance_end_ms', String(Math.max(1000, Math.round(o.utteranceEndMs))));
  q.set('vad_events', 'true');
  q.set('punctuate', 'true');
  q.set('smart_format', 'true');
  q.set('no_delay', 'true');
  for (const term of o.keyterms ?? []) q.append('keyterm', term);
  return url.toString();
}

export class DeepgramLive {
  private ws: WebSocket | null = null;
  private state: State = 'idle';
  private readonly emitter = new TypedEmitter<DeepgramEventMap>();
  private lastSentAt = 0;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private readonly pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly maxPendingBytes: number;
  private reconnected = false;
  private closeWaiter: (() => void) | null = null;
  private readonly counters: DeepgramStats = { audioBytesSent: 0, audioBytesDropped: 0, keepAlivesSent: 0, reconnects: 0 };

  constructor(private readonly o: DeepgramLiveOptions) {
    const bytesPerMs = o.encoding === 'linear16' ? (o.sampleRate / 1000) * 2 : o.sampleRate / 1000;
    this.maxPendingBytes = (o.reconnectBufferMs ?? 10_000) * bytesPerMs;
  }

  on<K extends keyof DeepgramEventMap>(type: K, listener: (event: DeepgramEventMap[K]) => void): () => void {
    return this.emitter.on(type, listener);
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Connects; rejects with a `RealtimeProviderError` (its `code` says why). */
  async open(): Promise<void> {
    this.state = 'opening';
    this.ws = await this.connect();
    if (this.state !== 'opening') {
      this.ws.terminate();
      throw new RealtimeProviderError('closed', 'closed while connecting');
    }
    this.state = 'open';
    this.lastSentAt = Date.now();
    this.armKeepAlive();
  }

  /** One caller frame (valid only during the call: ws copies it when it masks the frame). */
  sendAudio(frame: Uint8Array): void {
    if (this.state === 'open' && this.ws && this.ws.bufferedAmount < this.maxPendingBytes) {
      this.ws.send(frame);
      this.counters.audioBytesSent += frame.length;
      this.lastSentAt = Date.now();
      return;
    }
    if (this.state === 'reconnecting' || this.state === 'opening') this.buffer(frame);
    else if (this.state === 'open') this.counters.audioBytesDropped += frame.length;
  }

  /** Asks for the final result of the audio sent so far (the engine decided the turn ended). */
  finalize(): void {
    if (this.state === 'open') this.ws?.send(FINALIZE);
  }

  /** `CloseStream`, then waits for the server to close (bounded). Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return;
    const ws = this.ws;
    this.state = 'closing';
    this.disarmKeepAlive();
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      ws?.terminate();
      this.state = 'closed';
      return;
    }
    ws.send(CLOSE_STREAM);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => ws.terminate(), this.o.closeTimeoutMs ?? 1000);
      this.closeWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.state = 'closed';
  }

  stats(): DeepgramStats {
    return { ...this.counters };
  }

  private connect(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(deepgramListenUrl(this.o), { headers: { Authorization: `Token ${this.o.apiKey}` }, perMessageDeflate: false });
      const timeoutMs = this.o.connectTimeoutMs ?? 5000;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new RealtimeProviderError('connect_timeout', `Deepgram did not accept the stream within ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (err: RealtimeProviderError): void => {
        clearTimeout(timer);
        ws.removeAllListeners();
        ws.on('error', () => {});
        ws.terminate();
        reject(err);
      };
      ws.once('unexpected-response', (req, res) => {
        res.resume();
        req.destroy();
        fail(errorForUpgradeStatus(res.statusCode ?? 0, res.statusMessage ?? ''));
      });
      ws.once('error', (err: Error & { code?: string }) => fail(errorForSocketFailure(err)));
      ws.once('open', () => {
        clearTimeout(timer);
        ws.removeAllListeners('error');
        ws.removeAllListeners('unexpected-response');
        this.attach(ws);
        resolve(ws);
      });
    });
  }

  private attach(ws: WebSocket): void {
    ws.on('error', () => {}); // `close` follows and tells the story
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason.toString()));
  }

  private onMessage(text: string): void {
    let msg: ServerMessageWire;
    try {
      msg = JSON.parse(text) as ServerMessageWire;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'Results':
        return this.onResults(msg as ResultsWire);
      case 'SpeechStarted':
        return this.emitter.emit('speech-started', { timestamp: (msg as { timestamp: number }).timestamp });
      case 'UtteranceEnd':
        return this.emitter.emit('utterance-end', { lastWordEnd: (msg as { last_word_end: number }).last_word_end });
      default:
        return; // Metadata and events Deepgram may add
    }
  }

  private onResults(msg: ResultsWire): void {
    const alt = msg.channel?.alternatives?.[0];
    const text = typeof alt?.transcript === 'string' ? alt.transcript : '';
    const words = Array.isArray(alt?.words) ? alt.words.length : text.trim() === '' ? 0 : text.trim().split(/\s+/).length;
    this.emitter.emit('transcript', {
      text,
      isFinal: msg.is_final === true,
      speechFinal: msg.speech_final === true,
      fromFinalize: msg.from_finalize === true,
      words,
    });
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    if (this.state === 'closing' || this.state === 'closed') {
      this.closeWaiter?.();
      this.closeWaiter = null;
      return;
    }
    this.disarmKeepAlive();
    const why = `the Deepgram stream closed (${code}${reason ? ` ${reason}` : ''})`;
    if (this.reconnected || this.state !== 'open') {
      this.state = 'closed';
      this.emitter.emit('error', { code: 'connection_lost', message: why, fatal: true });
      return;
    }
    this.reconnected = true;
    this.counters.reconnects++;
    this.state = 'reconnecting';
    void this.reconnect(why);
  }

  private async reconnect(why: string): Promise<void> {
    try {
      const ws = await this.connect();
      if (this.state !== 'reconnecting') return void ws.terminate();
      this.ws = ws;
      this.state = 'open';
      const bufferedMs = this.flushPending();
      this.armKeepAlive();
      this.emitter.emit('reconnected', { bufferedMs });
    } catch (err) {
      if (this.state !== 'reconnecting') return;
      this.state = 'closed';
      this.emitter.emit('error', { code: 'connection_lost', message: `${why}; reconnecting failed: ${(err as Error).message}`, fatal: true });
    }
  }

  private buffer(frame: Uint8Array): void {
    if (this.pendingBytes + frame.length > this.maxPendingBytes) {
      this.counters.audioBytesDropped += frame.length;
      return;
    }
    this.pending.push(frame.slice());
    this.pendingBytes += frame.length;
  }

  private flushPending(): number {
    const bytes = this.pendingBytes;
    for (const frame of this.pending) {
      this.ws?.send(frame);
      this.counters.audioBytesSent += frame.length;
    }
    this.pending.length = 0;
    this.pendingBytes = 0;
    this.lastSentAt = Date.now();
    const perMs = this.o.encoding === 'linear16' ? (this.o.sampleRate / 1000) * 2 : this.o.sampleRate / 1000;
    return Math.round(bytes / perMs);
  }

  /** While no audio goes out, a KeepAlive every `keepAliveMs` (Deepgram closes after 10 s). */
  private armKeepAlive(): void {
    this.disarmKeepAlive();
    const every = this.o.keepAliveMs ?? 5000;
    this.keepAliveTimer = setInterval(() => {
      if (this.state !== 'open' || Date.now() - this.lastSentAt < every) return;
      this.ws?.send(KEEP_ALIVE);
      this.counters.keepAlivesSent++;
      this.lastSentAt = Date.now();
    }, Math.max(100, Math.floor(every / 2)));
    this.keepAliveTimer.unref();
  }

  private disarmKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
  }
}
