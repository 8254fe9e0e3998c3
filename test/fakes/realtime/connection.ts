/**
 * One client connection of the fake realtime server: the protocol state machine for one session
 * (behaviours documented in ../realtime-server.ts).
 */
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Responder } from './responder.js';
import { decodeInput, defaultSession, effectiveSession } from './session-state.js';
import type { EffectiveSession } from './session-state.js';
import type { DeltaRecord, FailMode, FakeReply, FakeScript, Flavour, RecordedClientEvent, RecordedServerEvent, TruncationRecord } from './types.js';
import { mergeSession, validateSessionUpdate } from './validate.js';
import { EnergyVad } from './vad.js';

export interface ResolvedFakeOptions {
  vadThresholdDbfs: number;
  responseAudioMs: number;
  chunkMs: number;
  chunkIntervalMs: number;
  thinkMs: number;
  transcriptionDelayMs: number;
  pingIntervalMs: number;
  xaiUsage: Record<string, unknown>;
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly options: ResolvedFakeOptions;
  script(): FakeScript;
  takeFailure(mode: FailMode): boolean;
  recordClient(event: RecordedClientEvent): void;
  recordServer(event: RecordedServerEvent): void;
  recordDelta(delta: DeltaRecord): void;
  recordTruncation(truncation: TruncationRecord): void;
}

type Obj = Record<string, unknown>;
type ErrorBody = { type: string; code: string; message: string; param?: string };

export class FakeConnection {
  session: Obj;
  effective: EffectiveSession;
  /** Caller audio received, raw bytes in the input format. */
  readonly inputChunks: Uint8Array[] = [];
  /** Text messages added with `conversation.item.create`. */
  readonly contextMessages: Array<{ role: string; text: string }> = [];
  userTurns = 0;
  closed = false;

