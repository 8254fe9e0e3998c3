/**
 * OpenAI Realtime (GA) over a raw `ws` WebSocket, mapped to our `RealtimeSession` (types.ts).
 *
 * Raw `ws` rather than the `openai` package's `OpenAIRealtimeWS` (research/sip-media.md §4.8):
 * we need `bufferedAmount` for backpressure, and one code path serves xAI, whose adapter
 * (../xai/adapter.ts) is this class with another session shape and capability set.
 *
 * Lifecycle (`state`): idle → opening → open → configuring → ready → closing → closed.
 * `open()` may run while the phone rings; `configure()` sends the (possibly overridden) agent
 * config once it is known. Every wait is bounded; nothing here logs.
 */
import { Buffer } from 'node:buffer';
import WebSocket from 'ws';
import { AudioSender, bytesPerMs } from '../audio-sender.js';
import { errorForSocketFailure, errorForUpgradeStatus, RealtimeProviderError } from '../errors.js';
import { startKeepalive } from '../keepalive.js';
import { TypedEmitter } from '../typed-emitter.js';
import type {
  AddContextOptions,
  CreateResponseOptions,
  RealtimeCapabilities,
  RealtimeEventMap,
  RealtimeEventName,
  RealtimeListener,
  RealtimeProviderName,
  RealtimeSession,
  RealtimeSessionConfig,
  RealtimeSessionOptions,
  RealtimeSessionState,
  RealtimeSessionStats,
  SendToolResultOptions,
} from '../types.js';
import { realtimeWsUrl } from '../ws-url.js';
import { classifyServerError, mapResponseStatus, mapUsage, parseToolArguments, sayInstructions } from './events.js';
import { buildOpenAISession, OPENAI_AUDIO_FORMATS } from './session-config.js';
import { ClientEvent, ServerEvent } from './wire.js';
import type { ClientEventWire, ServerEventWire } from './wire.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const OPENAI_DEFAULT_MODEL = 'gpt-realtime';

export const OPENAI_CAPABILITIES: RealtimeCapabilities = Object.freeze({
  truncate: true,
  tokenUsage: true,
  serverVad: true,
  semanticVad: true,
  temperature: false,
  audioFormats: OPENAI_AUDIO_FORMATS,
});

const DEFAULTS = {
  connectTimeoutMs: 5000,
  closeTimeoutMs: 1000,
  appendBatchMs: 20,
  immediateAfterVoiceMs: 0,
  maxBufferedBytes: 64 * 1024,
  maxPendingAudioMs: 400,
  keepaliveIntervalMs: 15_000,
};

interface Pending {
  resolve: () => void;
  reject: (err: RealtimeProviderError) => void;
  timer: NodeJS.Timeout;
  eventId?: string;
}

/**
 * Marks a promise's rejection as handled while returning it unchanged: a session opened early
 * (while the phone rings) and awaited only at answer time must not crash the worker with an
 * unhandled rejection if the connection fails in between. Awaiting it still throws.
 */
function handledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

function rejectNow(err: unknown): Promise<never> {
  return handledLater(Promise.reject(err));
}

export class OpenAIRealtimeSession implements RealtimeSession {
  readonly provider: RealtimeProviderName = 'openai_realtime';
  readonly capabilities: RealtimeCapabilities = OPENAI_CAPABILITIES;

  protected readonly options: RealtimeSessionOptions;
  private config: RealtimeSessionConfig;
  private ws: WebSocket | undefined;
  private currentState: RealtimeSessionState = 'idle';
  private readonly emitter = new TypedEmitter<RealtimeEventMap>(() => this.counters.listenerErrors++);
  private audio: AudioSender;
  private pendingOpen: Pending | undefined;
  private pendingConfigure: Pending | undefined;
  private closeRequested = false;
  /** open() resolved: from here on the end of the socket is announced with `closed`. */
  private announced = false;
  private closedPromise: Promise<void> | undefined;
  private activeResponseId: string | undefined;
  private configureSeq = 0;
  private stopKeepalive: () => void = () => {};
  private readonly counters = { audioBytesReceived: 0, malformedMessages: 0, listenerErrors: 0 };

