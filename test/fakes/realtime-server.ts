/**
 * Fake realtime speech-to-speech server for tests and benchmarks. It speaks the documented OpenAI
 * Realtime GA and xAI Grok Voice Agent protocols over a real `ws` server on 127.0.0.1, port 0.
 * Point a provider at it with `baseUrl: server.baseUrl` (`http://127.0.0.1:<port>/v1`).
 *
 * Behaviours:
 * - Upgrade: path must end in `/realtime` (else 404); `Authorization: Bearer <apiKey>` must match
 *   (else 401 with an OpenAI-style JSON error body). Flavour per connection: `options.flavour`, else
 *   `xai` when `?model=` starts with `grok`, else `openai`.
 * - First event: `session.created` with the vendor's default session (OpenAI) or
 *   `conversation.created` followed by `ping` every `pingIntervalMs` (xAI).
 * - `session.update` is validated per flavour (realtime/validate.ts) and refused like the real
 *   servers (`error` with `invalid_request_error`, `unknown_parameter` / `missing_required_parameter`
 *   / `invalid_value`, the `param`, and the client's `event_id`); accepted updates merge (only present
 *   fields change) and are answered with `session.updated` carrying the full session.
 * - Input audio is decoded per the session's input format and run through an energy VAD
 *   (20 ms frames against `vadThresholdDbfs`; two voiced frames start a turn; the session's
 *   `silence_duration_ms` of quiet ends it): `input_audio_buffer.speech_started` (`audio_start_ms`
 *   minus prefix padding, `item_id`), `speech_stopped` (`audio_end_ms`), `committed`,
 *   `conversation.item.added`, then `conversation.item.input_audio_transcription.completed` with the
 *   scripted transcript after `transcriptionDelayMs`. With `create_response` (always on xAI) a
 *   response follows. Turn detection `null` = manual: `input_audio_buffer.commit` + `response.create`.
 * - Responses: `response.created`, a think delay, then `response.output_item.added`,
 *   `response.content_part.added`, `response.output_audio.delta` chunks of `chunkMs` of speech-like
 *   audio in the output format every `chunkIntervalMs` (faster than real time) with
 *   `response.output_audio_transcript.delta` words alongside, then `response.output_audio.done`,
 *   `response.output_audio_transcript.done`, `response.content_part.done`, `response.output_item.done`
 *   and `response.done` with usage (OpenAI: token counts; xAI: `xaiUsage`, empty by default).
 *   Each delta's send time is in `server.deltas`.
 * - Function calls: a scripted turn with `reply.toolCall` answers with
 *   `response.function_call_arguments.done {call_id, name, arguments}`; after the client's
 *   `conversation.item.create {type: function_call_output}` + `response.create` the fake speaks
 *   `afterToolOutput(output)` (default "The result is <output>."). Unknown call ids are refused.
 * - `conversation.item.truncate` is recorded in `server.truncations`; beyond the audio sent for the
 *   item it is refused (`invalid_value`, "Audio content of N ms is already shorter than M ms"),
 *   otherwise answered with `conversation.item.truncated`.
 * - Barge-in: speech starting during a response cancels it when `interrupt_response` is on
 *   (`response.done` status `cancelled`, reason `turn_detected`); `response.cancel` does the same with
 *   `client_cancelled`, or errors `response_cancel_not_active`. A second `response.create` during a
 *   response errors `conversation_already_has_active_response`.
 * - `response.create` with `response.instructions` (first message, say) speaks the instructions
 *   (or `script.onInstructions`).
 * Hooks: `events` (every client event, with receive time), `serverEvents`, `deltas`, `truncations`,
 * `upgrades`, `waitFor()` / `waitForServer()`, `dropConnections()` (abrupt, client sees 1006),
 * `stallConnections()` (stop reading and answering, pings included, without closing),
 * `failNext(mode)` (see FailMode), `setScript()`, `inject()`, `receivedAudio()`.
 */
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { FakeConnection } from './realtime/connection.js';
import type { ResolvedFakeOptions } from './realtime/connection.js';
import type {
  DeltaRecord,
  FailMode,
  FakeScript,
  FakeServerOptions,
  Flavour,
  RecordedClientEvent,
  RecordedServerEvent,
  TruncationRecord,
  UpgradeRecord,
} from './realtime/types.js';

export type * from './realtime/types.js';
export { FakeConnection } from './realtime/connection.js';

export interface WaitOptions<E> {
  predicate?: (event: E) => boolean;
  timeoutMs?: number;
  /** Search from this index of the log (default 0: events already received count). */
  from?: number;
}

export class FakeRealtimeServer {
  readonly events: RecordedClientEvent[] = [];
  readonly serverEvents: RecordedServerEvent[] = [];
  readonly deltas: DeltaRecord[] = [];
  readonly truncations: TruncationRecord[] = [];
  readonly upgrades: UpgradeRecord[] = [];
  readonly connections: FakeConnection[] = [];
  readonly apiKey: string;

  private readonly options: ResolvedFakeOptions;
  private readonly flavour: Flavour | undefined;
  private script: FakeScript;
  private readonly failures: FailMode[] = [];
  private readonly notify = new EventEmitter();
  private readonly sockets = new Set<Socket>();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly http: http.Server;

