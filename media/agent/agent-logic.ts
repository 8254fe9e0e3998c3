/**
 * The agent runtime of one call (the `CallLogic` a media worker runs for every real call): it
 * starts the call's agent engine while the phone rings — a realtime model session or the
 * STT → LLM → TTS pipeline, behind one `AgentEngine` seam (engine.ts) — and wires the parts, each
 * in its own module: the audio bridge with barge-in, the response scheduler, tools, transcript,
 * silence handling, voicemail detection, failure handling with its watchdog, the goodbye tracker,
 * usage, latency marks and the per-turn latency waterfall. This file only routes events between
 * them; it holds no audio and no policy of its own beyond "who is told what", and branches on the
 * engine's capabilities, never on its kind.
 *
 * Hang-up reasons it requests: `agent-hangup` (end_call), `end-call` (the control, or `say` with
 * `endAfter`), `silence-timeout`, `voicemail`, `provider-error` (with `error`).
 */
import { systemTime, type TimeSource } from '../clock/time.js';
import type { CallLogic, CallLogicResult, CallMedia, CallStart, CallerAudioInfo, WorkerHost } from '../call/types.js';
import type { CallControl } from '../protocol.js';
import type { ResponseDoneEvent, SpeechStoppedEvent, ToolCallEvent, TranscriptEvent } from '../providers/index.js';
import { loadVad } from '../vad/fvad.js';
import { VoiceActivity } from '../vad/voice-activity.js';
import { GreetingGate } from './greeting-gate.js';
import { AudioBridge } from './audio-bridge.js';
import { parseAgentConfig, TRANSFER_CALL_TOOL, type AgentRuntimeConfig } from './config.js';
import type { AgentEngine, EngineErrorEvent, InterruptionEvent } from './engine.js';
import { createEngine } from './engine-factory.js';
import { FailureHandler, ProviderWatchdog, type ProviderFault } from './failure.js';
import { Farewell, type HangupRequest } from './farewell.js';
import { LatencyTracker } from './latency.js';
import { builtinPrompt } from './prompts.js';
import { ResponseScheduler } from './responses.js';
import { SILENCE_GOODBYE_INSTRUCTIONS, SilenceMonitor, silenceCheckInstructions } from './silence.js';
import { ToolRouter } from './tools.js';
import { TranscriptLog, type FinalTurn } from './transcript.js';
import { TurnLatencyLog } from './turn-latency.js';
import { UsageMeter } from './usage.js';
import { VoicemailDetector } from './voicemail.js';
import { AGENT_LOGIC_DEFAULTS as DEFAULTS, numericOptions, type AgentLogicOptions } from './options.js';

export type { AgentLogicOptions } from './options.js';

export interface AgentLogicDeps {
  /** Timers of the runtime (silence, watchdog, goodbye, tools); default: the system clock. */
  time?: TimeSource;
  options?: AgentLogicOptions;
}

const DRAIN_SLACK_MS = 2000;
const APOLOGY_ITEM = 'voxgate-apology';
/** Unvoiced caller frames (20 ms) after which the next voiced one starts a new speech run. */
const RUN_GAP_FRAMES = 15;

export { AgentStartError } from './engine-factory.js';

/** Builds the agent runtime for a call; throws (→ `call.start-failed`) on a malformed config. */
export function createAgentLogic(media: CallMedia, start: CallStart, host: WorkerHost, deps: AgentLogicDeps = {}): CallLogic {
  const config = parseAgentConfig(start.agent);
  const options = { ...DEFAULTS, ...numericOptions(host.logicOptions), ...numericOptions(deps.options) };
  return new AgentCall(media, start, host, config, deps.time ?? systemTime, options);
}