  constructor(options: RealtimeSessionOptions) {
    this.options = options;
    this.config = options.config;
    this.audio = this.makeAudioSender(options.config);
  }

  get state(): RealtimeSessionState {
    return this.currentState;
  }

  /** The vendor's session payload for `session.update`; the xAI adapter overrides it. */
  protected buildSessionPayload(config: RealtimeSessionConfig): Record<string, unknown> {
    return buildOpenAISession(config) as unknown as Record<string, unknown>;
  }

  protected defaultBaseUrl(): string {
    return OPENAI_DEFAULT_BASE_URL;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  open(): Promise<void> {
    if (this.currentState !== 'idle') {
      return rejectNow(new RealtimeProviderError('invalid_state', `open() in state ${this.currentState}`));
    }
    this.currentState = 'opening';
    return handledLater(new Promise<void>((resolve, reject) => {
      this.pendingOpen = this.makePending(resolve, reject, 'open');
      let url: string;
      try {
        url = realtimeWsUrl(this.options.baseUrl ?? this.defaultBaseUrl(), this.config.model);
      } catch (err) {
        this.failOpen(new RealtimeProviderError('invalid_state', (err as Error).message, { cause: err }));
        return;
      }
      this.attachSocket(
        new WebSocket(url, {
          headers: { Authorization: `Bearer ${this.options.apiKey}` },
          perMessageDeflate: false,
        }),
      );
    }));
  }

  configure(config: RealtimeSessionConfig = this.config): Promise<void> {
    if (this.currentState !== 'open' && this.currentState !== 'ready') {
      return rejectNow(new RealtimeProviderError('invalid_state', `configure() in state ${this.currentState}`));
    }
    if (config.model !== this.config.model) {
      // The model is part of the URL; the vendors refuse to change it on a live session.
      return rejectNow(new RealtimeProviderError('invalid_state', 'the model cannot change on an open session'));
    }
    if (this.pendingConfigure !== undefined) {
      return rejectNow(new RealtimeProviderError('invalid_state', 'configure() already in progress'));
    }
    let session: Record<string, unknown>;
    try {
      session = this.buildSessionPayload(config);
    } catch (err) {
      return rejectNow(err);
    }
    if (this.currentState === 'open') {
      // First configuration: size the audio batches for the input format now known (audio held
      // so far was in the format of the creation-time config and is only kept if it matches).
      if ((config.inputFormat ?? 'pcmu') !== (this.config.inputFormat ?? 'pcmu')) this.audio = this.makeAudioSender(config);
      this.currentState = 'configuring';
    }
    this.config = config;
    const eventId = `voxgate_cfg_${++this.configureSeq}`;
    return handledLater(new Promise<void>((resolve, reject) => {
      this.pendingConfigure = this.makePending(resolve, reject, 'configure', eventId);
      this.sendEvent({ type: ClientEvent.sessionUpdate, event_id: eventId, session });
    }));
  }

  connect(): Promise<void> {
    return handledLater(this.open().then(() => this.configure(this.config)));
  }

  close(): Promise<void> {
    if (this.closedPromise !== undefined) return this.closedPromise;
    this.closeRequested = true;
    const closing = new RealtimeProviderError('closed', 'session closed');
    this.settle('open', closing);
    this.settle('configure', closing);
    this.audio.reset();
    const ws = this.ws;
    if (ws === undefined || ws.readyState === WebSocket.CLOSED) {
      this.currentState = 'closed';
      this.closedPromise = Promise.resolve();
      return this.closedPromise;
    }
    this.currentState = 'closing';
    this.closedPromise = new Promise<void>((resolve) => {
      const timer = setTimeout(() => ws.terminate(), this.options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'session closed');
    });
    return this.closedPromise;
  }

  // ---- input and control --------------------------------------------------------------------

  appendAudio(frame: Uint8Array, voiced?: boolean): void {
    if (this.currentState === 'closing' || this.currentState === 'closed') return;
    this.audio.push(frame, voiced);
  }

  createResponse(opts: CreateResponseOptions = {}): boolean {
    const response = opts.instructions === undefined ? undefined : { instructions: opts.instructions };
    return this.sendEvent(response === undefined ? { type: ClientEvent.responseCreate } : { type: ClientEvent.responseCreate, response });
  }

  addContext(text: string, opts: AddContextOptions): boolean {
    const sent = this.sendEvent({
      type: ClientEvent.conversationItemCreate,
      item: { type: 'message', role: opts.role ?? 'system', content: [{ type: 'input_text', text }] },
    });
    return sent && (!opts.triggerResponse || this.createResponse());
  }

  say(text: string): boolean {
    return this.createResponse({ instructions: sayInstructions(text) });
  }

  truncate(itemId: string, audioEndMs: number): boolean {
    if (!this.capabilities.truncate) return false;
    const ms = Number.isFinite(audioEndMs) ? Math.max(0, Math.floor(audioEndMs)) : 0;
    return this.sendEvent({ type: ClientEvent.conversationItemTruncate, item_id: itemId, content_index: 0, audio_end_ms: ms });
  }

  cancelResponse(): boolean {
    if (this.activeResponseId === undefined) return false;
    return this.sendEvent({ type: ClientEvent.responseCancel });
  }

  sendToolResult(callId: string, output: string, opts: SendToolResultOptions = {}): boolean {
    const sent = this.sendEvent({
      type: ClientEvent.conversationItemCreate,
      item: { type: 'function_call_output', call_id: callId, output },
    });
    return sent && (opts.triggerResponse === false || this.createResponse());
  }

  on<K extends RealtimeEventName>(type: K, listener: RealtimeListener<K>): () => void {
    return this.emitter.on(type, listener);
  }

  off<K extends RealtimeEventName>(type: K, listener: RealtimeListener<K>): void {
    this.emitter.off(type, listener);
  }

  stats(): RealtimeSessionStats {
    const audio = this.audio.stats();
    return {
      audioBytesSent: audio.audioBytesSent,
      appendsSent: audio.appendsSent,
      audioBytesDropped: audio.audioBytesDropped,
      audioBytesReceived: this.counters.audioBytesReceived,
      malformedMessages: this.counters.malformedMessages,
      listenerErrors: this.counters.listenerErrors,
    };
  }

  // ---- socket -------------------------------------------------------------------------------

  private attachSocket(ws: WebSocket): void {
    this.ws = ws;
    ws.on('unexpected-response', (req, res) => {
      this.failOpen(errorForUpgradeStatus(res.statusCode ?? 0, res.statusMessage ?? ''));
      res.resume();
      req.destroy();
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // Before the upgrade: a connect failure. After it, `close` follows and tells the story.
      if (this.currentState === 'opening') this.failOpen(errorForSocketFailure(err));
    });
    ws.on('open', () => {
      const interval = this.options.keepaliveIntervalMs ?? DEFAULTS.keepaliveIntervalMs;
      this.stopKeepalive = startKeepalive(ws, interval, () => ws.terminate());
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) this.onMessage(data);
    });
    ws.on('close', (code: number, reason: Buffer) => this.onSocketClosed(code, reason.toString()));
  }