  private constructor(opts: FakeServerOptions) {
    this.apiKey = opts.apiKey ?? 'test-key';
    this.flavour = opts.flavour;
    this.script = opts.script ?? {};
    this.options = {
      vadThresholdDbfs: opts.vadThresholdDbfs ?? -40,
      responseAudioMs: opts.responseAudioMs ?? 600,
      chunkMs: opts.chunkMs ?? 100,
      chunkIntervalMs: opts.chunkIntervalMs ?? 10,
      thinkMs: opts.thinkMs ?? 20,
      transcriptionDelayMs: opts.transcriptionDelayMs ?? 0,
      pingIntervalMs: opts.pingIntervalMs ?? 1000,
      xaiUsage: opts.xaiUsage ?? {},
    };
    this.notify.setMaxListeners(0);
    this.http = http.createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('upgrade required');
    });
    this.http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as Socket, head));
  }

  static async start(opts: FakeServerOptions = {}): Promise<FakeRealtimeServer> {
    const server = new FakeRealtimeServer(opts);
    server.http.listen(0, '127.0.0.1');
    await once(server.http, 'listening');
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** The HTTP base URL to configure as `OPENAI_BASE_URL` / `XAI_BASE_URL`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  setScript(script: FakeScript): void {
    this.script = script;
  }

  /** Arms a one-shot failure; several calls queue several failures of their kinds. */
  failNext(mode: FailMode): void {
    this.failures.push(mode);
  }

  /** The latest connection (or the one with `connectionId`). */
  connection(connectionId?: number): FakeConnection | undefined {
    if (connectionId !== undefined) return this.connections.find((c) => c.id === connectionId);
    return this.connections[this.connections.length - 1];
  }

  /** Caller audio received on a connection (default: the latest), in its input format. */
  receivedAudio(connectionId?: number): Uint8Array {
    return this.connection(connectionId)?.receivedAudio() ?? new Uint8Array(0);
  }

  /** Sends a raw server event (e.g. an `error`) on every open connection. */
  inject(event: Record<string, unknown>): void {
    for (const c of this.connections) if (!c.closed) c.send(event);
  }

  /** Ends every connection abruptly, without a close frame. */
  dropConnections(): void {
    for (const c of this.connections) if (!c.closed) c.terminate();
  }

  /** Every open connection stops reading and answering, without closing (a black hole). */
  stallConnections(): void {
    for (const c of this.connections) if (!c.closed) c.stall();
  }

  waitFor(type: string, opts: WaitOptions<RecordedClientEvent> = {}): Promise<RecordedClientEvent> {
    return this.waitIn(this.events, 'client', type, opts);
  }

  waitForServer(type: string, opts: WaitOptions<RecordedServerEvent> = {}): Promise<RecordedServerEvent> {
    return this.waitIn(this.serverEvents, 'server', type, opts);
  }

  /** Client events of one type (optionally of one connection). */
  eventsOfType(type: string, connectionId?: number): RecordedClientEvent[] {
    return this.events.filter((e) => e.type === type && (connectionId === undefined || e.connectionId === connectionId));
  }

  async close(): Promise<void> {
    for (const c of this.connections) if (!c.closed) c.terminate();
    for (const socket of this.sockets) socket.destroy();
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- internals ----------------------------------------------------------------------------

  private waitIn<E extends { type: string }>(
    log: E[],
    channel: string,
    type: string,
    opts: WaitOptions<E>,
  ): Promise<E> {
    const matches = (e: E): boolean => e.type === type && (opts.predicate === undefined || opts.predicate(e));
    const found = log.slice(opts.from ?? 0).find(matches);
    if (found !== undefined) return Promise.resolve(found);
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise<E>((resolve, reject) => {
      const listener = (e: E): void => {
        if (!matches(e)) return;
        cleanup();
        resolve(e);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake realtime server: no ${channel} event ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.notify.off(channel, listener);
      };
      this.notify.on(channel, listener);
    });
  }

  private takeFailure(mode: FailMode): boolean {
    const index = this.failures.indexOf(mode);
    if (index < 0) return false;
    this.failures.splice(index, 1);
    return true;
  }

  private onUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const model = url.searchParams.get('model');
    const authorized = req.headers.authorization === `Bearer ${this.apiKey}`;
    const record: UpgradeRecord = { at: performance.now(), path: url.pathname, model, authorized, status: 101 };
    this.upgrades.push(record);
    if (this.takeFailure('refuse')) {
      record.status = 0;
      socket.destroy();
      return;
    }
    if (!url.pathname.endsWith('/realtime')) return this.rejectUpgrade(socket, record, 404, { message: 'Not found' });
    if (this.takeFailure('http-500')) return this.rejectUpgrade(socket, record, 500, { message: 'The server had an error' });
    if (!authorized) {
      return this.rejectUpgrade(socket, record, 401, {
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        message: 'Incorrect API key provided.',
      });
    }
    const silent = this.takeFailure('silent');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const flavour = this.flavour ?? (model?.startsWith('grok') === true ? 'xai' : 'openai');
      const connection = new FakeConnection(this.connections.length + 1, ws, socket, flavour, model ?? '', this.connectionHost());
      this.connections.push(connection);
      connection.start(silent);
    });
  }

  private rejectUpgrade(socket: Socket, record: UpgradeRecord, status: number, error: Record<string, unknown>): void {
    record.status = status;
    const body = JSON.stringify({ error });
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }

  private connectionHost(): ConstructorParameters<typeof FakeConnection>[5] {
    return {
      options: this.options,
      script: () => this.script,
      takeFailure: (mode) => this.takeFailure(mode),
      recordClient: (e) => {
        this.events.push(e);
        this.notify.emit('client', e);
      },
      recordServer: (e) => {
        this.serverEvents.push(e);
        this.notify.emit('server', e);
      },
      recordDelta: (d) => this.deltas.push(d),
      recordTruncation: (t) => this.truncations.push(t),
    };
  }
}
