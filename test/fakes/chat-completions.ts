/**
 * A local fake of an OpenAI-compatible chat-completions API (OpenAI, Mistral, xAI), for tests and
 * benchmarks. A real HTTP server on 127.0.0.1, port 0; point a client at `fake.baseUrl`
 * (`http://127.0.0.1:<port>/v1`, the value for `OPENAI_BASE_URL` / `MISTRAL_BASE_URL` / `XAI_BASE_URL`).
 *
 * Routes: `POST /v1/chat/completions`, `GET /v1/models`. Everything else is 404.
 *
 * Behaviour (research/pipeline.md §2.4, §6):
 * - Auth: `Authorization: Bearer <apiKey>`; otherwise the vendor's refusal (OpenAI 401
 *   `{"error": {message, type, param, code: "invalid_api_key"}}`; Mistral 401 `{"message":
 *   "Unauthorized"}`; xAI 401 without a header, 400 "Incorrect API key provided" with a wrong one).
 * - Bodies are checked like the vendor checks them (chat-completions-validate.ts) and refused with
 *   its status and error shape: missing `model`/`messages`, unknown roles, `tool` messages without
 *   `tool_call_id` or without a preceding assistant `tool_calls`, unanswered tool calls, a
 *   `tool_choice` naming an unknown function; OpenAI's strict-schema rules and the "json" word for
 *   JSON mode; Mistral's 9-character ids, message order and unknown fields (422).
 * - Answers: a `chat.completion` object with `usage`, or an SSE stream (`stream: true`) of
 *   `chat.completion.chunk`s ending in `data: [DONE]`, with a usage-only chunk when
 *   `stream_options.include_usage` is set (Mistral: usage always on the last chunk). Tool calls
 *   stream in the instance's style (see ChatStyle).
 * - Scripts: `enqueue()` one-shot steps (consumed in order), `when()` standing rules, `setDefault()`;
 *   a step is a reply (text, tool calls, `json` answered by the means the request asked for,
 *   timing) or a failure (HTTP status, hang, dropped stream); a step may be a function of the
 *   request. Every request is recorded in `requests` (messages, tools, temperature, model,
 *   response_format, outcome, whether the client gave up).
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authRefusal, openAiError, scriptedRefusal, unknownModel, type Refusal } from './chat-completions-errors.js';
import {
  isFailure,
  type ChatMessage,
  type ChatStyle,
  type ChatTool,
  type FakeChatOptions,
  type RecordedChatRequest,
  type Responder,
  type ResponseFormat,
  type ScriptedFailure,
  type ScriptedReply,
  type ScriptStep,
  type ToolChoice,
} from './chat-completions-types.js';
import { validateBody } from './chat-completions-validate.js';
import { chunkBody, chunkPlan, completionBody, completionId, resolveAnswer, textPieces } from './chat-completions-wire.js';

export type * from './chat-completions-types.js';

const DEFAULT_MODELS: Record<ChatStyle, string[]> = {
  openai: ['gpt-4o-mini', 'gpt-4o'],
  mistral: ['mistral-small-latest', 'mistral-large-latest'],
  xai: ['grok-3-mini', 'grok-4'],
};
const OWNERS: Record<ChatStyle, string> = { openai: 'openai', mistral: 'mistralai', xai: 'xai' };

/** The text of the last user message (string content or text parts). */
export function lastUserMessage(req: RecordedChatRequest): string {
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  return last ? messageText(last) : '';
}

export function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) return m.content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

/** A predicate for `when()`: the last user message contains `text`. */
export const lastUserContains =
  (text: string) =>
  (req: RecordedChatRequest): boolean =>
    lastUserMessage(req).includes(text);

interface Rule {
  predicate: (req: RecordedChatRequest) => boolean;
  responder: Responder;
}