  private onSocketClosed(code: number, reason: string): void {
    const lost = new RealtimeProviderError(
      this.closeRequested ? 'closed' : 'connection_lost',
      `socket closed (${code}${reason === '' ? '' : ` ${reason}`})`,
    );
    this.settle('open', lost);
    this.settle('configure', lost);
    this.stopKeepalive();
    this.currentState = 'closed';
    this.activeResponseId = undefined;
    this.audio.reset();
    if (this.announced) {
      this.emitter.emit('closed', { code, reason, expected: this.closeRequested });
    }
  }

  private onMessage(data: WebSocket.RawData): void {
    let event: ServerEventWire;
    try {
      event = JSON.parse(data.toString()) as ServerEventWire;
      if (event === null || typeof event !== 'object' || typeof event.type !== 'string') throw new Error('no type');
    } catch {
      this.counters.malformedMessages++;
      this.emitter.emit('error', { code: 'protocol_error', message: 'unparseable server message', fatal: false });
      return;
    }
    this.handleServerEvent(event);
  }

  /** One switch from wire events to ours; unknown events are ignored (vendors add events). */
  private handleServerEvent(event: ServerEventWire): void {
    switch (event.type) {
      case ServerEvent.sessionCreated:
      case ServerEvent.conversationCreated:
        if (this.currentState === 'opening') {
          this.currentState = 'open';
          this.announced = true;
          this.settle('open');
        }
        return;
      case ServerEvent.sessionUpdated:
        if (this.pendingConfigure === undefined) return;
        this.currentState = 'ready';
        this.settle('configure');
        this.audio.drain();
        return;
      case ServerEvent.error:
        return this.onServerError(event.error);
      case ServerEvent.speechStarted:
        return this.emitter.emit('speech-started', { itemId: event.item_id, audioStartMs: event.audio_start_ms });
      case ServerEvent.speechStopped:
        return this.emitter.emit('speech-stopped', { itemId: event.item_id, audioEndMs: event.audio_end_ms });
      case ServerEvent.inputTranscriptionDelta:
        return this.emitter.emit('transcript', { role: 'user', text: event.delta, final: false, itemId: event.item_id });
      case ServerEvent.inputTranscriptionCompleted:
        return this.emitter.emit('transcript', { role: 'user', text: event.transcript, final: true, itemId: event.item_id });
      case ServerEvent.inputTranscriptionFailed:
        return this.emitter.emit('error', {
          code: 'server_error',
          message: event.error?.message ?? 'input transcription failed',
          fatal: false,
        });
      case ServerEvent.itemTruncated:
        return this.emitter.emit('truncated', { itemId: event.item_id, audioEndMs: event.audio_end_ms });
      default:
        return this.handleResponseEvent(event);
    }
  }