class AgentCall implements CallLogic {
  private readonly session: AgentEngine | null;
  private readonly startFault: ProviderFault | null;
  private readonly voice: VoiceActivity;
  /** Outbound calls only: holds the first words until the callee's own greeting is over. */
  private readonly greetingGate: GreetingGate | null;
  private readonly turns: TurnLatencyLog;
  private readonly latency: LatencyTracker;
  private readonly bridge: AudioBridge;
  private readonly transcript = new TranscriptLog();
  private readonly scheduler: ResponseScheduler;
  private readonly farewell: Farewell;
  private readonly failure: FailureHandler;
  private readonly watchdog: ProviderWatchdog;
  private readonly silence: SilenceMonitor;
  private readonly voicemail: VoicemailDetector;
  private readonly tools: ToolRouter;
  private readonly usage = new UsageMeter();
  private startedAt = 0;
  private isAnswered = false;
  private isBridged = false;
  private isHeld = false;
  private callerSpeaking = false;
  private closed = false;
  /** The engine started: the caller reached a working agent (else only a prompt plays: not billed). */
  private engineStarted = false;
  /** A tentative barge-in paused the agent's audio; the engine confirms or dismisses it. */
  private pausedForCaller = false;
  private unvoicedFrames = RUN_GAP_FRAMES;
  private speechRunAt = -1;

  constructor(
    private readonly media: CallMedia,
    start: CallStart,
    private readonly host: WorkerHost,
    private readonly config: AgentRuntimeConfig,
    time: TimeSource,
    options: Required<AgentLogicOptions>,
  ) {
    const setup = createEngine(config, start, media, {
      time,
      now: () => host.now(),
      connectTimeoutMs: options.connectTimeoutMs,
      input: { batchMs: options.inputBatchMs, quietMarginMs: options.inputQuietMarginMs },
      pipeline: { llmTimeoutMs: options.llmTimeoutMs, ttsTimeoutMs: options.ttsTimeoutMs, sttKeepAliveMs: options.sttKeepAliveMs, connectTimeoutMs: options.connectTimeoutMs },
    });
    this.session = setup.engine;
    this.startFault = setup.fault;
    this.voice = new VoiceActivity(media.agentFormat);
    this.greetingGate = config.direction === 'outbound' && config.firstMessage ? new GreetingGate(time, () => this.bridge.release()) : null;
    this.turns = new TurnLatencyLog(config.mode === 'pipeline' ? 'pipeline' : 'realtime');
    this.latency = new LatencyTracker(
      (event) => host.event(event),
      (responseId, at) => this.turns.firstRtp(responseId, at),
    );
    const lead = this.session?.capabilities.playoutLeadMs ?? Infinity;
    const bridgeEvents = {
      agentSpeechStarted: () => host.event({ kind: 'speech-started', who: 'assistant' }),
      agentSpeechStopped: () => host.event({ kind: 'speech-stopped', who: 'assistant' }),
      drained: () => {
        // Agent turns kept back until heard are reported before a goodbye hangs up.
        for (const itemId of this.transcript.heldItems) this.report(this.transcript.release(itemId));
        this.farewell.drained();
        this.refreshQuiet();
      },
      frameSent: (at: number) => this.turns.frameSent(at),
    };
    const engine = this.session ?? { appendAudio: () => {} };
    this.bridge = new AudioBridge(media, engine, setup.format, this.latency, () => host.now(), bridgeEvents, lead, (payload, info) => this.callerVoiced(payload, info));
    this.scheduler = new ResponseScheduler(time);
    this.farewell = new Farewell({
      time,
      queuedMs: () => this.bridge.pendingMs,
      hangup: (request) => this.postHangup(request),
      responseTimeoutMs: options.goodbyeTimeoutMs,
      drainSlackMs: DRAIN_SLACK_MS,
    });
    this.failure = new FailureHandler({ farewell: this.farewell, playApology: () => this.playApology(), onFault: () => this.onFault() });
    this.watchdog = new ProviderWatchdog(time, options.watchdogMs, () =>
      this.failure.fail({ code: 'provider/no_response', message: `the model did not answer within ${options.watchdogMs} ms` }),
    );
    this.silence = new SilenceMonitor(config.silence, time, { checkIn: (n) => this.checkIn(n), giveUp: () => this.silenceGoodbye() });
    this.voicemail = new VoicemailDetector(config.voicemail.enabled && config.direction === 'outbound');
    this.tools = this.toolRouter(time, options.toolTimeoutMs);
    if (this.session) this.listen(this.session);
  }

