/**
 * One live call and its single owner (STYLE §12): it holds the SIP dialog, the media worker's
 * half of the call, the call row and the webhooks, and alone ends them. `end(reason)` is
 * idempotent and every wait inside it is bounded, so a call can never outlive its caller.
 */
import type { AgentRuntimeConfig as ResolvedAgent } from '../agents/index.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';
import {
  endOfCallReportPayload,
  statusUpdatePayload,
  type EventOrigin,
  type WebhookCallContext,
  type WebhookEmitter,
} from '../events/index.js';
import type { CallEnded, CallEvent, CallReady, CallStartRequest, MediaPool, WorkerToMain } from '../../media/index.js';
import type { Dialog, IncomingRequest, ServerResponse } from '../../sip/index.js';
import { DIALOG_END_REASON, FINAL_STATUS, endReasonOfHangup, webhookFinalStatus, type CallStatus, type EndReason } from './call-status.js';
import type { LiveCallRegistry } from './live-calls.js';
import { appendMessage, finishCall, markInProgress, recordEvent } from './records.js';
import type { CallSdp } from './sdp.js';
import { ToolRunner } from './tools.js';

/** How long teardown waits for each party before moving on. */
const BYE_TIMEOUT_MS = 5_000;
const MEDIA_STOP_TIMEOUT_MS = 5_000;
/** A prompt or rejection message is over by then, whatever the worker says. */
const PROMPT_TIMEOUT_S = 30;

export interface CallDeps {
  db: Db;
  log: Logger;
  pool: MediaPool;
  emitter: WebhookEmitter;
  registry: LiveCallRegistry;
  pricePerMinute: number;
  publicUrl: string;
}