  private handleResponseEvent(event: ServerEventWire): void {
    switch (event.type) {
      case ServerEvent.responseCreated: {
        const responseId = event.response?.id ?? '';
        this.activeResponseId = responseId;
        return this.emitter.emit('response-started', { responseId });
      }
      case ServerEvent.outputAudioDelta: {
        const audio = Buffer.from(event.delta, 'base64');
        this.counters.audioBytesReceived += audio.length;
        return this.emitter.emit('audio', { itemId: event.item_id, responseId: event.response_id, audio });
      }
      case ServerEvent.outputAudioDone:
        return this.emitter.emit('audio-done', { itemId: event.item_id, responseId: event.response_id });
      case ServerEvent.outputAudioTranscriptDelta:
        return this.emitter.emit('transcript', {
          role: 'assistant', text: event.delta, final: false, itemId: event.item_id, responseId: event.response_id,
        });
      case ServerEvent.outputAudioTranscriptDone:
        return this.emitter.emit('transcript', {
          role: 'assistant', text: event.transcript, final: true, itemId: event.item_id, responseId: event.response_id,
        });
      case ServerEvent.functionCallArgumentsDone: {
        const parsed = parseToolArguments(event.arguments);
        return this.emitter.emit('tool-call', {
          callId: event.call_id,
          name: event.name,
          ...parsed,
          rawArguments: typeof event.arguments === 'string' ? event.arguments : '',
          itemId: event.item_id,
          responseId: event.response_id,
        });
      }
      case ServerEvent.responseDone: {
        const responseId = event.response?.id ?? '';
        if (this.activeResponseId === responseId) this.activeResponseId = undefined;
        const reason = event.response?.status_details?.reason;
        // xAI puts usage at the top level of response.done as well; either may be empty.
        const usage = mapUsage(event.response?.usage) ?? mapUsage(event.usage);
        return this.emitter.emit('response-done', {
          responseId,
          status: mapResponseStatus(event.response),
          ...(reason === undefined ? {} : { statusReason: reason }),
          ...(usage === undefined ? {} : { usage }),
        });
      }
      default:
        return;
    }
  }

