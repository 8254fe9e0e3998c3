/**
 * A fake OpenAI text-to-speech server (`POST /v1/audio/speech`, research/pipeline.md §2.3) on
 * 127.0.0.1, port 0; point a client at `fake.baseUrl` (`OPENAI_BASE_URL`, ends in `/v1`).
 *
 * - `Authorization: Bearer <apiKey>` (else 401 `invalid_api_key`); the body must have `model`,
 *   `input` (1–4096 characters) and `voice`, and a known `response_format` (else 400 with OpenAI's
 *   error shape).
 * - `response_format: "pcm"` streams 24 kHz 16-bit little-endian mono speech-like audio, `msPerChar`
 *   per input character, in chunks of `chunkMs` every `chunkIntervalMs` (faster than real time)
 *   after `firstByteDelayMs`, as a chunked body. Chunks have odd sizes now and then, as a network
 *   would cut them (a sample straddles two chunks).
 * - `failNext({status})` answers the next request with an error; `failNext({hang: true})` never
 *   answers; `failNext({dropAfterMs})` cuts the stream.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pcm16ToBytes, speechPcm } from './audio.js';

export interface FakeSpeechOptions {
  apiKey?: string;
  firstByteDelayMs?: number;
  chunkMs?: number;
  chunkIntervalMs?: number;
  msPerChar?: number;
}

export interface SpeechRequestRecord {
  body: Record<string, unknown>;
  receivedAt: number;
  status: number;
  aborted: boolean;
  bytesSent: number;
}

type Failure = { status: number; message?: string } | { hang: true } | { dropAfterMs: number };

const RATE = 24_000;
/** Generated speech by duration: a benchmark asks for the same sentences many times. */
const AUDIO_CACHE = new Map<number, Uint8Array>();
const FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'];

export class FakeOpenAISpeech {
  readonly apiKey: string;
  readonly requests: SpeechRequestRecord[] = [];
  private readonly failures: Failure[] = [];
  private readonly changes = new EventEmitter();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    private readonly o: FakeSpeechOptions,
  ) {
    this.apiKey = o.apiKey ?? 'test-openai-key';
    this.changes.setMaxListeners(0);
  }

  static async start(options: FakeSpeechOptions = {}): Promise<FakeOpenAISpeech> {
    let fake: FakeOpenAISpeech | null = null;
    const server = http.createServer((req, res) => void fake?.handle(req, res).catch(() => res.destroy()));
    fake = new FakeOpenAISpeech(server, options);
    server.on('connection', (s) => {
      fake?.sockets.add(s);
      s.on('close', () => fake?.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  failNext(failure: Failure): void {
    this.failures.push(failure);
  }

  /** The `input` texts synthesised, in order. */
  get inputs(): string[] {
    return this.requests.map((r) => String(r.body.input ?? ''));
  }

  waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.changes.off('change', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.changes.off('change', check);
        reject(new Error('fake OpenAI speech: timed out'));
      }, timeoutMs);
      this.changes.on('change', check);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    if (req.method !== 'POST' || req.url !== '/v1/audio/speech') return error(res, 404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return error(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
    }
    const record: SpeechRequestRecord = { body, receivedAt: performance.now(), status: 0, aborted: false, bytesSent: 0 };
    this.requests.push(record);
    res.on('close', () => {
      if (!res.writableEnded) record.aborted = true;
      this.changes.emit('change');
    });
    const refuse = (status: number, message: string, type = 'invalid_request_error', code: string | null = null): void => {
      record.status = status;
      error(res, status, message, type, code);
      this.changes.emit('change');
    };
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return refuse(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    if (typeof body.model !== 'string') return refuse(400, "Missing required parameter: 'model'.");
    if (typeof body.input !== 'string' || body.input.length === 0) return refuse(400, "Missing required parameter: 'input'.");
    if (body.input.length > 4096) return refuse(400, "Invalid 'input': string too long. Expected a string with maximum length 4096.");
    if (typeof body.voice !== 'string') return refuse(400, "Missing required parameter: 'voice'.");
    const format = body.response_format ?? 'mp3';
    if (typeof format !== 'string' || !FORMATS.includes(format)) return refuse(400, `Invalid value: '${String(format)}'.`);
    const failure = this.failures.shift();
    if (failure && 'status' in failure) return refuse(failure.status, failure.message ?? 'The server had an error while processing your request.', 'server_error');
    if (failure && 'hang' in failure) return;
    record.status = 200;
    this.changes.emit('change');
    await this.stream(res, record, body.input, failure && 'dropAfterMs' in failure ? failure.dropAfterMs : null);
  }

  private async stream(res: http.ServerResponse, record: SpeechRequestRecord, input: string, dropAfterMs: number | null): Promise<void> {
    const totalMs = Math.max(200, input.length * (this.o.msPerChar ?? 60));
    let audio = AUDIO_CACHE.get(totalMs);
    if (!audio) {
      audio = pcm16ToBytes(speechPcm(totalMs, { sampleRate: RATE, seed: input.length }));
      if (AUDIO_CACHE.size < 200) AUDIO_CACHE.set(totalMs, audio);
    }
    await sleep(this.o.firstByteDelayMs ?? 0);
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'audio/pcm', 'transfer-encoding': 'chunked' });
    const chunkBytes = Math.round(((this.o.chunkMs ?? 100) * RATE * 2) / 1000);
    let sent = 0;
    let odd = true;
    while (sent < audio.length && !res.destroyed) {
      if (dropAfterMs !== null && (sent / (RATE * 2)) * 1000 >= dropAfterMs) return void res.socket?.destroy();
      const size = Math.min(audio.length - sent, chunkBytes + (odd ? 1 : -1));
      odd = !odd;
      res.write(audio.subarray(sent, sent + size));
      sent += size;
      record.bytesSent = sent;
      if (sent < audio.length) await sleep(this.o.chunkIntervalMs ?? 20);
    }
    if (!res.destroyed) res.end();
    this.changes.emit('change');
  }
}

function error(res: http.ServerResponse, status: number, message: string, type: string, code: string | null = null): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type, param: null, code } }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
