/**
 * A realtime speech-to-speech session as an `AgentEngine`: one provider WebSocket does STT, LLM
 * and TTS, and its server VAD decides turns, so speech onsets are final and audio is queued
 * at once. Barge-in truncates the item to what was heard where the vendor supports it, else
 * cancels the response.
 */
import type { ItemPlayed } from '../call/types.js';
import { TypedEmitter } from '../providers/typed-emitter.js';
import type {
  AddContextOptions,
  CreateResponseOptions,
  RealtimeErrorEvent,
  RealtimeSession,
  RealtimeSessionConfig,
  RealtimeSessionStats,
  SendToolResultOptions,
} from '../providers/index.js';
import type { AgentEngine, AgentEngineCapabilities, AgentEngineEventMap, AgentEngineEventName } from './engine.js';

export class RealtimeEngine implements AgentEngine {
  readonly capabilities: AgentEngineCapabilities;
  private readonly emitter = new TypedEmitter<AgentEngineEventMap>();
  private speechStartedAt = -1;
  private lastVoicedAt = -1;

  constructor(
    private readonly session: RealtimeSession,
    private readonly config: () => RealtimeSessionConfig,
    private readonly now: () => number,
  ) {
    const c = session.capabilities;
    this.capabilities = { truncate: c.truncate, tokenUsage: c.tokenUsage, tentativeSpeech: false, knowsHeardText: false, playoutLeadMs: Infinity, audioFormats: c.audioFormats };
    this.forward();
  }

  async start(): Promise<void> {
    await this.session.open();
    await this.session.configure(this.config());
  }

  appendAudio(frame: Uint8Array, receivedAt: number, voiced: boolean): void {
    // The server's VAD decides turns; our own detector dates the caller's last voiced packet and
    // tells the session which audio may wait for a larger append.
    this.session.appendAudio(frame, voiced);
    if (voiced) this.lastVoicedAt = receivedAt;
  }

  createResponse(opts?: CreateResponseOptions): boolean {
    return this.session.createResponse(opts);
  }

  addContext(text: string, opts: AddContextOptions): boolean {
    return this.session.addContext(text, opts);
  }

  say(text: string): boolean {
    return this.session.say(text);
  }

  sendToolResult(callId: string, output: string, opts?: SendToolResultOptions): boolean {
    return this.session.sendToolResult(callId, output, opts);
  }

  interrupted(heard: ItemPlayed | null): Map<string, string> | null {
    if (!this.session.capabilities.truncate) this.session.cancelResponse();
    else if (heard) this.session.truncate(heard.itemId, heard.playedMs);
    return null;
  }

  cancelResponse(): boolean {
    return this.session.cancelResponse();
  }

  close(): Promise<void> {
    return this.session.close();
  }

  on<K extends AgentEngineEventName>(type: K, listener: (event: AgentEngineEventMap[K]) => void): () => void {
    return this.emitter.on(type, listener);
  }

  stats(): RealtimeSessionStats {
    return this.session.stats();
  }

  private forward(): void {
    const s = this.session;
    s.on('audio', (e) => this.emitter.emit('audio', e));
    s.on('audio-done', (e) => this.emitter.emit('audio-done', e));
    s.on('speech-started', (e) => {
      this.speechStartedAt = this.now();
      this.emitter.emit('speech-started', e);
    });
    s.on('speech-stopped', (e) => this.emitter.emit('speech-stopped', e));
    s.on('transcript', (e) => this.emitter.emit('transcript', e));
    s.on('tool-call', (e) => this.emitter.emit('tool-call', e));
    s.on('response-started', (e) => {
      // The server's VAD ended the turn: the marks of the turn start at the last voiced packet.
      if (this.speechStartedAt >= 0 && this.lastVoicedAt >= this.speechStartedAt - 1000) {
        const now = this.now();
        this.emitter.emit('turn-marks', { responseId: e.responseId, speechEndAt: this.lastVoicedAt, endOfTurnAt: now, llmFirstTokenAt: now });
      }
      this.speechStartedAt = -1;
      this.emitter.emit('response-started', e);
    });
    s.on('response-done', (e) => this.emitter.emit('response-done', e));
    s.on('truncated', (e) => this.emitter.emit('truncated', e));
    s.on('error', (e: RealtimeErrorEvent) =>
      this.emitter.emit('error', { stage: 'provider', code: e.code, message: e.message, fatal: e.fatal, ...(e.providerCode && { providerCode: e.providerCode }) }),
    );
    s.on('closed', (e) => this.emitter.emit('closed', e));
  }
}