  private toolRouter(time: TimeSource, timeoutMs: number): ToolRouter {
    return new ToolRouter({
      time,
      remoteTools: remoteToolNames(this.config),
      callRemote: (id, name, args) => this.host.toolCall(id, name, args),
      sendResult: (id, output) => this.session?.sendToolResult(id, output, { triggerResponse: false }) ?? false,
      continueTurn: () => this.respond(() => this.session?.createResponse() ?? false),
      endCall: (call) => this.endCallTool(call),
      timeoutMs,
    });
  }

  // ---- CallLogic ----------------------------------------------------------------------------

  /** Starts the engine while the phone rings; a failure is remembered for answer time, never thrown. */
  async start(): Promise<void> {
    this.startedAt = this.host.now();
    const first = this.config.firstMessage;
    if (first) this.respond(() => this.session?.say(first) ?? false);
    if (!this.session) return this.failure.fail(this.startFault ?? { code: 'provider/no_api_key', message: `no API key for ${this.config.provider}` });
    // The voice detector only dates the caller's speech (and drives the pipeline's turns): a
    // failure to load it must not stop the call.
    const vad = loadVad().catch(() => undefined);
    try {
      await this.session.start();
      await vad;
    } catch (err) {
      if (!this.closed) this.failure.fail(faultOf(err));
      return;
    }
    if (this.closed) return;
    this.engineStarted = true;
    this.scheduler.setReady();
  }

  answered(): void {
    this.isAnswered = true;
    if (!this.failure.fault) {
      this.bridge.listen(true);
      // Outbound: the greeting waits for the callee's "Hello?" (or a second of silence).
      if (this.greetingGate) this.greetingGate.start();
      else this.bridge.release();
    }
    this.failure.answeredCall();
    this.refreshQuiet();
  }

  control(control: CallControl): void | { refused: string } {
    if (this.closed || this.farewell.closing) return { refused: 'the call is ending' };
    switch (control.kind) {
      case 'say':
        return this.speak(control.content, control.endAfter ? { reason: 'end-call' } : null);
      case 'inject-context':
        this.session?.addContext(control.content, { triggerResponse: false });
        if (control.triggerResponse) this.respond(() => this.session?.createResponse() ?? false);
        return;
      case 'end-call':
        if (control.message?.trim()) return this.speak(control.message, { reason: 'end-call' });
        return this.farewell.now({ reason: 'end-call' });
    }
  }

  toolResult(toolCallId: string, result: unknown, error?: string): void {
    this.tools.onResult(toolCallId, result, error);
    this.refreshQuiet();
  }

  /** A warm transfer consults: the agent neither talks nor listens until the caller is back. */
  held(on: boolean): void {
    if (this.isBridged || this.closed) return;
    this.isHeld = on;
    if (on) {
      this.interruptActive();
      this.bridge.listen(false);
      this.watchdog.disarm();
    } else if (this.isAnswered && !this.farewell.closing && !this.failure.fault) {
      this.bridge.listen(true);
    }
    this.refreshQuiet();
  }

  /**
   * A transfer bridged the caller to a person: the agent leaves for good — it stops talking and
   * listening and its model session closes, so nothing talks into the bridge and nothing is billed
   * by the provider any more (usage so far is still reported at close).
   */
  bridged(peerCallId: string | null): void {
    if (peerCallId === null || this.isBridged) return;
    this.isBridged = true;
    this.bridge.listen(false);
    this.interruptActive();
    this.scheduler.stop();
    this.silence.stop();
    this.watchdog.stop();
    this.tools.close();
    void this.session?.close();
    this.refreshQuiet();
  }

