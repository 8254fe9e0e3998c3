/**
 * The one owner of a call inside a worker (STYLE §12): it allocates the ports, creates the media
 * object, the recording and the call logic, routes the main thread's messages to them, and alone
 * tears them down. `end()` is idempotent and every wait inside it is bounded, so a logic that
 * hangs cannot keep a call (or its ports) alive.
 */
import type { MediaClock } from '../clock/media-clock.js';
import type { TimeSource } from '../clock/time.js';
import { PortsExhaustedError, type PortAllocator, type PortPair } from '../ports.js';
import type {
  CallControl,
  CallEndReason,
  CallEnded,
  CallOutbound,
  CallStartMessage,
  MainToWorker,
  RecordingInfo,
  StartFailureCode,
  WorkerToMain,
} from '../protocol.js';
import { ringback, type ToneRegion } from '../playout/tones.js';
import { CallMediaImpl } from './call-media.js';
import { CallRecorder } from './recorder.js';
import { validateRemote } from './validate.js';
import type { CallLogic, CallLogicFactory, CallLogicResult, WorkerHost } from './types.js';

export interface OwnerEnv {
  workerIndex: number;
  allocator: PortAllocator;
  clock: MediaClock;
  time: TimeSource;
  recordingDir: string | null;
  logicFactory: CallLogicFactory;
  logicOptions: unknown;
  /** Longest wait for the logic's `close()` before the call is reported ended anyway. */
  closeTimeoutMs: number;
  post(msg: WorkerToMain): void;
  /** The call left the worker (for the registry). */
  onClosed(owner: CallOwner): void;
}

class StartError extends Error {
  constructor(
    readonly code: StartFailureCode,
    message: string,
  ) {
    super(message);
  }
}

export class CallOwner {
  readonly callId: string;
  private logic: CallLogic | null = null;
  private ending: Promise<void> | null = null;
  private peer: CallOwner | null = null;

  private constructor(
    private readonly env: OwnerEnv,
    callId: string,
    readonly media: CallMediaImpl,
    private readonly recorder: CallRecorder | null,
  ) {
    this.callId = callId;
  }

  /** Starts a call and posts `call.ready`, or posts `call.start-failed` and returns null. */
  static async create(env: OwnerEnv, start: CallStartMessage): Promise<CallOwner | null> {
    let ports: PortPair | null = null;
    let owner: CallOwner | null = null;
    try {
      if (start.remote) validateRemote(start.remote);
      ports = await env.allocator.allocate();
      owner = CallOwner.assemble(env, start, ports);
    } catch (err) {
      ports?.release();
      const failure = classifyStartError(err);
      env.post({ type: 'call.start-failed', callId: start.callId, code: failure.code, message: failure.message });
      return null;
    }
    env.post({ type: 'call.ready', callId: start.callId, local: owner.localMedia(ports) });
    owner.runLogicStart();
    return owner;
  }

  private static assemble(env: OwnerEnv, start: CallStartMessage, ports: PortPair): CallOwner {
    const recorder = start.media?.record && env.recordingDir ? CallRecorder.start(env.recordingDir, start.callId, env.time.now()) : null;
    let owner: CallOwner | null = null;
    const media = new CallMediaImpl({
      callId: start.callId,
      ports,
      remote: start.remote,
      codec: start.remote?.codec ?? start.codec ?? 'PCMU',
      options: start.media ?? {},
      time: env.time,
      recorder,
      onNoMedia: () => void owner?.end('no-media'),
      onLatched: (address, port) => owner?.post({ type: 'call.event', event: { kind: 'media-latched', address, port } }),
      onDtmf: (digit) => owner?.post({ type: 'call.event', event: { kind: 'dtmf', digit } }),
      clock: env.clock,
    });
    owner = new CallOwner(env, start.callId, media, recorder);
    try {
      owner.logic = env.logicFactory(media, start, owner.host());
    } catch (err) {
      media.close('error');
      void recorder?.close();
      throw new StartError('media/start-error', `call logic failed to start: ${messageOf(err)}`);
    }
    env.clock.add(media);
    return owner;
  }

  /** Routes one main-thread message (bridging is done by the runtime, which knows both calls). */
  handle(msg: MainToWorker): void {
    if (this.ending) {
      if (msg.type === 'call.control' && msg.commandId) this.answerControl(msg.commandId, 'the call is ending');
      return;
    }
    switch (msg.type) {
      case 'call.answered':
        this.media.answered();
        return this.guard(() => this.logic?.answered?.());
      case 'call.remote-sdp':
        return this.guard(() => {
          validateRemote(msg.remote);
          this.media.updateRemote(msg.remote);
          this.logic?.remoteChanged?.(msg.remote);
        });
      case 'call.control':
        return this.control(msg.control, msg.commandId);
      case 'call.tool-result':
        return this.guard(() => this.logic?.toolResult?.(msg.toolCallId, msg.result, msg.error));
      case 'call.hold':
        return this.guard(() => this.logic?.held?.(msg.on));
      case 'call.tone':
        return this.media.setFiller(msg.tone ? ringback(msg.tone.slice('ringback-'.length) as ToneRegion, this.media.agentFormat) : null);
      case 'call.stop':
        return void this.end('stopped', { stopReason: msg.reason });
      case 'call.start':
      case 'call.bridge':
      case 'call.unbridge':
        return;
    }
  }

