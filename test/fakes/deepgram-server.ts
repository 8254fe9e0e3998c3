/**
 * A fake Deepgram live transcription server (`/v1/listen` over WebSocket) for tests and benchmarks,
 * following the documented protocol (research/pipeline.md §2.1) on 127.0.0.1, port 0; point a
 * client at `fake.baseUrl` (`DEEPGRAM_BASE_URL`).
 *
 * - Upgrade: path `/v1/listen`, `Authorization: Token <apiKey>` (else HTTP 401), `encoding` one of
 *   mulaw, alaw, linear16 with a `sample_rate` (else HTTP 400). Parameters are recorded.
 * - The audio received is segmented by energy per 20 ms of audio (≥ −40 dBFS is speech). Each
 *   speech segment of at least `minSpeechMs` gets the next scripted transcript (shorter ones are
 *   noise: a final with an empty transcript) (`script`, else "User turn N."): interim
 *   results with the words revealed in proportion while it lasts, then `is_final` +
 *   `speech_final` after `endpointing` ms of received silence, and `UtteranceEnd` after
 *   `utterance_end_ms`. `SpeechStarted` at each segment's start (`vad_events`).
 * - `Finalize` answers a pending segment at once with a final marked `from_finalize`;
 *   `CloseStream` flushes, sends `Metadata` and closes (1000). `KeepAlive` keeps it open; with
 *   neither audio nor KeepAlive for `idleTimeoutMs` (Deepgram: 10 s) it closes with 1011 `NET-0001`.
 * - Failures: `failNext('refuse')` (HTTP 503 on the upgrade), `failNext('auth')` (401),
 *   `dropAfter(ms)` (the next connection is cut after that much audio, as a network drop),
 *   `dropConnections()` (every open connection cut now),
 *   `stallResults()` (audio is taken, no result ever comes).
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ulawDecode, alawDecode } from '../../media/codecs/g711.js';

export interface FakeDeepgramOptions {
  apiKey?: string;
  /** Transcripts for the speech segments, in order (across connections). */
  script?: string[];
  /** Audio without KeepAlive before the server closes (default 10 000 ms). */
  idleTimeoutMs?: number;
  /** Delay before each result is sent, ms (a model's processing time; default 0). */
  resultDelayMs?: number;
  /** Speech audio between interim results (default 300 ms). */
  interimEveryMs?: number;
  /** Energy threshold of speech, dBFS (default −40). */
  thresholdDbfs?: number;
  /** Segments with less speech than this are noise: no words (a cough, a click; default 0). */
  minSpeechMs?: number;
}

export interface DeepgramConnectionRecord {
  params: URLSearchParams;
  audioBytes: number;
  controls: string[];
  closedWith: number | null;
}

type Failure = 'refuse' | 'auth';

const FRAME_MS = 20;