  close(): CallLogicResult {
    this.greetingGate?.stop();
    this.reportUnheard();
    this.closed = true;
    this.silence.stop();
    this.watchdog.stop();
    this.farewell.cancelTimers();
    this.tools.close();
    this.scheduler.clear();
    this.bridge.close();
    this.voice.destroy();
    const stats = this.session?.stats() ?? null;
    void this.session?.close();
    const usage = this.usage.summary({
      toolCalls: this.tools.count,
      silencePrompts: this.silence.promptsSent,
      session: stats,
      latency: this.latency.figures(),
      interruptedAudioBytesDropped: this.bridge.interruptedBytesDropped,
      ...(this.session?.usage && { engine: this.session.usage() }),
    });
    return { usage, messages: this.transcript.messages(), latency: this.turns.report(), agentReached: this.engineStarted };
  }

  // ---- model events -------------------------------------------------------------------------

  private listen(session: AgentEngine): void {
    session.on('audio', (event) => {
      if (this.failure.fault) return;
      this.watchdog.disarm();
      this.turns.firstAudio(event.responseId, this.host.now());
      this.bridge.onModelAudio(event);
      this.refreshQuiet();
    });
    session.on('speech-started', () => this.onCallerSpeechStarted());
    session.on('interruption', (event) => this.onInterruption(event));
    session.on('turn-marks', (marks) => this.turns.update(marks));
    session.on('speech-stopped', (event) => this.onCallerSpeechStopped(event));
    session.on('transcript', (event) => this.onTranscript(event));
    session.on('tool-call', (event) => {
      this.watchdog.disarm();
      this.tools.onToolCall(event);
      this.refreshQuiet();
    });
    session.on('response-started', (event) => {
      this.scheduler.onStarted(event.responseId);
      this.latency.responseStarted(this.host.now());
      this.refreshQuiet();
    });
    session.on('response-done', (event) => this.onResponseDone(event));
    session.on('error', (event) => this.onProviderError(event));
    session.on('closed', (event) => {
      if (!event.expected && !this.closed) {
        this.failure.fail({ code: 'provider/connection_lost', message: `the model connection closed unexpectedly (${event.code})` });
      }
    });
  }

  /**
   * The call ends with agent turns not fully heard (the caller hung up over them): they are
   * reported with the words that were heard, flagged interrupted.
   */
  private reportUnheard(): void {
    const held = this.transcript.heldItems;
    if (held.length === 0 || !this.session || this.closed) return;
    const played = this.bridge.interrupt(this.scheduler.activeResponseId);
    const heard = this.session.interrupted(played, this.scheduler.activeResponseId);
    for (const itemId of held) this.report(this.transcript.interrupt(itemId, heard?.get(itemId) ?? '', this.callMs()));
  }

  /** Dates the caller's speech runs for the latency waterfall; the verdict goes on to the engine. */
  private callerVoiced(payload: Uint8Array, info: CallerAudioInfo): boolean {
    const voiced = this.voice.voiced(payload);
    this.greetingGate?.frame(voiced);
    if (!voiced) {
      this.unvoicedFrames++;
      return false;
    }
    if (this.unvoicedFrames >= RUN_GAP_FRAMES) this.speechRunAt = info.receivedAt;
    this.unvoicedFrames = 0;
    return true;
  }

  private onCallerSpeechStarted(): void {
    this.host.event({ kind: 'speech-started', who: 'user' });
    this.callerSpeaking = true;
    this.silence.callerSpoke();
    this.watchdog.disarm();
    const agentHeard = this.bridge.agentAudioPending || this.scheduler.activeResponseId !== null;
    if (this.isAnswered && !this.farewell.closing && agentHeard) {
      this.turns.bargeInOnset(this.speechRunAt >= 0 ? this.speechRunAt : this.host.now());
      // An engine with its own turn detector confirms the interruption first: pause, don't flush.
      if (this.session?.capabilities.tentativeSpeech) {
        this.pausedForCaller = true;
        this.bridge.pause();
      } else {
        this.bargeIn();
      }
    }
    this.refreshQuiet();
  }

