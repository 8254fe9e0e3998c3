/**
 * The STT → LLM → TTS pipeline as an `AgentEngine` (DESIGN §4.1). Caller audio goes to Deepgram
 * untouched and, with the runtime's voice activity verdict, to the turn detector; at the end of a
 * caller turn the conversation goes to the chat LLM, whose streamed text is cut into sentences
 * that TTS starts on at once; the audio goes to the runtime in the call's format, the reply's
 * tool calls to the runtime's tool router. Barge-in: the turn detector makes speech onsets
 * tentative (the runtime pauses the agent) and confirms or dismisses them; a confirmed one makes
 * the runtime flush and call `interrupted()`, which cancels the LLM stream and the TTS utterance
 * and keeps in the conversation only the words the caller heard. A reply nobody heard before the
 * caller went on is withdrawn, and the caller's next words join their turn.
 *
 * Every stage failure is fatal and named by stage (`stt/…`, `llm/…`, `tts/…`): the runtime
 * apologises with the built-in prompt and hangs up.
 */
import type { TimeSource } from '../../clock/time.js';
import type { AudioFormat, ItemPlayed } from '../../call/types.js';
import { loadResamplerWasm } from '../../codecs/speex-resampler.js';
import type { ChatClient, ChatTool } from '../../providers/chat/stream.js';
import { ChatError } from '../../providers/chat/stream.js';
import type { DeepgramLive } from '../../providers/deepgram/live.js';
import type { AddContextOptions, CreateResponseOptions, RealtimeSessionStats, SendToolResultOptions } from '../../providers/index.js';
import type { TtsEngine } from '../../providers/tts.js';
import { TypedEmitter } from '../../providers/typed-emitter.js';
import type { TurnTakingConfig } from '../config.js';
import { EngineStartError, type AgentEngine, type AgentEngineCapabilities, type AgentEngineEventMap, type AgentEngineEventName, type EngineStage, type TurnMarks } from './../engine.js';
import { AudioOut } from './audio-out.js';
import { Conversation } from './conversation.js';
import { Reply } from './reply.js';
import { SentenceSplitter } from './sentences.js';
import { TurnDetector } from './turn-detector.js';

export interface PipelineParts {
  stt: DeepgramLive;
  chat: ChatClient;
  tts: TtsEngine;
  conversation: Conversation;
  tools: ChatTool[];
  model: string;
  temperature?: number;
  maxTokens?: number;
  turn: TurnTakingConfig;
  format: AudioFormat;
  time: TimeSource;
  now: () => number;
  llmTimeoutMs: number;
  ttsTimeoutMs: number;
}

/** Audio kept ahead of the media clock: a pause silences the agent within about two frames. */
const PLAYOUT_LEAD_MS = 40;
const RECENT_REPLIES = 4;

interface Active {
  responseId: string;
  itemId: string;
  reply: Reply;
  controller: AbortController | null;
  /** Answers a caller turn (its marks go to the latency waterfall). */
  marks: TurnMarks | null;
  text: string;
  llmDone: boolean;
  ttsDone: boolean;
  toolCalls: number;
  conversationRef: ReturnType<Conversation['addAssistant']> | null;
  answersUser: boolean;
  cancelled: boolean;
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number };
}

export class PipelineEngine implements AgentEngine {
  readonly capabilities: AgentEngineCapabilities = {
    truncate: true,
    tokenUsage: true,
    tentativeSpeech: true,
    knowsHeardText: true,
    playoutLeadMs: PLAYOUT_LEAD_MS,
    audioFormats: ['pcmu', 'pcma', 'pcm16@24k'],
  };
  private readonly emitter = new TypedEmitter<AgentEngineEventMap>();
  private readonly turns: TurnDetector;
  private active: Active | null = null;
  private readonly recent: Active[] = [];
  private seq = 0;
  private userSeq = 0;
  private userItem = 'user_1';
  private started = false;
  private closed = false;
  /** The last reply was withdrawn unheard: the caller's next words extend their turn. */
  private reopen = false;
  private readonly counters = { audioBytesSent: 0, appendsSent: 0, audioBytesReceived: 0, llmRequests: 0, ttsRequests: 0, ttsCharacters: 0 };