  private readonly responder: Responder;
  private vad: EnergyVad;
  private readonly timers = new Set<NodeJS.Timeout>();
  private pingTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private lastItemId: string | null = null;
  private speechItemId: string | undefined;
  private unansweredTurn: number | undefined;
  private toolOutput: { output: string; name: string } | undefined;

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly rawSocket: Socket,
    readonly flavour: Flavour,
    readonly model: string,
    private readonly host: ConnectionHost,
  ) {
    this.session = defaultSession(flavour, model, `sess_${id}`);
    this.effective = effectiveSession(flavour, this.session);
    this.vad = this.makeVad();
    const o = host.options;
    this.responder = new Responder({
      flavour,
      outputFormat: () => this.effective.outputFormat,
      send: (e) => this.send(e),
      newId: (p) => this.newId(p),
      schedule: (ms, fn) => this.schedule(ms, fn),
      cancelTimer: (t) => this.cancelTimer(t),
      addItem: (item) => this.addItem(item),
      onDelta: (responseId, itemId, bytes, offsetMs) =>
        host.recordDelta({ connectionId: id, responseId, itemId, at: performance.now(), bytes, offsetMs }),
      afterFirstDelta: () => this.maybeDrop(),
      usage: (text, audioMs) => this.usage(text, audioMs),
      chunkMs: o.chunkMs,
      chunkIntervalMs: o.chunkIntervalMs,
      defaultAudioMs: o.responseAudioMs,
      defaultThinkMs: o.thinkMs,
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on('close', () => this.dispose());
    ws.on('error', () => this.dispose());
  }

  /** The first server event: `session.created` (OpenAI) or `conversation.created` + `ping` (xAI). */
  start(silent: boolean): void {
    if (silent) return;
    if (this.flavour === 'openai') {
      this.send({ type: 'session.created', session: this.session });
      return;
    }
    this.send({ type: 'conversation.created', conversation: { id: `conv_${this.id}`, object: 'realtime.conversation' } });
    this.send({ type: 'ping', timestamp: Date.now() });
    if (this.host.options.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.send({ type: 'ping', timestamp: Date.now() }), this.host.options.pingIntervalMs);
    }
  }

  /** All caller audio received, in the input format. */
  receivedAudio(): Uint8Array {
    return Buffer.concat(this.inputChunks);
  }

  get activeResponseId(): string | undefined {
    return this.responder.activeId;
  }

  /** Ends the socket abruptly (no close frame): the client sees 1006. */
  terminate(): void {
    this.ws.terminate();
  }

  /** Stops reading the socket (a black-holed peer): no events, no pongs, nothing processed. */
  stall(): void {
    this.rawSocket.pause();
    this.dispose();
  }

  send(event: Obj): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const withId = { event_id: this.newId('event'), ...event };
    this.ws.send(JSON.stringify(withId));
    this.host.recordServer({ connectionId: this.id, at: performance.now(), type: String(event.type), event: withId });
  }

  sendError(error: ErrorBody, clientEventId?: unknown): void {
    this.send({
      type: 'error',
      error: { ...error, param: error.param ?? null, event_id: typeof clientEventId === 'string' ? clientEventId : null },
    });
  }

  // ---- client events ------------------------------------------------------------------------

  private onMessage(text: string): void {
    let event: Obj;
    try {
      event = JSON.parse(text) as Obj;
      if (event === null || typeof event !== 'object' || typeof event.type !== 'string') throw new Error('no type');
    } catch {
      this.sendError({ type: 'invalid_request_error', code: 'invalid_json', message: 'The event is not valid JSON.' });
      return;
    }
    this.host.recordClient({ connectionId: this.id, at: performance.now(), type: event.type as string, event });
    switch (event.type) {
      case 'session.update':
        return this.onSessionUpdate(event);
      case 'input_audio_buffer.append':
        return this.onAppend(event);
      case 'input_audio_buffer.commit':
        return this.commitUserTurn(this.speechItemId ?? this.newId('item'), event);
      case 'input_audio_buffer.clear':
        this.vad.reset();
        return this.send({ type: 'input_audio_buffer.cleared' });
      case 'conversation.item.create':
        return this.onItemCreate(event);
      case 'conversation.item.truncate':
        return this.onTruncate(event);
      case 'response.create':
        return this.onResponseCreate(event);
      case 'response.cancel':
        if (this.responder.cancel('client_cancelled')) return;
        return this.sendError(
          { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found.' },
          event.event_id,
        );
      default:
        return this.sendError(
          { type: 'invalid_request_error', code: 'invalid_value', message: `Invalid value: '${String(event.type)}'.`, param: 'type' },
          event.event_id,
        );
    }
  }

  private onSessionUpdate(event: Obj): void {
    if (this.host.takeFailure('ignore-session-update')) return;
    if (this.host.takeFailure('error-event')) {
      return this.sendError({ type: 'server_error', code: 'server_error', message: 'The server had an error while processing your request.' }, event.event_id);
    }
    const update = event.session;
    const invalid = validateSessionUpdate(this.flavour, update);
    if (invalid !== undefined) return this.sendError({ type: 'invalid_request_error', ...invalid }, event.event_id);
    this.session = mergeSession(this.session, update as Obj);
    const before = this.effective.inputFormat;
    this.effective = effectiveSession(this.flavour, this.session);
    if (before.kind !== this.effective.inputFormat.kind || before.rate !== this.effective.inputFormat.rate) this.vad = this.makeVad();
    this.vad.silenceDurationMs = this.effective.vad.silenceDurationMs;
    this.send({ type: 'session.updated', session: this.session });
    if (this.host.takeFailure('fatal-error')) {
      this.sendError({ type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration.' });
      this.ws.close(1011, 'session expired');
    }
  }

  private onAppend(event: Obj): void {
    if (typeof event.audio !== 'string') {
      return this.sendError({ type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameter: 'audio'.", param: 'audio' }, event.event_id);
    }
    const bytes = Buffer.from(event.audio, 'base64');
    this.inputChunks.push(bytes);
    const samples = decodeInput(bytes, this.effective.inputFormat);
    if (!this.effective.vad.enabled) return;
    for (const vadEvent of this.vad.push(samples)) {
      if (vadEvent.type === 'start') this.onSpeechStarted(vadEvent.atMs);
      else this.onSpeechStopped(vadEvent.atMs);
    }
  }

  private onSpeechStarted(atMs: number): void {
    const itemId = this.newId('item');
    this.speechItemId = itemId;
    const audioStartMs = Math.max(0, Math.round(atMs - this.effective.vad.prefixPaddingMs));
    this.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: audioStartMs, item_id: itemId });
    if (this.effective.vad.interruptResponse) this.responder.cancel('turn_detected');
  }

  private onSpeechStopped(atMs: number): void {
    const itemId = this.speechItemId ?? this.newId('item');
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.round(atMs), item_id: itemId });
    this.commitUserTurn(itemId);
  }

  private commitUserTurn(itemId: string, commitEvent?: Obj): void {
    this.speechItemId = undefined;
    this.vad.reset();
    this.send({ type: 'input_audio_buffer.committed', previous_item_id: this.lastItemId, item_id: itemId });
    this.addItem({ id: itemId, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] });
    const turn = this.userTurns++;
    const transcript = this.host.script().turns?.[turn]?.transcript ?? `User turn ${turn + 1}.`;
    this.schedule(this.host.options.transcriptionDelayMs, () =>
      this.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript }),
    );
    const auto = commitEvent === undefined && this.effective.vad.createResponse;
    if (auto && this.responder.activeId === undefined) this.responder.start(this.replyForTurn(turn), `This is reply ${turn + 1}.`);
    else this.unansweredTurn = turn;
  }

  private onItemCreate(event: Obj): void {
    const item = (event.item ?? {}) as Obj;
    const invalid = (message: string, param: string): void =>
      this.sendError({ type: 'invalid_request_error', code: 'invalid_value', message, param }, event.event_id);
    if (item.type === 'message') {
      const content = Array.isArray(item.content) ? (item.content as Obj[]) : [];
      const text = content.map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
      if (!['system', 'user', 'assistant'].includes(String(item.role))) return invalid(`Invalid value: '${String(item.role)}'.`, 'item.role');
      if (content.length === 0 || content.some((c) => !['input_text', 'text', 'output_text'].includes(String(c.type)))) {
        return invalid('Message content must be text parts.', 'item.content');
      }
      this.contextMessages.push({ role: String(item.role), text });
    } else if (item.type === 'function_call_output') {
      const call = typeof item.call_id === 'string' ? this.responder.functionCalls.get(item.call_id) : undefined;
      if (call === undefined) return invalid(`Tool call with id '${String(item.call_id)}' not found.`, 'item.call_id');
      if (typeof item.output !== 'string') return invalid('Function call output must be a string.', 'item.output');
      this.toolOutput = { output: item.output, name: call.name };
    } else {
      return invalid(`Invalid value: '${String(item.type)}'.`, 'item.type');
    }
    this.addItem({ ...item, id: typeof item.id === 'string' ? item.id : this.newId('item'), object: 'realtime.item', status: 'completed' });
  }

  private onTruncate(event: Obj): void {
    const itemId = String(event.item_id);
    const audioEndMs = event.audio_end_ms;
    const item = this.responder.audioItems.get(itemId);
    const fail = (code: string, message: string, param: string): void =>
      this.sendError({ type: 'invalid_request_error', code, message, param }, event.event_id);
    if (item === undefined) return fail('invalid_value', `Item with item_id '${itemId}' not found.`, 'item_id');
    if (typeof audioEndMs !== 'number' || audioEndMs < 0) return fail('invalid_type', 'audio_end_ms must be a non-negative integer.', 'audio_end_ms');
    const record: TruncationRecord = {
      connectionId: this.id,
      itemId,
      audioEndMs,
      contentIndex: Number(event.content_index ?? 0),
      accepted: audioEndMs <= item.sentMs,
      itemAudioMs: item.sentMs,
    };
    this.host.recordTruncation(record);
    if (!record.accepted) {
      return fail('invalid_value', `Audio content of ${Math.round(item.sentMs)}ms is already shorter than ${audioEndMs}ms.`, 'audio_end_ms');
    }
    this.send({ type: 'conversation.item.truncated', item_id: itemId, content_index: record.contentIndex, audio_end_ms: audioEndMs });
  }

  private onResponseCreate(event: Obj): void {
    const active = this.responder.activeId;
    if (active !== undefined) {
      return this.sendError(
        {
          type: 'invalid_request_error',
          code: 'conversation_already_has_active_response',
          message: `Conversation already has an active response in progress: ${active}.`,
        },
        event.event_id,
      );
    }
    const response = (event.response ?? {}) as Obj;
    const allowed = this.flavour === 'openai' ? OPENAI_RESPONSE_FIELDS : XAI_RESPONSE_FIELDS;
    const unknown = Object.keys(response).find((k) => !allowed.has(k));
    if (unknown !== undefined) {
      return this.sendError(
        { type: 'invalid_request_error', code: 'unknown_parameter', message: `Unknown parameter: 'response.${unknown}'.`, param: `response.${unknown}` },
        event.event_id,
      );
    }
    const script = this.host.script();
    let reply: FakeReply;
    if (typeof response.instructions === 'string') {
      reply = script.onInstructions?.(response.instructions) ?? { text: response.instructions };
    } else if (this.toolOutput !== undefined) {
      const { output, name } = this.toolOutput;
      reply = script.afterToolOutput?.(output, name) ?? { text: `The result is ${output}.` };
    } else if (this.unansweredTurn !== undefined) {
      reply = this.replyForTurn(this.unansweredTurn);
    } else {
      reply = script.defaultReply ?? {};
    }
    this.toolOutput = undefined;
    this.unansweredTurn = undefined;
    this.responder.start(reply, 'This is a reply.');
  }

  // ---- helpers ------------------------------------------------------------------------------

  private replyForTurn(turn: number): FakeReply {
    const script = this.host.script();
    return script.turns?.[turn]?.reply ?? script.defaultReply ?? {};
  }

  private addItem(item: Obj): void {
    this.send({ type: 'conversation.item.added', previous_item_id: this.lastItemId, item });
    this.lastItemId = String(item.id);
  }

  private maybeDrop(): boolean {
    if (!this.host.takeFailure('drop-mid-response')) return false;
    this.ws.terminate();
    return true;
  }

  private usage(text: string, audioMs: number): Obj {
    if (this.flavour === 'xai') return { ...this.host.options.xaiUsage };
    const textOut = Math.ceil(text.length / 4);
    const audioOut = Math.round(audioMs / 50);
    const audioIn = Math.round(this.receivedBytesMs() / 100);
    const textIn = Math.ceil(this.effective.instructions.length / 4) + 10;
    return {
      total_tokens: textIn + audioIn + textOut + audioOut,
      input_tokens: textIn + audioIn,
      output_tokens: textOut + audioOut,
      input_token_details: { text_tokens: textIn, audio_tokens: audioIn, image_tokens: 0, cached_tokens: 0 },
      output_token_details: { text_tokens: textOut, audio_tokens: audioOut },
    };
  }

  private receivedBytesMs(): number {
    const bytes = this.inputChunks.reduce((sum, c) => sum + c.length, 0);
    const f = this.effective.inputFormat;
    return f.kind === 'pcm' ? bytes / ((f.rate / 1000) * 2) : bytes / 8;
  }

  private makeVad(): EnergyVad {
    return new EnergyVad(this.effective.inputFormat.rate, this.host.options.vadThresholdDbfs, this.effective.vad.silenceDurationMs);
  }

  private newId(prefix: string): string {
    return `${prefix}_${this.id}_${++this.seq}`;
  }

  private schedule(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private cancelTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
  }
}

const OPENAI_RESPONSE_FIELDS = new Set([
  'instructions', 'output_modalities', 'audio', 'conversation', 'input', 'max_output_tokens', 'metadata',
  'prompt', 'tool_choice', 'tools', 'parallel_tool_calls', 'reasoning',
]);
const XAI_RESPONSE_FIELDS = new Set(['instructions', 'modalities', 'output_modalities']);
