/**
 * Fake customer webhook server (flireo-api.md §4, A.4) on 127.0.0.1, port 0.
 *
 * - Records every request: method, path, headers, raw body, parsed JSON, the event type
 *   (`X-Webhook-Event`, else `message.type`), receive time, and the status it answered.
 * - Verifies `X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Webhook-Timestamp>.<raw body>")>`
 *   with a constant-time compare (`signatureValid`: null without a secret), and whether the
 *   timestamp is within 5 minutes (`timestampFresh`). `rejectInvalidSignatures` answers 401 to bad ones.
 * - Failure modes: `failNext(status, count)`, `failFor(status, ms)`, `holdNext(ms, count)` (answer
 *   late, to trip the sender's timeout), `goDown()` / `comeBack()` (close the listening socket and
 *   its connections; listen again on the same port).
 * - Scripted answers for `tool-calls` and `assistant-request` (`onToolCalls`, `onAssistantRequest`),
 *   a fixed body or a function of the request, optionally delayed; `toolReplies` builds the four
 *   tool reply shapes of §4.4. Other events get `200 {"ok":true}`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface WebhookRequestRecord {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
  /** Parsed JSON body; undefined when the body is not JSON. */
  json: unknown;
  /** `X-Webhook-Event`, else `message.type` of the body. */
  event: string | undefined;
  /** Date.now() at receipt. */
  receivedAt: number;
  /** performance.now() at receipt, for latency measurements. */
  receivedAtMono: number;
  /** Null when the receiver has no secret; false when the header is missing or wrong. */
  signatureValid: boolean | null;
  /** Null without a timestamp header; else whether it is within 300 s of now. */
  timestampFresh: boolean | null;
  /** Status the receiver answered (0 while held, or when the connection was cut). */
  status: number;
}

export interface WebhookReceiverOptions {
  secret?: string;
  /** Answer 401 to a request whose signature does not verify (default false: record only). */
  rejectInvalidSignatures?: boolean;
}

/** A fixed JSON body, or a function of the request that returns one. */
export type ReplyBody =
  | ((request: WebhookRequestRecord) => unknown)
  | Record<string, unknown>
  | unknown[]
  | string
  | number
  | boolean
  | null;

export interface ReplyOptions {
  delayMs?: number;
  status?: number;
}

/** A tool call as listed in a `tool-calls` webhook (either key style). */
export interface ListedToolCall {
  id: string;
  type?: string;
  function: { name: string; arguments: unknown };
}

/** The four reply shapes a tool webhook may answer with (flireo-api.md §4.4). */
export const toolReplies = {
  /** 1. `{results: [{toolCallId, result}]}` (snake style: `tool_call_id`). */
  results(results: Array<{ toolCallId: string; result: unknown }>, style: 'camel' | 'snake' = 'camel'): Record<string, unknown> {
    return {
      results: results.map((r) => (style === 'camel' ? { toolCallId: r.toolCallId, result: r.result } : { tool_call_id: r.toolCallId, result: r.result })),
    };
  },
  /** 2. `{result: …}`. */
  result(result: unknown): Record<string, unknown> {
    return { result };
  },
  /** 3. The data itself, no wrapper. */
  raw<T extends Exclude<ReplyBody, (request: WebhookRequestRecord) => unknown>>(data: T): T {
    return data;
  },
  /** 4. `{error: "…"}`. */
  error(message: string): Record<string, unknown> {
    return { error: message };
  },
};

/** The tool calls of a `tool-calls` request (`toolCallList` or `tool_call_list`). */
export function toolCallsOf(request: WebhookRequestRecord): ListedToolCall[] {
  const message = (request.json as { message?: Record<string, unknown> } | undefined)?.message;
  const list = message?.toolCallList ?? message?.tool_call_list;
  return Array.isArray(list) ? (list as ListedToolCall[]) : [];
}