  constructor(private readonly p: PipelineParts) {
    this.turns = new TurnDetector(p.turn, p.time, p.now, {
      speechStarted: (onsetAt) => this.emitter.emit('speech-started', { itemId: this.userItem, audioStartMs: onsetAt }),
      interruption: (confirmed) => this.emitter.emit('interruption', { confirmed }),
      finalize: () => p.stt.finalize(),
      endOfTurn: (text, speechEndAt, decidedAt) => this.onEndOfTurn(text, speechEndAt, decidedAt),
      noTurn: () => this.emitter.emit('speech-stopped', { itemId: this.userItem, audioEndMs: p.now(), noTurn: true }),
    });
    p.stt.on('transcript', (t) => this.turns.transcript(t));
    p.stt.on('utterance-end', () => this.turns.utteranceEnd());
    p.stt.on('error', (e) => this.fatal('stt', e.code, e.message));
  }

  async start(): Promise<void> {
    const stage = async (name: EngineStage, run: () => Promise<void>): Promise<void> => {
      try {
        await run();
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new EngineStartError(name, typeof code === 'string' ? code : 'connect_failed', `${name}: ${(err as Error).message}`);
      }
    };
    await Promise.all([stage('stt', () => this.p.stt.open()), stage('tts', () => this.p.tts.open()), stage('tts', () => loadResamplerWasm())]);
    this.started = true;
  }

  appendAudio(frame: Uint8Array, receivedAt: number, voiced: boolean): void {
    if (this.closed) return;
    this.p.stt.sendAudio(frame);
    this.counters.audioBytesSent += frame.length;
    this.counters.appendsSent++;
    this.turns.frame(voiced, receivedAt);
  }

  say(text: string): boolean {
    if (!this.canStart()) return false;
    const a = this.begin(null, false);
    a.conversationRef = this.p.conversation.addAssistant(text);
    const splitter = new SentenceSplitter();
    for (const piece of splitter.push(`${text} `)) a.reply.speak(piece);
    const rest = splitter.flush();
    if (rest) a.reply.speak(rest);
    a.text = text;
    a.llmDone = true;
    a.reply.finish();
    this.announce(a, false);
    return true;
  }

  createResponse(opts: CreateResponseOptions = {}): boolean {
    if (!this.canStart()) return false;
    const a = this.begin(null, false);
    this.announce(a, false);
    void this.runLlm(a, opts.instructions);
    return true;
  }

  addContext(text: string, opts: AddContextOptions): boolean {
    if (this.closed) return false;
    if (opts.role === 'user') this.p.conversation.addUser(text);
    else this.p.conversation.addContext(text);
    return !opts.triggerResponse || this.createResponse();
  }

  sendToolResult(callId: string, output: string, opts: SendToolResultOptions = {}): boolean {
    if (this.closed) return false;
    this.p.conversation.addToolResult(callId, output);
    return opts.triggerResponse === false || this.createResponse();
  }

  interrupted(heard: ItemPlayed | null, activeResponseId: string | null): Map<string, string> {
    const texts = new Map<string, string>();
    const active = this.active;
    for (const r of [...this.recent, ...(active ? [active] : [])]) {
      const played = heard?.itemId === r.itemId ? heard.playedMs : null;
      const isActive = r === active && (activeResponseId === null || activeResponseId === r.responseId);
      if (played === null && !isActive) continue;
      const text = r.reply.heardText(played ?? 0);
      texts.set(r.itemId, text);
      if (r.conversationRef) this.p.conversation.setHeard(r.conversationRef, text);
      if (text === '' && r.answersUser && r.toolCalls === 0 && this.p.conversation.endsWithUser) this.reopen = true;
    }
    if (active) this.cancel(active);
    return texts;
  }

  cancelResponse(): boolean {
    const a = this.active;
    if (!a) return false;
    if (a.conversationRef) this.p.conversation.setHeard(a.conversationRef, a.reply.text);
    this.cancel(a);
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.turns.stop();
    if (this.active) this.cancel(this.active, false);
    await Promise.all([this.p.stt.close().catch(() => undefined), this.p.tts.close().catch(() => undefined)]);
    this.emitter.emit('closed', { code: 1000, reason: 'closed', expected: true });
  }

  on<K extends AgentEngineEventName>(type: K, listener: (event: AgentEngineEventMap[K]) => void): () => void {
    return this.emitter.on(type, listener);
  }