  private onInterruption(event: InterruptionEvent): void {
    if (!this.pausedForCaller) return this.refreshQuiet();
    this.pausedForCaller = false;
    if (event.confirmed && !this.farewell.closing) return this.bargeIn();
    this.turns.bargeInResolved(false);
    this.bridge.resume();
    this.refreshQuiet();
  }

  /**
   * Barge-in (sip-media.md §4.5): flush at once, then tell the engine what the caller heard — it
   * truncates or cancels; an engine that knows the heard text gives it for the transcript.
   */
  private bargeIn(): void {
    this.pausedForCaller = false;
    const active = this.scheduler.activeResponseId;
    const played = this.bridge.interrupt(active);
    this.turns.bargeInResolved(true);
    this.turns.interrupted(active);
    this.usage.bargeIns++;
    const generating = this.bridge.lastItemOf(active);
    const heard = this.session?.interrupted(played, active) ?? null;
    for (const itemId of new Set([played?.itemId, generating])) {
      if (itemId) this.report(this.transcript.interrupt(itemId, heard?.get(itemId) ?? (heard ? '' : undefined), this.callMs()));
    }
  }

  private onCallerSpeechStopped(event: SpeechStoppedEvent): void {
    this.callerSpeaking = false;
    this.host.event({ kind: 'speech-stopped', who: 'user' });
    // Noise without words: nothing was said, nothing will be answered.
    if (event.noTurn) return this.refreshQuiet();
    this.latency.callerSpeechEnded(this.host.now());
    this.transcript.reserveUser(event.itemId, this.callMs());
    if (!this.farewell.closing && !this.failure.fault) this.watchdog.arm();
    this.refreshQuiet();
  }

  private onTranscript(event: TranscriptEvent): void {
    if (event.role === 'assistant') {
      // What an interrupted response goes on to say was never heard.
      if (event.responseId !== undefined && this.bridge.wasInterrupted(event.responseId)) return;
      this.watchdog.disarm();
    }
    const hold = event.role === 'assistant' && (this.session?.capabilities.knowsHeardText ?? false) && this.bridge.agentAudioPending;
    const turn = this.transcript.onTranscript(event, this.callMs(), hold);
    if (!turn) return;
    this.report(turn);
    if (turn.role === 'user' && this.voicemail.onUserTranscript(turn.text)?.voicemail) this.onVoicemail();
  }

  private onResponseDone(event: ResponseDoneEvent): void {
    this.usage.addResponse(event.usage);
    this.watchdog.disarm();
    this.scheduler.onDone(event.responseId);
    this.farewell.responseDone(event.responseId);
    this.refreshQuiet();
  }

  private onProviderError(event: EngineErrorEvent): void {
    if (event.fatal) return this.failure.fail({ code: `${event.stage}/${event.code}`, message: event.message });
    if (event.providerCode === 'conversation_already_has_active_response') this.scheduler.onBusy();
  }

  // ---- behaviours ---------------------------------------------------------------------------

  /** Queues a response; the watchdog waits for it once it is sent. */
  private respond(send: () => boolean, onStarted?: (id: string) => void, onFailed?: () => void): void {
    this.scheduler.request({
      send: () => {
        const sent = send();
        if (sent) this.watchdog.arm();
        return sent;
      },
      onStarted,
      onFailed,
    });
    this.refreshQuiet();
  }

  /** Says `text`; with `hangup`, ends the call once it was heard. */
  private speak(text: string, hangup: HangupRequest | null): void {
    this.speakWith(() => this.session?.say(text) ?? false, hangup);
  }

  private speakWith(send: () => boolean, hangup: HangupRequest | null): void {
    if (!hangup) return this.respond(send);
    this.beginGoodbye();
    this.farewell.afterResponse(hangup, null);
    this.respond(send, (id) => this.farewell.expect(id), () => this.farewell.responseLost());
  }