export class FakeChatCompletions {
  readonly style: ChatStyle;
  readonly apiKey: string;
  readonly requests: RecordedChatRequest[] = [];
  private readonly queue: Responder[] = [];
  private readonly rules: Rule[] = [];
  private defaultReply: Responder;
  private readonly notify = new EventEmitter();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    private readonly options: FakeChatOptions,
  ) {
    this.style = options.style ?? 'openai';
    this.apiKey = options.apiKey ?? 'test-llm-key';
    this.defaultReply = options.defaultReply ?? { content: 'This is a scripted reply.' };
    this.notify.setMaxListeners(0);
  }

  static async start(options: FakeChatOptions = {}): Promise<FakeChatCompletions> {
    let fake: FakeChatCompletions | null = null;
    const server = createServer((req, res) => {
      fake?.handle(req, res).catch(() => res.destroy());
    });
    fake = new FakeChatCompletions(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Requests that passed auth and validation (what "the model" saw). */
  get answered(): RecordedChatRequest[] {
    return this.requests.filter((r) => r.outcome === 200 || r.outcome === 'hang' || r.outcome === 'dropped');
  }

  /** One-shot steps, used by the next requests in order before any rule or default. */
  enqueue(...steps: Responder[]): this {
    this.queue.push(...steps);
    return this;
  }

  /** The same one-shot step for the next `times` requests (e.g. invalid JSON twice). */
  repeat(times: number, step: Responder): this {
    for (let i = 0; i < times; i += 1) this.queue.push(step);
    return this;
  }

  /** A standing rule, checked in the order added once the one-shot queue is empty. */
  when(predicate: (req: RecordedChatRequest) => boolean, responder: Responder): this {
    this.rules.push({ predicate, responder });
    return this;
  }

  setDefault(responder: Responder): this {
    this.defaultReply = responder;
    return this;
  }

  /** Forgets scripts and recorded requests (keeps the server). */
  reset(): void {
    this.queue.length = 0;
    this.rules.length = 0;
    this.requests.length = 0;
    this.defaultReply = this.options.defaultReply ?? { content: 'This is a scripted reply.' };
  }

  /** Resolves once `count` requests have been received (valid or not). */
  waitForRequests(count: number, timeoutMs = 5_000): Promise<RecordedChatRequest[]> {
    return this.waitFor(() => this.requests.length >= count, timeoutMs, `${count} chat requests`).then(() => this.requests.slice(0, count));
  }

  /** Resolves once `predicate` holds after a request arrives or finishes. */
  waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake chat-completions: timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.notify.off('change', check);
      };
      this.notify.on('change', check);
    });
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') return this.listModels(req, res);
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendRefusal(res, openAiError(404, { message: `Invalid URL (${req.method ?? 'GET'} ${path})` }));
    }
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const record = this.record(req, path, body);
    res.on('close', () => {
      if (!res.writableEnded && record.outcome !== 'dropped') record.aborted = true;
      this.notify.emit('change');
    });
    const refusal = this.refusalFor(req, record, body);
    if (refusal) {
      record.outcome = refusal.status;
      return sendRefusal(res, refusal);
    }
    const step = await this.nextStep(record);
    if (isFailure(step)) return this.fail(res, record, step);
    record.outcome = 200;
    const reply = { firstTokenDelayMs: this.options.firstTokenDelayMs, chunkDelayMs: this.options.chunkDelayMs, ...step };
    if (record.stream) await this.stream(res, record, reply);
    else await this.complete(res, record, reply);
  }

  private record(req: IncomingMessage, path: string, body: unknown): RecordedChatRequest {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const streamOptions = b.stream_options as { include_usage?: unknown } | undefined;
    const record: RecordedChatRequest = {
      seq: this.requests.length,
      method: req.method ?? 'POST',
      path,
      authorization: req.headers.authorization,
      body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined,
      model: typeof b.model === 'string' ? b.model : undefined,
      messages: Array.isArray(b.messages) ? (b.messages as ChatMessage[]) : [],
      tools: Array.isArray(b.tools) ? (b.tools as ChatTool[]) : undefined,
      toolChoice: b.tool_choice as ToolChoice | undefined,
      temperature: typeof b.temperature === 'number' ? b.temperature : undefined,
      responseFormat: b.response_format as ResponseFormat | undefined,
      stream: b.stream === true,
      includeUsage: b.stream === true && streamOptions?.include_usage === true,
      receivedAt: Date.now(),
      aborted: false,
    };
    this.requests.push(record);
    this.notify.emit('change');
    return record;
  }

  private refusalFor(req: IncomingMessage, record: RecordedChatRequest, body: unknown): Refusal | null {
    const auth = authRefusal(this.style, req.headers.authorization, this.apiKey);
    if (auth) return auth;
    const invalid = validateBody(this.style, body);
    if (invalid) return invalid;
    const models = this.options.models;
    if (models && record.model && !models.includes(record.model)) return unknownModel(this.style, record.model);
    return null;
  }

  private async nextStep(req: RecordedChatRequest): Promise<ScriptStep> {
    const candidates: Responder[] = [];
    const queued = this.queue.shift();
    if (queued) candidates.push(queued);
    for (const rule of this.rules) if (rule.predicate(req)) candidates.push(rule.responder);
    candidates.push(this.defaultReply);
    for (const responder of candidates) {
      const step = typeof responder === 'function' ? await responder(req) : responder;
      if (step) return step;
    }
    return { content: '' };
  }

  private fail(res: ServerResponse, record: RecordedChatRequest, step: ScriptedFailure): void {
    if (step.fail === 'hang') {
      record.outcome = 'hang'; // never answers; the client's deadline must fire
      return;
    }
    if (step.fail === 'drop' && !record.stream) {
      record.outcome = 'dropped';
      res.socket?.destroy();
      return;
    }
    if (step.fail === 'drop') {
      // A stream that breaks after some chunks: play the default reply and cut it.
      record.outcome = 'dropped';
      void this.stream(res, record, { content: 'This answer is cut off in the middle of a sentence and never ends.' }, step.afterChunks ?? 2);
      return;
    }
    record.outcome = step.status;
    sendRefusal(res, scriptedRefusal(this.style, step.status, step.message, step.retryAfterSeconds));
  }

  private async complete(res: ServerResponse, record: RecordedChatRequest, reply: ScriptedReply): Promise<void> {
    const answer = resolveAnswer(this.style, record, reply);
    const pieces = textPieces(answer.content ?? '').length + answer.toolCalls.length;
    const alive = await this.sleep(res, (reply.firstTokenDelayMs ?? 0) + (reply.chunkDelayMs ?? 0) * pieces);
    if (!alive) return;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completionBody(this.style, record.model ?? '', answer)));
  }

  private async stream(res: ServerResponse, record: RecordedChatRequest, reply: ScriptedReply, dropAfter?: number): Promise<void> {
    const answer = resolveAnswer(this.style, record, reply);
    const who = { id: completionId(this.style), created: Math.floor(Date.now() / 1000), model: record.model ?? '' };
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (step: Parameters<typeof chunkBody>[2]): Promise<void> =>
      new Promise((resolve) => res.write(`data: ${JSON.stringify(chunkBody(this.style, who, step, answer, record.includeUsage))}\n\n`, () => resolve()));
    if (!(await this.think(res, reply.firstTokenDelayMs ?? 0, () => void send({ kind: 'keepalive' })))) return;
    let sent = 0;
    for (const step of chunkPlan(this.style, answer, record.includeUsage)) {
      if (dropAfter !== undefined && sent >= dropAfter) {
        // The chunks so far have been flushed (write callbacks); now the connection breaks.
        res.socket?.destroy();
        return;
      }
      if (sent > 0 && !(await this.sleep(res, reply.chunkDelayMs ?? 0))) return;
      await send(step);
      sent += 1;
    }
    res.end('data: [DONE]\n\n');
  }

  /** The wait before the first token; xAI sends empty keep-alive chunks meanwhile. */
  private async think(res: ServerResponse, ms: number, keepAlive: () => void): Promise<boolean> {
    if (this.style !== 'xai') return this.sleep(res, ms);
    const every = this.options.keepAliveMs ?? 200;
    for (let left = ms; left > 0; left -= every) {
      if (!(await this.sleep(res, Math.min(every, left)))) return false;
      if (left > every) keepAlive();
    }
    return !res.destroyed;
  }

  /** Waits unless the client has gone; false when it has. */
  private sleep(res: ServerResponse, ms: number): Promise<boolean> {
    if (res.destroyed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onClose = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        res.off('close', onClose);
        resolve(!res.destroyed);
      }, ms);
      this.timers.add(timer);
      res.once('close', onClose);
    });
  }

  private listModels(req: IncomingMessage, res: ServerResponse): void {
    const auth = authRefusal(this.style, req.headers.authorization, this.apiKey);
    if (auth) return sendRefusal(res, auth);
    const created = Math.floor(Date.now() / 1000);
    const data = (this.options.models ?? DEFAULT_MODELS[this.style]).map((id) => ({ id, object: 'model', created, owned_by: OWNERS[this.style] }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendRefusal(res: ServerResponse, r: Refusal): void {
  res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers }).end(JSON.stringify(r.body));
}

export { DEFAULT_MODELS as FAKE_CHAT_MODELS };