  usage(): Record<string, number> {
    const stt = this.p.stt.stats();
    const perMs = this.p.format.encoding === 'pcm16' ? (this.p.format.sampleRate / 1000) * 2 : 8;
    return {
      sttAudioSeconds: Math.round(stt.audioBytesSent / perMs) / 1000,
      sttReconnects: stt.reconnects,
      llmRequests: this.counters.llmRequests,
      ttsRequests: this.counters.ttsRequests,
      ttsCharacters: this.counters.ttsCharacters,
      ttsAudioSeconds: Math.round(this.counters.audioBytesReceived / perMs) / 1000,
    };
  }

  stats(): RealtimeSessionStats {
    const stt = this.p.stt.stats();
    return {
      audioBytesSent: stt.audioBytesSent,
      appendsSent: this.counters.appendsSent,
      audioBytesDropped: stt.audioBytesDropped,
      audioBytesReceived: this.counters.audioBytesReceived,
      malformedMessages: 0,
      listenerErrors: 0,
    };
  }

  // ---- turns ----------------------------------------------------------------------------------

  private onEndOfTurn(text: string, speechEndAt: number, decidedAt: number): void {
    if (this.closed) return;
    // The turn is over: whatever Deepgram still holds of it is flushed now (a late final repeating
    // the turn is recognised and ignored by the detector).
    this.p.stt.finalize();
    const itemId = this.userItem;
    this.userItem = `user_${++this.userSeq + 1}`;
    if (!(this.reopen && this.p.conversation.extendLastUser(text))) this.p.conversation.addUser(text);
    this.reopen = false;
    this.emitter.emit('speech-stopped', { itemId, audioEndMs: speechEndAt });
    this.emitter.emit('transcript', { role: 'user', text, final: true, itemId });
    // A tool still running answers this turn too: the runtime asks for the reply once it is back.
    if (this.p.conversation.openToolCalls > 0 || !this.started) return;
    if (this.active) this.cancel(this.active);
    const marks: TurnMarks = { responseId: '', speechEndAt, endOfTurnAt: decidedAt };
    const a = this.begin(marks, true);
    this.announce(a, true);
    void this.runLlm(a);
  }

  // ---- replies --------------------------------------------------------------------------------

  private canStart(): boolean {
    return this.started && !this.closed && this.active === null;
  }

  private begin(marks: TurnMarks | null, answersUser: boolean): Active {
    const n = ++this.seq;
    const responseId = `resp_${n}`;
    const itemId = `item_${n}`;
    if (marks) marks.responseId = responseId;
    const a: Active = {
      responseId,
      itemId,
      controller: null,
      marks,
      text: '',
      llmDone: false,
      ttsDone: false,
      toolCalls: 0,
      conversationRef: null,
      answersUser,
      cancelled: false,
      reply: null as unknown as Reply,
    };
    let firstAudio = true;
    a.reply = new Reply(this.p.tts, new AudioOut(this.p.format), this.p.time, this.p.ttsTimeoutMs, {
      request: (piece) => {
        this.counters.ttsRequests++;
        this.counters.ttsCharacters += a.reply.pieceLength(piece);
        if (a.marks && a.marks.ttsRequestAt === undefined) a.marks.ttsRequestAt = this.p.now();
      },
      audio: (data) => {
        if (a.cancelled) return;
        this.counters.audioBytesReceived += data.length;
        if (firstAudio && a.marks) {
          firstAudio = false;
          a.marks.ttsFirstAudioAt = this.p.now();
          this.emitter.emit('turn-marks', { ...a.marks });
        }
        this.emitter.emit('audio', { itemId, responseId, audio: data });
      },
      done: () => {
        a.ttsDone = true;
        this.maybeDone(a);
      },
      error: (err) => this.fatal('tts', err.code, err.message),
    });
    this.active = a;
    return a;
  }

  /** `response-started`: at once for the engine's own replies, after the request returned for the runtime's. */
  private announce(a: Active, own: boolean): void {
    const emit = (): void => {
      if (a.cancelled && !own) return;
      this.emitter.emit('response-started', { responseId: a.responseId });
      if (a.marks) this.emitter.emit('turn-marks', { ...a.marks });
    };
    if (own) emit();
    else queueMicrotask(emit);
  }