export interface CallInit {
  id: string;
  orgId: string;
  direction: 'inbound' | 'outbound';
  number: { id: string | null; phoneNumber: string | null; name: string | null };
  customerNumber: string | null;
  agent: ResolvedAgent;
  sdp: CallSdp;
}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class ActiveCall {
  readonly id: string;
  readonly orgId: string;
  status: CallStatus = 'ringing';
  readonly log: Logger;
  private dialog: Dialog | null = null;
  private mediaStarted = false;
  private mediaResult: CallEnded | null = null;
  private readonly mediaEnded: Promise<CallEnded | null>;
  private resolveMediaEnded!: (ended: CallEnded | null) => void;
  private answeredAt: Date | null = null;
  private ending: Promise<void> | null = null;
  private maxDurationTimer: NodeJS.Timeout | null = null;
  private readonly messages: Array<{ role: 'user' | 'assistant'; content: string }> = [];
  /** Transcript rows are written in order, one after the other, off the media path. */
  private writes: Promise<void> = Promise.resolve();
  private tools: ToolRunner;
  private agentConfig: ResolvedAgent;
  /** A prepaid balance caps the call below the agent's own limit. */
  private durationCapSeconds = Infinity;
  /** Set when the call plays one message and then ends (a prompt, or a rejection in the agent's voice). */
  private pendingEnd: { reason: EndReason; error: string | null } | null = null;
  private onClosed: (() => void) | null = null;

  constructor(
    private readonly deps: CallDeps,
    readonly init: CallInit,
  ) {
    this.id = init.id;
    this.orgId = init.orgId;
    this.log = deps.log.child({ callId: init.id, orgId: init.orgId });
    this.mediaEnded = new Promise((resolve) => (this.resolveMediaEnded = resolve));
    this.agentConfig = init.agent;
    this.tools = new ToolRunner(deps.emitter, init.agent, this.origin(), () => this.webhookContext());
  }

  get agent(): ResolvedAgent {
    return this.agentConfig;
  }

  /** The assistant-request answer changed the agent before the call was answered. */
  reconfigure(agent: ResolvedAgent): void {
    this.agentConfig = agent;
    this.tools = new ToolRunner(this.deps.emitter, agent, this.origin(), () => this.webhookContext());
  }

  capDuration(seconds: number): void {
    this.durationCapSeconds = Math.max(1, seconds);
  }

  /** The worker plays a built-in prompt; when it asks to hang up, the call ends for `reason`. */
  endAfterPrompt(reason: EndReason, error: string | null): void {
    this.pendingEnd = { reason, error };
    this.armMaxDuration(PROMPT_TIMEOUT_S);
  }

  /** assistant-request answered `{"error": …}`: the agent's voice says it, then the call is rejected. */
  rejectWithMessage(message: string): void {
    this.pendingEnd = { reason: 'rejected', error: null };
    this.deps.pool.send(this.id, { type: 'call.control', control: { kind: 'say', content: message, endAfter: true } });
    this.armMaxDuration(PROMPT_TIMEOUT_S);
  }

  get isEnding(): boolean {
    return this.ending !== null;
  }

  /** Called once the call is over and reported; the service forgets the call. */
  whenClosed(fn: () => void): void {
    this.onClosed = fn;
  }

  origin(): EventOrigin {
    return { orgId: this.orgId, agentId: this.agentConfig.agentId, callId: this.id };
  }

  webhookContext(): WebhookCallContext {
    const { number } = this.init;
    const agent = this.agentConfig;
    return {
      callId: this.id,
      direction: this.init.direction,
      phoneNumber: { id: number.id, number: number.phoneNumber, name: number.name },
      customerNumber: this.init.customerNumber,
      format: agent.webhook.format,
      assistant: { id: agent.agentId, name: agent.name, ...(Object.keys(agent.metadata).length > 0 && { metadata: agent.metadata }) },
    };
  }

  /** Hands the call to a media worker; resolves with the local RTP address for the SDP answer. */
  async startMedia(request: Omit<CallStartRequest, 'callId'>): Promise<CallReady> {
    this.mediaStarted = true;
    try {
      return await this.deps.pool.startCall({ ...request, callId: this.id });
    } catch (err) {
      this.mediaStarted = false;
      this.resolveMediaEnded(null);
      throw err;
    }
  }

  /** The caller's ACK arrived: the call is in progress and the agent speaks. */
  answered(dialog: Dialog): void {
    if (this.ending) {
      void dialog.bye().catch(() => undefined);
      return;
    }
    this.dialog = dialog;
    this.answeredAt = new Date();
    this.status = 'in-progress';
    this.deps.pool.send(this.id, { type: 'call.answered' });
    dialog.on('destroyed', (reason) => void this.end(DIALOG_END_REASON[reason]));
    dialog.on('modify', (req, res) => this.reinvite(req, res));
    dialog.on('info', (_req, dtmf) => {
      if (dtmf) this.note('dtmf', { digit: dtmf.signal, via: 'sip-info' });
    });
    this.armMaxDuration(Math.min(this.agentConfig.maxDurationSeconds, this.durationCapSeconds));
    this.log.info({ event: 'answered' }, 'call answered');
    this.write(() => markInProgress(this.deps.db, this.id, this.answeredAt!));
    void this.report('status-update', statusUpdatePayload(this.webhookContext(), { status: 'in-progress' }));
  }

  /** Caps the call's length (the agent's max_duration_seconds, or a prepaid balance running out). */
  armMaxDuration(seconds: number): void {
    if (this.maxDurationTimer) clearTimeout(this.maxDurationTimer);
    this.maxDurationTimer = setTimeout(() => void this.end('max-duration'), seconds * 1000);
    this.maxDurationTimer.unref();
  }

  /** Messages from this call's media worker. */
  onWorkerMessage(msg: WorkerToMain): void {
    switch (msg.type) {
      case 'call.event':
        return this.onEvent(msg.event);
      case 'call.tool-call':
        return void this.runTool(msg.toolCallId, msg.name, msg.arguments);
      case 'call.hangup-request':
        if (this.pendingEnd) return void this.end(this.pendingEnd.reason, this.pendingEnd.error);
        return void this.end(endReasonOfHangup(msg.reason), msg.error?.message ?? null);
      case 'call.transfer-request':
        this.log.warn({ event: 'transfer-request' }, 'transfer requested but transfers are not available');
        return;
      case 'call.ended':
        this.mediaResult = msg;
        this.resolveMediaEnded(msg);
        if (!this.ending) {
          const reason: EndReason = msg.reason === 'no-media' ? 'sip-error' : msg.reason === 'error' ? 'provider-error' : 'agent-hangup';
          const error = msg.reason === 'no-media' ? 'no RTP received from the caller' : msg.error?.message ?? null;
          void this.end(reason, error);
        }
        return;
      case 'call.ready':
      case 'call.start-failed':
        return; // answered through pool.startCall's promise
    }
  }

  private onEvent(event: CallEvent): void {
    switch (event.kind) {
      case 'transcript':
        if (event.final && event.text.trim() !== '') this.addMessage(event.role, event.text);
        return;
      case 'latency':
        this.log.debug({ mark: event.mark, sinceMs: event.sinceMs }, 'latency mark');
        return;
      case 'dtmf':
        return this.note('dtmf', { digit: event.digit, via: 'rtp' });
      default:
        return;
    }
  }

  private addMessage(role: 'user' | 'assistant', content: string): void {
    const seq = this.messages.push({ role, content });
    const at = new Date();
    this.write(() => appendMessage(this.deps.db, { orgId: this.orgId, callId: this.id, seq, role, content, at }));
  }

  private note(type: string, data: Record<string, unknown>): void {
    this.write(() => recordEvent(this.deps.db, this.orgId, this.id, type, data));
  }

  private write(fn: () => Promise<void>): void {
    this.writes = this.writes.then(fn).catch((err: unknown) => this.log.error({ err }, 'call record write failed'));
  }

  private async runTool(toolCallId: string, name: string, args: unknown): Promise<void> {
    const started = Date.now();
    const outcome = await this.tools.run({ toolCallId, name, arguments: args });
    this.note('tool-call', { name, durationMs: Date.now() - started, ...(outcome.error && { error: outcome.error }) });
    if (this.ending) return;
    this.deps.pool.send(this.id, { type: 'call.tool-result', toolCallId, result: outcome.result, ...(outcome.error && { error: outcome.error }) });
  }

  /** re-INVITE / UPDATE with a new offer (hold, unhold, new address): answer and tell the worker. */
  private reinvite(req: IncomingRequest, res: ServerResponse): void {
    const offer = req.sdp;
    if (!offer) return void res.send(488);
    const negotiation = this.init.sdp.answer(offer);
    if (!negotiation.ok) return void res.send(negotiation.error.status, negotiation.error.message);
    this.deps.pool.send(this.id, { type: 'call.remote-sdp', remote: negotiation.remote });
    res.send(200, { body: negotiation.sdp, contentType: 'application/sdp' });
    this.note('media-update', { direction: negotiation.remote.direction });
  }

  /** Ends the call once: hang up SIP, stop media, write the record, send the reports. */
  end(reason: EndReason, error: string | null = null): Promise<void> {
    // Teardown starts on the next microtask, after `ending` is set: hanging up emits the dialog's
    // `destroyed` synchronously, and that re-entry must find the call already ending.
    this.ending ??= Promise.resolve()
      .then(() => this.teardown(reason, error))
      .finally(() => this.onClosed?.());
    return this.ending;
  }

  private async teardown(reason: EndReason, error: string | null): Promise<void> {
    if (this.maxDurationTimer) clearTimeout(this.maxDurationTimer);
    const endedAt = new Date();
    this.log.info({ event: 'ending', reason, ...(error && { error }) }, 'call ending');
    const dialog = this.dialog;
    if (dialog && !dialog.isTerminated) await bounded(dialog.bye().catch(() => undefined), BYE_TIMEOUT_MS);
    if (this.mediaStarted && !this.mediaResult) {
      this.deps.pool.send(this.id, { type: 'call.stop', reason });
      if ((await bounded(this.mediaEnded, MEDIA_STOP_TIMEOUT_MS)) === 'timeout') this.log.warn({ event: 'media-stop-timeout' }, 'media worker did not confirm the end');
    }
    this.status = FINAL_STATUS[reason];
    await this.writes;
    await this.finish(reason, error, endedAt);
  }

  private async finish(reason: EndReason, error: string | null, endedAt: Date): Promise<void> {
    const media = this.mediaResult;
    const durationSeconds = this.answeredAt && this.status !== 'rejected' ? Math.max(0, Math.round((endedAt.getTime() - this.answeredAt.getTime()) / 1000)) : null;
    const recordingPath = media?.recording?.path ?? null;
    try {
      await finishCall(this.deps.db, {
        id: this.id,
        orgId: this.orgId,
        status: this.status,
        endReason: reason,
        error,
        endedAt,
        durationSeconds,
        tokenUsage: media && Object.keys(media.usage).length > 0 ? media.usage : null,
        quality: media?.quality ?? null,
        recordingPath,
        pricePerMinute: this.deps.pricePerMinute,
      });
    } catch (err) {
      this.log.error({ err }, 'could not write the end of the call');
    }
    await this.deps.registry.release(this.orgId, this.id).catch((err: unknown) => this.log.warn({ err }, 'could not release the call slot'));
    const context = this.webhookContext();
    await this.report('status-update', statusUpdatePayload(context, { status: webhookFinalStatus(this.status), endReason: reason, error }));
    await this.report(
      'end-of-call-report',
      endOfCallReportPayload(context, {
        status: this.status,
        durationSeconds: durationSeconds ?? 0,
        summary: '', // post-call analysis fills it later; never the last agent turn
        messages: this.messages,
        endReason: reason,
        startedAt: this.answeredAt?.toISOString() ?? null,
        endedAt: endedAt.toISOString(),
        recordingUrl: recordingPath ? `${this.deps.publicUrl}/api/v1/calls/${this.id}/recording` : null,
        error,
      }),
    );
    this.log.info({ event: 'ended', status: this.status, reason, durationSeconds, messages: this.messages.length }, 'call ended');
  }

  private async report(event: 'status-update' | 'end-of-call-report', payload: ReturnType<typeof statusUpdatePayload>): Promise<void> {
    try {
      await this.deps.emitter.emit(this.origin(), this.agentConfig.webhook, event, payload);
    } catch (err) {
      this.log.error({ err, event }, 'could not queue webhook');
    }
  }
}