  /** From here on the call is ending: the caller is no longer listened to, nobody checks in. */
  private beginGoodbye(): void {
    this.bridge.listen(false);
    this.silence.stop();
  }

  private endCallTool(call: ToolCallEvent): void {
    if (this.farewell.closing) return;
    const responseId = call.responseId ?? this.scheduler.activeResponseId;
    const spoke = this.bridge.lastItemOf(responseId) !== null;
    if (!spoke && this.config.endCallMessage) return this.speak(this.config.endCallMessage, { reason: 'agent-hangup' });
    this.beginGoodbye();
    if (responseId !== null && this.scheduler.activeResponseId === responseId) this.farewell.afterResponse({ reason: 'agent-hangup' }, responseId);
    else this.farewell.afterDrain({ reason: 'agent-hangup' });
  }

  private onVoicemail(): void {
    if (this.farewell.closing) return;
    this.interruptActive();
    const message = this.config.voicemail.message?.trim();
    if (message) this.speak(message, { reason: 'voicemail' });
    else this.farewell.now({ reason: 'voicemail' });
  }

  /** Stops the agent mid-sentence without a caller turn (voicemail, transfer). */
  private interruptActive(): void {
    const active = this.scheduler.activeResponseId;
    this.bridge.interrupt(active);
    if (active !== null) this.session?.cancelResponse();
  }

  private checkIn(prompt: number): void {
    this.respond(() => this.session?.createResponse({ instructions: silenceCheckInstructions(prompt) }) ?? false);
  }

  private silenceGoodbye(): void {
    const message = this.config.endCallMessage;
    const send = message ? () => this.session?.say(message) ?? false : () => this.session?.createResponse({ instructions: SILENCE_GOODBYE_INSTRUCTIONS }) ?? false;
    this.speakWith(send, { reason: 'silence-timeout' });
  }

  private playApology(): void {
    this.bridge.playPrompt(builtinPrompt('provider-error', this.media.agentFormat), APOLOGY_ITEM);
  }

  private onFault(): void {
    this.scheduler.stop();
    this.silence.stop();
    this.watchdog.stop();
    this.tools.close();
    this.bridge.listen(false);
    void this.session?.close();
  }

  private postHangup(request: HangupRequest): void {
    this.beginGoodbye();
    this.watchdog.stop();
    this.host.post({ type: 'call.hangup-request', reason: request.reason, ...(request.error ? { error: request.error } : {}) });
  }

  /** Silence handling runs only while nobody speaks and nothing is under way. */
  private refreshQuiet(): void {
    const quiet =
      this.isAnswered && !this.isBridged && !this.isHeld && !this.callerSpeaking && !this.closed && !this.farewell.closing && !this.failure.fault &&
      !this.scheduler.busy && !this.tools.busy && !this.bridge.agentAudioPending;
    this.silence.setQuiet(quiet);
  }

  private report(turn: FinalTurn | null): void {
    if (!turn) return;
    if (turn.reported) return this.host.event({ kind: 'turn-interrupted', itemId: turn.itemId });
    this.host.event({ kind: 'transcript', role: turn.role, text: turn.text, final: true, itemId: turn.itemId, ...(turn.interrupted && { interrupted: true }) });
  }

  private callMs(): number {
    return this.host.now() - this.startedAt;
  }
}

function remoteToolNames(config: AgentRuntimeConfig): Set<string> {
  const names = new Set<string>();
  for (const tool of config.tools) {
    if (tool.type === 'function') names.add(tool.name);
    else if (tool.type === 'transferCall') names.add(TRANSFER_CALL_TOOL);
  }
  return names;
}

function faultOf(err: unknown): ProviderFault {
  const { code, stage } = (err ?? {}) as { code?: unknown; stage?: unknown };
  return {
    code: `${typeof stage === 'string' ? stage : 'provider'}/${typeof code === 'string' ? code : 'connect_failed'}`,
    message: err instanceof Error ? err.message : String(err),
  };
}