export class FakeDeepgramServer {
  readonly apiKey: string;
  readonly connections: DeepgramConnectionRecord[] = [];
  readonly upgrades: Array<{ path: string; status: number }> = [];
  private readonly script: string[];
  private segments = 0;
  private failure: Failure | null = null;
  private dropAfterMs: number | null = null;
  private stalled = false;
  private readonly changes = new EventEmitter();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    private readonly wss: WebSocketServer,
    private readonly o: FakeDeepgramOptions,
  ) {
    this.apiKey = o.apiKey ?? 'test-deepgram-key';
    this.script = [...(o.script ?? [])];
    this.changes.setMaxListeners(0);
  }

  static async start(options: FakeDeepgramOptions = {}): Promise<FakeDeepgramServer> {
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({ noServer: true });
    const fake = new FakeDeepgramServer(server, wss, options);
    server.on('connection', (s) => {
      fake.sockets.add(s);
      s.on('close', () => fake.sockets.delete(s));
    });
    server.on('upgrade', (req, socket, head) => fake.upgrade(req, socket as Socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Transcripts for the next speech segments. */
  setScript(lines: string[]): void {
    this.script.length = 0;
    this.script.push(...lines);
  }

  failNext(mode: Failure): void {
    this.failure = mode;
  }

  /** Cut the next connection after `ms` of received audio (no close frame). */
  dropAfter(ms: number): void {
    this.dropAfterMs = ms;
  }

  /** Cuts every open connection at once (no close frame), as a network drop. */
  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  stallResults(on = true): void {
    this.stalled = on;
  }

  /** Total audio received over every connection, bytes. */
  get audioBytes(): number {
    return this.connections.reduce((n, c) => n + c.audioBytes, 0);
  }

  waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
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
        reject(new Error(`fake Deepgram: timed out waiting for ${what}`));
      }, timeoutMs);
      this.changes.on('change', check);
    });
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const refuse = (status: number, body: string): void => {
      this.upgrades.push({ path: url.pathname, status });
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    if (url.pathname !== '/v1/listen') return refuse(404, '{"err_code":"NOT_FOUND"}');
    const failure = this.failure;
    this.failure = null;
    if (failure === 'refuse') return refuse(503, '{"err_code":"SERVICE_UNAVAILABLE","err_msg":"try again later"}');
    if (failure === 'auth' || req.headers.authorization !== `Token ${this.apiKey}`) {
      return refuse(401, '{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials."}');
    }
    const encoding = url.searchParams.get('encoding');
    const rate = Number(url.searchParams.get('sample_rate'));
    if (!encoding || !['mulaw', 'alaw', 'linear16'].includes(encoding) || !(rate > 0)) {
      return refuse(400, '{"err_code":"Bad Request","err_msg":"encoding and sample_rate are required for raw audio"}');
    }
    this.upgrades.push({ path: url.pathname, status: 101 });
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, url.searchParams));
  }

  private serve(ws: WebSocket, params: URLSearchParams): void {
    const record: DeepgramConnectionRecord = { params, audioBytes: 0, controls: [], closedWith: null };
    this.connections.push(record);
    this.changes.emit('change');
    const dropAt = this.dropAfterMs;
    this.dropAfterMs = null;
    const stream = new ListenStream(ws, params, this.o, () => this.nextTranscript(), () => this.stalled);
    let idle: NodeJS.Timeout;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => ws.close(1011, 'NET-0001'), this.o.idleTimeoutMs ?? 10_000);
    };
    touch();
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        record.audioBytes += data.length;
        touch();
        stream.audio(data);
        if (dropAt !== null && stream.receivedMs >= dropAt) ws.terminate();
      } else {
        const text = data.toString();
        record.controls.push(text);
        const type = (JSON.parse(text) as { type?: string }).type;
        if (type === 'KeepAlive') touch();
        else if (type === 'Finalize') stream.finalize();
        else if (type === 'CloseStream') {
          stream.finalize();
          stream.send({ type: 'Metadata', transaction_key: 'deprecated', request_id: 'fake', duration: stream.receivedMs / 1000, channels: 1 });
          setTimeout(() => ws.close(1000), (this.o.resultDelayMs ?? 0) + 5);
        }
      }
      this.changes.emit('change');
    });
    ws.on('close', (code) => {
      clearTimeout(idle);
      stream.stop();
      record.closedWith = code;
      this.changes.emit('change');
    });
  }

  private nextTranscript(): string {
    this.segments++;
    return this.script.shift() ?? `User turn ${this.segments}.`;
  }
}