  private onServerError(error: Parameters<typeof classifyServerError>[0]): void {
    const pending = this.pendingConfigure;
    if (pending !== undefined && (error?.event_id === pending.eventId || error?.event_id == null)) {
      this.settle('configure', new RealtimeProviderError('config_rejected', error?.message ?? 'session.update refused', {
        providerCode: error?.code ?? undefined,
        param: error?.param ?? undefined,
      }));
      return;
    }
    const mapped = classifyServerError(error);
    if (mapped === undefined) return;
    this.emitter.emit('error', mapped);
    if (mapped.fatal) this.ws?.close(1000, 'fatal provider error');
  }

  // ---- helpers ------------------------------------------------------------------------------

  private sendEvent(event: ClientEventWire): boolean {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return false;
    const configuring = event.type === ClientEvent.sessionUpdate;
    if (!configuring && this.currentState !== 'ready') return false;
    // Audio still in a partial batch was spoken before this event: it goes first.
    if (!configuring) this.audio.flush();
    ws.send(JSON.stringify(event));
    return true;
  }

  private makeAudioSender(config: RealtimeSessionConfig): AudioSender {
    const perMs = bytesPerMs(config.inputFormat ?? 'pcmu');
    const batchMs = this.options.appendBatchMs ?? DEFAULTS.appendBatchMs;
    const pendingMs = this.options.maxPendingAudioMs ?? DEFAULTS.maxPendingAudioMs;
    const urgentMs = this.options.immediateAfterVoiceMs ?? DEFAULTS.immediateAfterVoiceMs;
    return new AudioSender(
      {
        batchBytes: Math.max(1, Math.round(batchMs * perMs)),
        urgentQuietBytes: Math.max(0, Math.round(urgentMs * perMs)),
        // Voiced audio goes in appends of one frame (20 ms): the ring has room for those, and
        // the held audio is bounded in time whatever the append sizes.
        maxPendingAppends: Math.max(1, Math.ceil(pendingMs / Math.min(batchMs, 20))),
        maxPendingBytes: Math.max(1, Math.round(pendingMs * perMs)),
        maxBufferedBytes: this.options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
      },
      {
        ready: () => this.currentState === 'ready' && this.ws?.readyState === WebSocket.OPEN,
        bufferedAmount: () => this.ws?.bufferedAmount ?? 0,
        send: (message) => this.ws?.send(message),
      },
    );
  }

  private makePending(
    resolve: () => void,
    reject: (err: RealtimeProviderError) => void,
    which: 'open' | 'configure',
    eventId?: string,
  ): Pending {
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    const timer = setTimeout(() => {
      const err = new RealtimeProviderError('connect_timeout', `${which} did not complete within ${timeoutMs} ms`);
      if (which === 'open') this.failOpen(err);
      else this.settle('configure', err);
    }, timeoutMs);
    return { resolve, reject, timer, eventId };
  }

  /** A failed open leaves nothing behind: the socket is destroyed, the state is closed. */
  private failOpen(err: RealtimeProviderError): void {
    if (this.pendingOpen === undefined) return;
    this.settle('open', err);
    this.currentState = 'closed';
    if (this.ws !== undefined && this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }

  private settle(which: 'open' | 'configure', err?: RealtimeProviderError): void {
    const pending = which === 'open' ? this.pendingOpen : this.pendingConfigure;
    if (pending === undefined) return;
    if (which === 'open') this.pendingOpen = undefined;
    else this.pendingConfigure = undefined;
    clearTimeout(pending.timer);
    if (err !== undefined && which === 'configure' && this.currentState === 'configuring') this.currentState = 'open';
    if (err === undefined) pending.resolve();
    else pending.reject(err);
  }
}