/** The signature header value a correct sender produces. */
export function signWebhook(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

interface Failure {
  status: number;
  remaining: number;
  until: number;
}

export class FakeWebhookReceiver {
  readonly requests: WebhookRequestRecord[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly notify = new EventEmitter();
  private readonly failures: Failure[] = [];
  private holds: Array<{ ms: number; remaining: number }> = [];
  private readonly replies = new Map<string, { body: ReplyBody; opts: ReplyOptions }>();
  private listeningPort = 0;
  private down = false;

  private constructor(private readonly options: WebhookReceiverOptions) {
    this.notify.setMaxListeners(0);
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: WebhookReceiverOptions = {}): Promise<FakeWebhookReceiver> {
    const receiver = new FakeWebhookReceiver(options);
    receiver.server.listen(0, '127.0.0.1');
    await once(receiver.server, 'listening');
    receiver.listeningPort = (receiver.server.address() as AddressInfo).port;
    return receiver;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`; append any path. */
  get url(): string {
    return `http://127.0.0.1:${this.listeningPort}`;
  }

  urlFor(path: string): string {
    return `${this.url}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** The next `count` requests are answered with `status`. */
  failNext(status: number, count = 1): void {
    this.failures.push({ status, remaining: count, until: Infinity });
  }

  /** Every request for the next `durationMs` is answered with `status`. */
  failFor(status: number, durationMs: number): void {
    this.failures.push({ status, remaining: Infinity, until: performance.now() + durationMs });
  }

  /** The next `count` requests are answered only after `ms` (the sender should time out first). */
  holdNext(ms: number, count = 1): void {
    this.holds.push({ ms, remaining: count });
  }

  onToolCalls(body: ReplyBody, opts: ReplyOptions = {}): void {
    this.replies.set('tool-calls', { body, opts });
  }

  onAssistantRequest(body: ReplyBody, opts: ReplyOptions = {}): void {
    this.replies.set('assistant-request', { body, opts });
  }

  /** Scripted reply for any event type. */
  onEvent(event: string, body: ReplyBody, opts: ReplyOptions = {}): void {
    this.replies.set(event, { body, opts });
  }

  /** Stops listening and cuts every connection; the port stays reserved for `comeBack()`. */
  async goDown(): Promise<void> {
    if (this.down) return;
    this.down = true;
    this.clearTimers();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Listens again on the same port. */
  async comeBack(): Promise<void> {
    if (!this.down) return;
    this.server.listen(this.listeningPort, '127.0.0.1');
    await once(this.server, 'listening');
    this.down = false;
  }

  /** Resolves with the first recorded request (from index `from`) that matches. */
  waitFor(
    match: string | ((request: WebhookRequestRecord) => boolean),
    opts: { timeoutMs?: number; from?: number } = {},
  ): Promise<WebhookRequestRecord> {
    const matches = typeof match === 'string' ? (r: WebhookRequestRecord) => r.event === match : match;
    const found = this.requests.slice(opts.from ?? 0).find(matches);
    if (found !== undefined) return Promise.resolve(found);
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const listener = (r: WebhookRequestRecord): void => {
        if (!matches(r)) return;
        cleanup();
        resolve(r);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`webhook receiver: no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.notify.off('request', listener);
      };
      this.notify.on('request', listener);
    });
  }

  async close(): Promise<void> {
    this.clearTimers();
    for (const socket of this.sockets) socket.destroy();
    if (!this.down) await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.down = true;
  }

  // ---- internals ----------------------------------------------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const record = this.record(req, Buffer.concat(chunks));
      this.requests.push(record);
      this.notify.emit('request', record);
      this.answer(record, res);
    });
  }

  private record(req: http.IncomingMessage, rawBody: Buffer): WebhookRequestRecord {
    let json: unknown;
    try {
      json = rawBody.length === 0 ? undefined : JSON.parse(rawBody.toString('utf8'));
    } catch {
      json = undefined;
    }
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const bodyType = (json as { message?: { type?: unknown } } | undefined)?.message?.type;
    const timestamp = header('x-webhook-timestamp');
    return {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      rawBody,
      json,
      event: header('x-webhook-event') ?? (typeof bodyType === 'string' ? bodyType : undefined),
      receivedAt: Date.now(),
      receivedAtMono: performance.now(),
      signatureValid: this.verify(header('x-webhook-signature'), timestamp, rawBody),
      timestampFresh: timestamp === undefined ? null : Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300,
      status: 0,
    };
  }

  /** Constant-time HMAC check (flireo-api.md §4.7): the raw body, never a re-serialisation. */
  private verify(signature: string | undefined, timestamp: string | undefined, rawBody: Buffer): boolean | null {
    const secret = this.options.secret;
    if (secret === undefined) return null;
    if (signature === undefined || timestamp === undefined) return false;
    const expected = Buffer.from(signWebhook(secret, timestamp, rawBody), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private answer(record: WebhookRequestRecord, res: http.ServerResponse): void {
    const failure = this.takeFailure();
    if (failure !== undefined) return this.respond(record, res, failure, { error: 'scripted failure' }, 0);
    if (this.options.rejectInvalidSignatures === true && record.signatureValid === false) {
      return this.respond(record, res, 401, { error: 'invalid signature' }, 0);
    }
    const hold = this.takeHold();
    const reply = record.event === undefined ? undefined : this.replies.get(record.event);
    const body = reply === undefined ? { ok: true } : typeof reply.body === 'function' ? (reply.body as (r: WebhookRequestRecord) => unknown)(record) : reply.body;
    this.respond(record, res, reply?.opts.status ?? 200, body, hold + (reply?.opts.delayMs ?? 0));
  }

  private respond(record: WebhookRequestRecord, res: http.ServerResponse, status: number, body: unknown, delayMs: number): void {
    const send = (): void => {
      if (res.destroyed) return;
      record.status = status;
      const text = JSON.stringify(body ?? null);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    };
    if (delayMs <= 0) return send();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send();
    }, delayMs);
    this.timers.add(timer);
  }

  private takeFailure(): number | undefined {
    const now = performance.now();
    for (let i = 0; i < this.failures.length; i++) {
      const f = this.failures[i];
      if (now > f.until || f.remaining <= 0) {
        this.failures.splice(i--, 1);
        continue;
      }
      f.remaining--;
      return f.status;
    }
    return undefined;
  }

  private takeHold(): number {
    const hold = this.holds[0];
    if (hold === undefined) return 0;
    if (--hold.remaining <= 0) this.holds.shift();
    return hold.ms;
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