/** One connection's audio → segments → results. */
class ListenStream {
  receivedMs = 0;
  private readonly endpointing: number;
  private readonly utteranceEndMs: number;
  private readonly frameBytes: number;
  private carry: Buffer = Buffer.alloc(0);
  private inSpeech = false;
  private speechMs = 0;
  private silenceMs = 0;
  private segmentStart = 0;
  private text = '';
  private lastInterimAt = 0;
  private pendingFinal = false;
  private sinceFinalMs = -1;
  private stopped = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly params: URLSearchParams,
    private readonly o: FakeDeepgramOptions,
    private readonly next: () => string,
    private readonly stalled: () => boolean,
  ) {
    const rate = Number(params.get('sample_rate'));
    const width = params.get('encoding') === 'linear16' ? 2 : 1;
    this.frameBytes = (rate / 1000) * FRAME_MS * width;
    const endpointing = params.get('endpointing');
    this.endpointing = endpointing === 'false' ? Infinity : Number(endpointing ?? 10);
    this.utteranceEndMs = params.get('utterance_end_ms') ? Number(params.get('utterance_end_ms')) : Infinity;
  }

  audio(data: Buffer): void {
    this.carry = this.carry.length === 0 ? data : Buffer.concat([this.carry, data]);
    while (this.carry.length >= this.frameBytes) {
      this.frame(this.carry.subarray(0, this.frameBytes));
      this.carry = this.carry.subarray(this.frameBytes);
    }
  }

  finalize(): void {
    if (!this.pendingFinal) return;
    this.final(false, true);
  }

  stop(): void {
    this.stopped = true;
  }

  send(msg: unknown): void {
    if (this.stopped || this.stalled()) return;
    const body = JSON.stringify(msg);
    const delay = this.o.resultDelayMs ?? 0;
    if (delay <= 0) return void this.ws.send(body);
    setTimeout(() => {
      if (!this.stopped) this.ws.send(body);
    }, delay);
  }

  private frame(frame: Buffer): void {
    this.receivedMs += FRAME_MS;
    const voiced = dbfs(frame, this.params.get('encoding') ?? 'mulaw') > (this.o.thresholdDbfs ?? -40);
    if (voiced) {
      this.silenceMs = 0;
      if (!this.inSpeech) this.startSegment();
      this.speechMs += FRAME_MS;
      if (this.speechMs - this.lastInterimAt >= (this.o.interimEveryMs ?? 300)) this.interim();
    } else if (this.inSpeech) {
      this.silenceMs += FRAME_MS;
      if (this.silenceMs >= this.endpointing) {
        this.inSpeech = false;
        if (this.pendingFinal) this.final(true, false);
      } else if (this.silenceMs >= 200 && this.endpointing === Infinity) {
        this.inSpeech = false;
      }
    }
    if (this.sinceFinalMs >= 0 && !this.inSpeech) {
      this.sinceFinalMs += FRAME_MS;
      if (this.sinceFinalMs >= this.utteranceEndMs) {
        this.sinceFinalMs = -1;
        this.send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: (this.receivedMs - this.utteranceEndMs) / 1000 });
      }
    }
  }

  private startSegment(): void {
    this.inSpeech = true;
    this.speechMs = 0;
    this.lastInterimAt = 0;
    this.sinceFinalMs = -1;
    if (!this.pendingFinal) {
      this.text = '';
      this.segmentStart = this.receivedMs - FRAME_MS;
      this.pendingFinal = true;
      if (this.params.get('vad_events') === 'true') this.send({ type: 'SpeechStarted', channel: [0], timestamp: this.segmentStart / 1000 });
    }
  }

  /** The segment's words, taken from the script once it is long enough to be speech. */
  private words(): string {
    if (this.text === '' && this.speechMs >= (this.o.minSpeechMs ?? 0)) this.text = this.next();
    return this.text;
  }

  private interim(): void {
    this.lastInterimAt = this.speechMs;
    if (this.params.get('interim_results') !== 'true' || !this.pendingFinal || this.words() === '') return;
    const words = this.text.split(/\s+/);
    // Words are revealed at about three a second of speech.
    const shown = Math.min(words.length - 1, Math.max(1, Math.floor((this.speechMs / 1000) * 3)));
    this.send(results(words.slice(0, shown).join(' ').replace(/[.!?,]$/, ''), false, false, false, this.segmentStart, this.receivedMs));
  }

  private final(speechFinal: boolean, fromFinalize: boolean): void {
    this.pendingFinal = false;
    this.sinceFinalMs = 0;
    this.send(results(this.words(), true, speechFinal, fromFinalize, this.segmentStart, this.receivedMs));
  }
}

function results(transcript: string, isFinal: boolean, speechFinal: boolean, fromFinalize: boolean, startMs: number, nowMs: number): unknown {
  const words = transcript.split(/\s+/).filter((w) => w !== '');
  const span = Math.max(0.02, (nowMs - startMs) / 1000);
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: span,
    start: startMs / 1000,
    is_final: isFinal,
    speech_final: speechFinal,
    from_finalize: fromFinalize,
    channel: {
      alternatives: [
        {
          transcript,
          confidence: 0.98,
          words: words.map((w, i) => ({
            word: w.toLowerCase().replace(/[^a-z0-9']/g, ''),
            start: startMs / 1000 + (i * span) / words.length,
            end: startMs / 1000 + ((i + 1) * span) / words.length,
            confidence: 0.98,
            punctuated_word: w,
          })),
        },
      ],
    },
    metadata: { request_id: 'fake', model_info: { name: 'fake', version: '0', arch: 'fake' }, model_uuid: 'fake' },
  };
}

function dbfs(frame: Buffer, encoding: string): number {
  let pcm: Int16Array;
  if (encoding === 'linear16') pcm = new Int16Array(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.length));
  else {
    pcm = new Int16Array(frame.length);
    if (encoding === 'alaw') alawDecode(frame, pcm);
    else ulawDecode(frame, pcm);
  }
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i] * pcm[i];
  const rms = Math.sqrt(sum / Math.max(1, pcm.length));
  return rms === 0 ? -96 : 20 * Math.log10(rms / 32768);
}