  /** Runs a control command and, when asked, says whether the logic took it. */
  private control(control: CallControl, commandId: string | undefined): void {
    let refused: string | undefined;
    if (!this.logic?.control) {
      if (control.kind === 'end-call') this.post({ type: 'call.hangup-request', reason: 'end-call' });
      else refused = 'this call does not take control commands';
    } else {
      try {
        refused = this.logic.control(control)?.refused;
      } catch (err) {
        refused = messageOf(err);
        this.fail(err);
      }
    }
    if (commandId) this.answerControl(commandId, refused);
  }

  private answerControl(commandId: string, refused: string | undefined): void {
    this.env.post({ type: 'call.control-result', callId: this.callId, commandId, ok: refused === undefined, ...(refused !== undefined && { error: refused }) });
  }

  /** Connects this call's audio both ways with `peer` (same worker), or disconnects (null). */
  bridgeWith(peer: CallOwner | null): void {
    const previous = this.peer;
    this.peer = peer;
    this.media.bridge(peer ? peer.media : null);
    if (peer && peer.peer !== this) peer.bridgeWith(this);
    if (!peer && previous && previous.peer === this) previous.bridgeWith(null);
    this.guard(() => this.logic?.bridged?.(peer ? peer.callId : null));
  }

  /** Ends the call once: media first (ports freed at once), then the logic and recording, bounded. */
  end(reason: CallEndReason, extra: { stopReason?: string; error?: { code: string; message: string } } = {}): Promise<void> {
    this.ending ??= this.finish(reason, extra);
    return this.ending;
  }

  private async finish(reason: CallEndReason, extra: { stopReason?: string; error?: { code: string; message: string } }): Promise<void> {
    this.env.clock.remove(this.media);
    if (this.peer) this.bridgeWith(null);
    const quality = this.media.stats();
    this.media.close(reason);
    const result = await this.closeLogic(reason);
    const recording: RecordingInfo | null = this.recorder ? await withTimeout(this.recorder.close(), this.env.closeTimeoutMs, null) : null;
    const ended: CallEnded = {
      type: 'call.ended',
      callId: this.callId,
      reason,
      ...extra,
      usage: result.usage ?? {},
      quality,
      recording,
      messages: result.messages ?? [],
      ...(result.latency && { latency: result.latency }),
      ...(result.agentReached !== undefined && { agentReached: result.agentReached }),
    };
    this.env.post(ended);
    this.env.onClosed(this);
  }

  private async closeLogic(reason: CallEndReason): Promise<CallLogicResult> {
    if (!this.logic) return {};
    try {
      return await withTimeout(Promise.resolve(this.logic.close(reason)), this.env.closeTimeoutMs, {});
    } catch {
      return {};
    }
  }

  private runLogicStart(): void {
    if (!this.logic?.start) return;
    let started: void | Promise<void>;
    try {
      started = this.logic.start();
    } catch (err) {
      return this.fail(err);
    }
    if (started instanceof Promise) started.catch((err: unknown) => this.fail(err));
  }

  /** A logic hook threw: this call ends with an error; the worker and its other calls go on. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    const code = (err as { code?: unknown })?.code;
    void this.end('error', { error: { code: typeof code === 'string' ? code : 'media/logic-error', message: messageOf(err) } });
  }

  private post(msg: CallOutbound): void {
    if (this.ending) return;
    this.env.post({ ...msg, callId: this.callId } as WorkerToMain);
  }

  private host(): WorkerHost {
    return {
      callId: this.callId,
      workerIndex: this.env.workerIndex,
      logicOptions: this.env.logicOptions,
      post: (msg) => this.post(msg),
      event: (event) => this.post({ type: 'call.event', event }),
      toolCall: (toolCallId, name, args) => this.post({ type: 'call.tool-call', toolCallId, name, arguments: args }),
      requestHangup: (reason) => this.post({ type: 'call.hangup-request', reason }),
      requestTransfer: (destination, message) => this.post({ type: 'call.transfer-request', destination, message }),
      now: () => this.env.time.now(),
    };
  }

  private localMedia(ports: PortPair): { bindAddress: string; port: number; rtcpPort: number } {
    return { bindAddress: ports.bindAddress, port: ports.rtpPort, rtcpPort: ports.rtcpPort };
  }
}

function classifyStartError(err: unknown): { code: StartFailureCode; message: string } {
  if (err instanceof PortsExhaustedError) return { code: err.code, message: err.message };
  if (err instanceof StartError) return { code: err.code, message: err.message };
  const code = (err as { code?: unknown })?.code;
  if (code === 'media/bad-request' || code === 'media/unsupported-codec') return { code: 'media/bad-request', message: messageOf(err) };
  return { code: 'media/start-error', message: messageOf(err) };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