  private async runLlm(a: Active, instructions?: string): Promise<void> {
    const controller = new AbortController();
    a.controller = controller;
    const splitter = new SentenceSplitter();
    let firstPiece = true;
    const speak = (piece: string): void => {
      if (firstPiece && a.marks) a.marks.llmFirstSentenceAt = this.p.now();
      firstPiece = false;
      a.reply.speak(piece);
    };
    const deadline = this.p.time.setTimer(() => controller.abort(), this.p.llmTimeoutMs);
    this.counters.llmRequests++;
    let gotToken = false;
    if (a.marks) a.marks.llmRequestAt = this.p.now();
    try {
      const result = await this.p.chat.stream(
        {
          model: this.p.model,
          messages: this.p.conversation.render(this.p.chat.capabilities, instructions),
          tools: this.p.tools,
          ...(this.p.temperature !== undefined && { temperature: this.p.temperature }),
          ...(this.p.maxTokens !== undefined && { maxTokens: this.p.maxTokens }),
        },
        {
          firstToken: () => {
            gotToken = true;
            this.p.time.clearTimer(deadline);
            if (a.marks) a.marks.llmFirstTokenAt = this.p.now();
          },
          text: (delta) => {
            if (a.cancelled) return;
            a.text += delta;
            for (const piece of splitter.push(delta)) speak(piece);
          },
        },
        controller.signal,
      );
      this.p.time.clearTimer(deadline);
      if (a.cancelled) return;
      const rest = splitter.flush();
      if (rest) speak(rest);
      a.text = result.text;
      a.conversationRef = this.p.conversation.addAssistant(result.text, result.toolCalls);
      if (result.usage) a.usage = { inputTokens: result.usage.promptTokens, outputTokens: result.usage.completionTokens, totalTokens: result.usage.totalTokens };
      a.toolCalls = result.toolCalls.length;
      for (const call of result.toolCalls) this.emitToolCall(a, call.id, call.name, call.arguments);
      a.llmDone = true;
      a.reply.finish();
      this.maybeDone(a);
    } catch (err) {
      this.p.time.clearTimer(deadline);
      if (a.cancelled || this.closed) return;
      const e = err instanceof ChatError ? err : new ChatError('connection_lost', (err as Error).message);
      if (e.code === 'closed' && !gotToken) return this.fatal('llm', 'timeout', `the LLM sent no token within ${this.p.llmTimeoutMs} ms`);
      this.fatal('llm', e.code, e.message);
    }
  }

  private emitToolCall(a: Active, callId: string, name: string, raw: string): void {
    let args: Record<string, unknown> = {};
    let argumentsError: string | undefined;
    if (raw.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
        else argumentsError = 'tool arguments are not a JSON object';
      } catch (err) {
        argumentsError = `tool arguments are not valid JSON: ${(err as Error).message}`;
      }
    }
    this.emitter.emit('tool-call', {
      callId,
      name,
      arguments: args,
      rawArguments: raw,
      itemId: a.itemId,
      responseId: a.responseId,
      ...(argumentsError !== undefined && { argumentsError }),
    });
  }

  /** The LLM finished and every piece was spoken: the reply is done. */
  private maybeDone(a: Active): void {
    if (a.cancelled || !a.llmDone || !a.ttsDone) return;
    if (a.text.trim() !== '') this.emitter.emit('transcript', { role: 'assistant', text: a.text.trim(), final: true, itemId: a.itemId, responseId: a.responseId });
    this.retire(a);
    this.emitter.emit('response-done', { responseId: a.responseId, status: 'completed', ...(a.usage && { usage: a.usage }) });
  }

  private cancel(a: Active, announce = true): void {
    if (a.cancelled) return;
    a.cancelled = true;
    a.controller?.abort();
    a.reply.cancel();
    this.retire(a);
    if (announce) this.emitter.emit('response-done', { responseId: a.responseId, status: 'cancelled', statusReason: 'turn_detected', ...(a.usage && { usage: a.usage }) });
  }

  private retire(a: Active): void {
    if (this.active === a) this.active = null;
    if (!this.recent.includes(a)) this.recent.push(a);
    if (this.recent.length > RECENT_REPLIES) this.recent.shift();
  }

  private fatal(stage: EngineStage, code: string, message: string): void {
    if (this.closed) return;
    this.emitter.emit('error', { stage, code, message, fatal: true });
  }
}
