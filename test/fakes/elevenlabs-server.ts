/**
 * A fake ElevenLabs multi-context text-to-speech WebSocket
 * (`/v1/text-to-speech/{voice_id}/multi-stream-input`, research/pipeline.md §2.2) on 127.0.0.1,
 * port 0; point a client at `fake.baseUrl` (`ELEVENLABS_BASE_URL`).
 *
 * - Upgrade: `xi-api-key` must match (else HTTP 401); `output_format` must be a known format
 *   (`ulaw_8000` is what the engine asks for; µ-law is what this fake synthesises).
 * - A context starts with `{"text": " ", context_id, voice_settings?}`; text for a context that was
 *   never initialised closes the socket with 1008 (policy violation), as ElevenLabs does.
 * - Text is buffered per context and synthesised on `flush: true` (or `close_context`): µ-law
 *   speech-like audio, `msPerChar` per character, in base64 chunks of `chunkMs` every
 *   `chunkIntervalMs` after `firstChunkDelayMs`, each with `contextId` and an alignment of the
 *   characters it speaks (documented `chars`, `charStartTimesMs`, `charsDurationsMs`).
 * - `close_context` ends a context: its buffered text is still spoken and `{isFinal: true,
 *   contextId}` follows the last audio (a client that barged in ignores the rest). `{"text": ""}` is a keep-alive; `close_socket` closes.
 *   Without any message for `inactivity_timeout` seconds (default 20) the socket closes (1008).
 * - `failNext('refuse' | 'auth')`; `dropConnections()`.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { mulawSpeech } from './audio.js';

export interface FakeElevenLabsOptions {
  apiKey?: string;
  firstChunkDelayMs?: number;
  chunkMs?: number;
  chunkIntervalMs?: number;
  msPerChar?: number;
}

export interface ContextRecord {
  contextId: string;
  voiceId: string;
  voiceSettings: unknown;
  texts: string[];
  closed: boolean;
  audioBytes: number;
}

const FORMATS = ['ulaw_8000', 'pcm_16000', 'pcm_22050', 'pcm_24000', 'mp3_44100_128'];

export class FakeElevenLabs {
  readonly apiKey: string;
  readonly contexts: ContextRecord[] = [];
  readonly connections: Array<{ voiceId: string; params: URLSearchParams; messages: unknown[]; closedWith: number | null }> = [];
  private failure: 'refuse' | 'auth' | null = null;
  private readonly changes = new EventEmitter();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    private readonly wss: WebSocketServer,
    private readonly o: FakeElevenLabsOptions,
  ) {
    this.apiKey = o.apiKey ?? 'test-elevenlabs-key';
    this.changes.setMaxListeners(0);
  }

  static async start(options: FakeElevenLabsOptions = {}): Promise<FakeElevenLabs> {
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({ noServer: true });
    const fake = new FakeElevenLabs(server, wss, options);
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

  failNext(mode: 'refuse' | 'auth'): void {
    this.failure = mode;
  }

  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
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
        reject(new Error('fake ElevenLabs: timed out'));
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
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    const m = /^\/v1\/text-to-speech\/([^/]+)\/multi-stream-input$/.exec(url.pathname);
    if (!m) return refuse(404, '{"detail":"Not Found"}');
    const failure = this.failure;
    this.failure = null;
    if (failure === 'refuse') return refuse(503, '{"detail":{"status":"service_unavailable"}}');
    if (failure === 'auth' || req.headers['xi-api-key'] !== this.apiKey) return refuse(401, '{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}');
    const format = url.searchParams.get('output_format') ?? 'mp3_44100_128';
    if (!FORMATS.includes(format)) return refuse(400, `{"detail":{"status":"invalid_output_format","message":"${format}"}}`);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, decodeURIComponent(m[1]), url.searchParams));
  }

  private serve(ws: WebSocket, voiceId: string, params: URLSearchParams): void {
    const conn = { voiceId, params, messages: [] as unknown[], closedWith: null as number | null };
    this.connections.push(conn);
    const live = new Map<string, { record: ContextRecord; buffer: string; timers: NodeJS.Timeout[]; pending: number }>();
    const inactivityMs = Number(params.get('inactivity_timeout') ?? 20) * 1000;
    let idle: NodeJS.Timeout;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => ws.close(1008, 'inactivity timeout'), inactivityMs);
    };
    touch();
    const finish = (id: string): void => {
      const c = live.get(id);
      if (!c || c.pending > 0 || !c.record.closed) return;
      live.delete(id);
      ws.send(JSON.stringify({ audio: null, isFinal: true, contextId: id }));
      this.changes.emit('change');
    };
    const synthesize = (id: string): void => {
      const c = live.get(id);
      if (!c || c.buffer.trim() === '') return;
      const text = c.buffer;
      c.buffer = '';
      c.record.texts.push(text.trim());
      const audio = mulawSpeech(Math.max(100, text.length * (this.o.msPerChar ?? 60)), { seed: text.length });
      const chunk = (this.o.chunkMs ?? 100) * 8;
      const count = Math.ceil(audio.length / chunk);
      const msPerCharSent = (audio.length / 8) / text.length;
      c.pending++;
      for (let i = 0; i < count; i++) {
        const t = setTimeout(() => {
          if (!live.has(id) || ws.readyState !== ws.OPEN) return;
          const part = audio.subarray(i * chunk, (i + 1) * chunk);
          const from = Math.floor((i * chunk) / 8 / msPerCharSent);
          const to = i === count - 1 ? text.length : Math.floor(((i + 1) * chunk) / 8 / msPerCharSent);
          const chars = text.slice(from, to).split('');
          c.record.audioBytes += part.length;
          ws.send(JSON.stringify({
            audio: Buffer.from(part).toString('base64'),
            isFinal: false,
            contextId: id,
            alignment: { chars, charStartTimesMs: chars.map((_, k) => Math.round(k * msPerCharSent)), charsDurationsMs: chars.map(() => Math.round(msPerCharSent)) },
          }));
          if (i === count - 1) {
            c.pending--;
            finish(id);
          }
          this.changes.emit('change');
        }, (this.o.firstChunkDelayMs ?? 0) + i * (this.o.chunkIntervalMs ?? 20));
        c.timers.push(t);
      }
    };
    ws.on('message', (data: Buffer) => {
      touch();
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        return ws.close(1007, 'invalid JSON');
      }
      conn.messages.push(msg);
      if (msg.close_socket === true) return ws.close(1000);
      const id = typeof msg.context_id === 'string' ? msg.context_id : undefined;
      if (id === undefined) return; // keep-alive {"text": ""} without a context
      const c = live.get(id);
      if (!c) {
        if (msg.text !== ' ' || this.contexts.some((r) => r.contextId === id)) return ws.close(1008, `context ${id} was not initialised`);
        const record: ContextRecord = { contextId: id, voiceId, voiceSettings: msg.voice_settings ?? null, texts: [], closed: false, audioBytes: 0 };
        this.contexts.push(record);
        live.set(id, { record, buffer: '', timers: [], pending: 0 });
        this.changes.emit('change');
        return;
      }
      if (msg.close_context === true) {
        // Buffered text is still spoken; `isFinal` follows the context's last audio.
        c.record.closed = true;
        if (c.buffer.trim() !== '') synthesize(id);
        return finish(id);
      }
      if (typeof msg.text === 'string') c.buffer += msg.text;
      if (msg.flush === true) synthesize(id);
      this.changes.emit('change');
    });
    ws.on('close', (code) => {
      clearTimeout(idle);
      for (const c of live.values()) for (const t of c.timers) clearTimeout(t);
      conn.closedWith = code;
      this.changes.emit('change');
    });
  }
}
