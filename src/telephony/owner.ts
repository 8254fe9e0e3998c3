/**
 * The call owner (DESIGN §5.1, STYLE §12): the only object that acquires and releases a call's
 * resources — its concurrency slot, its row, its SIP legs and its media session — and the only
 * writer of its status, through the state machine of call-state.ts. Inbound and outbound calls
 * differ only in how the customer's leg comes up (inbound.ts, outbound.ts); everything after
 * that is here. `end(reason)` is idempotent and every wait inside it has a deadline, so a call
 * can never outlive its caller, and its end is written durably by the closer.
 */
import { randomUUID } from 'node:crypto';
import type { AgentRuntimeConfig as ResolvedAgent } from '../agents/index.js';
import type { Db } from '../db/pool.js';
import { statusUpdatePayload, type EventOrigin, type WebhookCallContext, type WebhookEmitter } from '../events/index.js';
import type { Logger } from '../log.js';
import type { CallControl, CallEnded, CallEvent, CallReady, CallStartRequest, MediaPool, WorkerToMain } from '../../media/index.js';
import type { Dialog, IncomingRequest, ServerResponse, UserAgent } from '../../sip/index.js';
import { regionOfNumber, TRANSFER_CALL_TOOL } from '../../media/index.js';
import type { SecretBox } from '../crypto.js';
import { CallState, type CallInput } from './call-state.js';
import type { CallCloser, FinalRecord } from './closer.js';
import type { CommandResult } from './command-bus.js';
import type { CallDirectory } from './directory.js';
import { bounded, type Leg } from './legs.js';
import { isBillable, latencyRecord } from './media-report.js';
import { appendMessage, createCall, markInterrupted, recordEvent, writeStatus, type NewCall } from './records.js';
import type { CallSdp } from './sdp.js';
import { ToolRunner, type ToolCallRequest, type ToolOutcome } from './tools.js';
import { addToDoNotCall, ADD_TO_DNC_TOOL } from '../campaigns/dnc.js';
import {
  ACCEPT_TRANSFER_TOOL,
  bridgedTransfer,
  DECLINE_TRANSFER_TOOL,
  DEFAULT_TRANSFER_TIMEOUT_S,
  referTransfer,
  warmTransfer,
  type TargetMedia,
  transferTarget,
  transferTrunk,
  type TargetLeg,
  type TransferHost,
  type TransferOutcome,
  type TransferRequest,
} from './transfer.js';
import { DIALOG_END_REASON, endReasonOfHangup, type EndReason } from './vocabulary.js';

const MEDIA_STOP_TIMEOUT_MS = 5_000;
const WRITES_TIMEOUT_MS = 5_000;
const CONTROL_TIMEOUT_MS = 3_000;
/** Ringback starts when the transfer message was heard, or after this long at the latest. */
const MESSAGE_MAX_MS = 8_000;
/** A prompt or rejection message is over by then, whatever the worker says. */
const PROMPT_TIMEOUT_S = 30;

export interface OwnerDeps {
  db: Db;
  log: Logger;
  pool: MediaPool;
  ua: UserAgent;
  secrets: SecretBox;
  publicIp: string;
  /** Routes a transfer target's media messages (another media call id) to its owner. */
  adoptLeg(mediaId: string, owner: CallOwner): void;
  forgetLeg(mediaId: string): void;
  emitter: WebhookEmitter;
  directory: CallDirectory;
  closer: CallCloser;
  nodeId: string;
  orgMaxConcurrent: number;
  /** This node's live calls of an organization (admission while Redis is down). */
  localCallsOf(orgId: string): number;
  onAnswered?: (answered: CallAnswered) => void;
}

/** A control command as the call owner takes it: the worker's commands, plus transfers (main thread). */
export type LiveControl = CallControl | ({ kind: 'transfer' } & TransferRequest);

export interface CallAnswered {
  callId: string;
  orgId: string;
  direction: 'inbound' | 'outbound';
  /** From the call's creation (INVITE received, or the outbound request) to the answer. */
  setupMs: number;
}

export interface CallInit {
  id: string;
  orgId: string;
  direction: 'inbound' | 'outbound';
  /** Our number: the dialed one (inbound) or the caller ID (outbound), with the trunk transfers leave through. */
  number: { id: string | null; phoneNumber: string | null; name: string | null; transferTrunkId: string | null };
  customerNumber: string | null;
  agent: ResolvedAgent;
  sdp: CallSdp;
  sipCallId: string | null;
  metadata?: Record<string, unknown>;
  campaignId?: string | null;
  leadId?: string | null;
}

export class CallOwner {
  readonly id: string;
  readonly orgId: string;
  readonly log: Logger;
  private readonly state: CallState;
  private leg: Leg | null = null;
  private dialog: Dialog | null = null;
  private mediaStarted = false;
  private mediaResult: CallEnded | null = null;
  private readonly mediaEnded: Promise<CallEnded | null>;
  private resolveMediaEnded!: (ended: CallEnded | null) => void;
  private answeredAt: Date | null = null;
  private ending: Promise<void> | null = null;
  private maxDurationTimer: NodeJS.Timeout | null = null;
  private messageSeq = 0;
  /** The seq of each agent turn stored, by the worker's item id (a barge-in may flag it later). */
  private readonly agentTurnSeq = new Map<string, number>();
  /** Row writes run in order, one after the other, off the media path. */
  private writes: Promise<void> = Promise.resolve();
  private tools: ToolRunner;
  private agentConfig: ResolvedAgent;
  /** A prepaid balance caps the call below the agent's own limit. */
  private durationCapSeconds = Infinity;
  /** Set when the call plays one message and then ends (a prompt, or a rejection in the agent's voice). */
  private pendingEnd: { reason: EndReason; error: string | null } | null = null;
  /** A call that only heard a built-in prompt never reached an agent: it is not billed. */
  private billable = true;
  private readonly controlWaiters = new Map<string, { kind: CallControl['kind']; resolve: (result: CommandResult) => void }>();
  private onClosed: (() => void) | null = null;
  private readonly createdAt = Date.now();
  /** The transfer under way (one at a time), and the leg bridged to the caller once one succeeded. */
  private transfer: { startedAt: Date; target: string; toolCallId: string | null; leg: TargetLeg | null; toneTimer: NodeJS.Timeout | null } | null = null;
  private bridgedLeg: { leg: TargetLeg; at: Date; target: string } | null = null;
  private transferRecord: Record<string, unknown> | null = null;
  /** The agent the worker runs and its providers (a warm transfer's briefing agent derives from it). */
  private mediaAgent: TargetMedia | null = null;

  private constructor(
    private readonly deps: OwnerDeps,
    readonly init: CallInit,
  ) {
    this.id = init.id;
    this.orgId = init.orgId;
    this.state = new CallState(init.direction === 'inbound' ? 'ringing' : 'connecting');
    this.log = deps.log.child({ callId: init.id, orgId: init.orgId, direction: init.direction });
    this.mediaEnded = new Promise((resolve) => (this.resolveMediaEnded = resolve));
    this.agentConfig = init.agent;
    this.tools = new ToolRunner(deps.emitter, init.agent, this.origin(), () => this.webhookContext(), (call) => this.builtinTool(call));
  }

  /**
   * Takes one of the organization's call slots and writes the call's row; 'full' when the
   * organization is at its limit. Nothing is held when it throws.
   */
  static async open(deps: OwnerDeps, init: CallInit): Promise<CallOwner | 'full'> {
    const admission = await deps.directory.acquire(init.orgId, init.id, deps.orgMaxConcurrent, deps.localCallsOf(init.orgId));
    if (admission === 'full') return 'full';
    const owner = new CallOwner(deps, init);
    try {
      await createCall(deps.db, owner.newRow());
    } catch (err) {
      await deps.directory.release(init.orgId, init.id).catch(() => undefined);
      throw err;
    }
    return owner;
  }

  private newRow(): NewCall {
    const { init, agentConfig: agent } = this;
    const ours = init.number.phoneNumber;
    return {
      id: init.id,
      orgId: init.orgId,
      direction: init.direction,
      status: this.state.status,
      agentId: agent.agentId,
      numberId: init.number.id,
      agentName: agent.name,
      businessName: agent.businessName,
      callerPhone: init.customerNumber,
      assistantPhone: ours,
      nodeId: this.deps.nodeId,
      sipCallId: init.sipCallId,
      metadata: init.metadata,
      campaignId: init.campaignId,
      leadId: init.leadId,
    };
  }

  get status(): string {
    return this.state.status;
  }

  get agent(): ResolvedAgent {
    return this.agentConfig;
  }

  get isEnding(): boolean {
    return this.ending !== null;
  }

  /** The assistant-request answer changed the agent before the call was answered. */
  reconfigure(agent: ResolvedAgent): void {
    this.agentConfig = agent;
    this.tools = new ToolRunner(this.deps.emitter, agent, this.origin(), () => this.webhookContext(), (call) => this.builtinTool(call));
  }

  /** The engine's own tools (addToDoNotCall: the other party's number goes on the org's list). */
  private builtinTool(call: ToolCallRequest): Promise<ToolOutcome> | null {
    if (call.name !== ADD_TO_DNC_TOOL) return null;
    return addToDoNotCall(this.deps.db, this.log, { orgId: this.orgId, callId: this.id, number: this.init.customerNumber, arguments: call.arguments });
  }

  capDuration(seconds: number): void {
    this.durationCapSeconds = Math.max(1, seconds);
  }

  /** The customer's leg: the owner hangs it up at the end. */
  attachLeg(leg: Leg): void {
    this.leg = leg;
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

  // ---- setup ---------------------------------------------------------------------------------

  /** Hands the call to a media worker; resolves with the local RTP address for the SDP. */
  async startMedia(request: Omit<CallStartRequest, 'callId'>): Promise<CallReady> {
    this.mediaStarted = true;
    this.mediaAgent = { agent: request.agent, providers: request.providers };
    try {
      return await this.deps.pool.startCall({ ...request, callId: this.id });
    } catch (err) {
      this.mediaStarted = false;
      this.resolveMediaEnded(null);
      throw err;
    }
  }

  /** The far end is ringing (an outbound call's 180/183). */
  ringing(): void {
    this.transition({ kind: 'ringing' });
  }

  /** The customer's leg is up (ACK received, or our ACK sent): in progress, and the agent speaks. */
  answered(dialog: Dialog): void {
    if (this.ending) {
      void dialog.bye().catch(() => undefined);
      return;
    }
    this.dialog = dialog;
    this.answeredAt = new Date();
    this.transition({ kind: 'answered' }, this.answeredAt);
    this.deps.pool.send(this.id, { type: 'call.answered' });
    dialog.on('destroyed', (reason) => void this.end(DIALOG_END_REASON[reason]));
    dialog.on('modify', (req, res) => this.reinvite(req, res));
    dialog.on('info', (_req, dtmf) => {
      if (dtmf) this.note('dtmf', { digit: dtmf.signal, via: 'sip-info' });
    });
    this.armMaxDuration(Math.min(this.agentConfig.maxDurationSeconds, this.durationCapSeconds));
    this.log.info({ event: 'answered' }, 'call answered');
    this.deps.onAnswered?.({ callId: this.id, orgId: this.orgId, direction: this.init.direction, setupMs: this.answeredAt.getTime() - this.createdAt });
    void this.report('status-update', statusUpdatePayload(this.webhookContext(), { status: 'in-progress' }));
  }

  /** The worker plays a built-in prompt; when it asks to hang up, the call ends for `reason`, unbilled. */
  endAfterPrompt(reason: EndReason, error: string | null): void {
    this.pendingEnd = { reason, error };
    this.billable = false;
    this.armMaxDuration(PROMPT_TIMEOUT_S);
  }

  /** assistant-request answered `{"error": …}`: the agent's voice says it, then the call is rejected. */
  rejectWithMessage(message: string): void {
    this.pendingEnd = { reason: 'rejected', error: null };
    this.deps.pool.send(this.id, { type: 'call.control', control: { kind: 'say', content: message, endAfter: true } });
    this.armMaxDuration(PROMPT_TIMEOUT_S);
  }

  /** Caps the call's length (the agent's max_duration_seconds, or a prepaid balance running out). */
  armMaxDuration(seconds: number): void {
    if (this.maxDurationTimer) clearTimeout(this.maxDurationTimer);
    this.maxDurationTimer = setTimeout(() => void this.end('max-duration'), seconds * 1000);
    this.maxDurationTimer.unref();
  }

  // ---- live call -----------------------------------------------------------------------------

  /** A control command (POST /calls/{id}/control), answered once the media worker took it. */
  async control(control: LiveControl): Promise<CommandResult> {
    if (control.kind === 'transfer' && this.transfer) return { ok: false, status: 409, error: 'conflict', message: 'A transfer is already under way on this call.' };
    if (this.state.status !== 'in-progress' || this.ending || this.pendingEnd) {
      return { ok: false, status: 400, error: 'call_not_active', message: `The call is ${this.ending ? 'ending' : this.state.status}, not in progress.` };
    }
    if (control.kind === 'transfer') return this.startTransfer(control, null);
    const commandId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<CommandResult>((resolve) => {
      this.controlWaiters.set(commandId, { kind: control.kind, resolve });
      timer = setTimeout(() => resolve({ ok: false, status: 503, error: 'internal_error', message: 'The media worker did not take the command in time.' }), CONTROL_TIMEOUT_MS);
    });
    this.deps.pool.send(this.id, { type: 'call.control', control, commandId });
    const result = await answered.finally(() => {
      clearTimeout(timer);
      this.controlWaiters.delete(commandId);
    });
    this.note('control', { kind: control.kind, ok: result.ok });
    return result;
  }

  /** Messages from this call's media worker (and from its transfer target's media). */
  onWorkerMessage(msg: WorkerToMain): void {
    if (msg.callId !== this.id) return this.onTargetMessage(msg);
    switch (msg.type) {
      case 'call.event':
        return this.onEvent(msg.event);
      case 'call.tool-call':
        return void this.runTool(msg.toolCallId, msg.name, msg.arguments);
      case 'call.hangup-request':
        if (this.pendingEnd) return void this.end(this.pendingEnd.reason, this.pendingEnd.error);
        return void this.end(endReasonOfHangup(msg.reason), msg.error?.message ?? null);
      case 'call.transfer-request':
        return void this.startTransfer({ destination: msg.destination, ...(msg.message && { message: msg.message }) }, null);
      case 'call.control-result':
        return this.controlWaiters.get(msg.commandId)?.resolve(
          msg.ok ? { ok: true } : { ok: false, status: 400, error: 'call_not_active', message: `The command was not accepted: ${msg.error ?? 'refused'}.` },
        );
      case 'call.ended':
        return this.onMediaEnded(msg);
      case 'call.ready':
      case 'call.start-failed':
        return; // answered through pool.startCall's promise
    }
  }

  private onMediaEnded(msg: CallEnded): void {
    this.mediaResult = msg;
    this.resolveMediaEnded(msg);
    if (this.ending) return;
    const reason: EndReason = msg.reason === 'no-media' ? 'sip-error' : msg.reason === 'error' ? 'provider-error' : 'agent-hangup';
    const error = msg.reason === 'no-media' ? 'no RTP received from the caller' : (msg.error?.message ?? null);
    void this.end(reason, error);
  }

  private onEvent(event: CallEvent): void {
    switch (event.kind) {
      case 'transcript':
        if (event.final && event.text.trim() !== '') this.addMessage(event.role, event.text, event.interrupted ?? false, event.itemId);
        return;
      case 'turn-interrupted': {
        const seq = this.agentTurnSeq.get(event.itemId);
        if (seq !== undefined) this.write(() => markInterrupted(this.deps.db, this.id, seq));
        return;
      }
      case 'latency':
        this.log.debug({ mark: event.mark, sinceMs: event.sinceMs }, 'latency mark');
        return;
      case 'dtmf':
        return this.note('dtmf', { digit: event.digit, via: 'rtp' });
      case 'speech-stopped':
        // The transfer message was heard: ringback from here on.
        if (event.who === 'assistant' && this.transfer?.toneTimer) this.ringback(true);
        return;
      default:
        return;
    }
  }

  private addMessage(role: 'user' | 'assistant', content: string, interrupted = false, itemId?: string): void {
    const seq = ++this.messageSeq;
    if (role === 'assistant' && itemId !== undefined) this.agentTurnSeq.set(itemId, seq);
    const at = new Date();
    this.write(() => appendMessage(this.deps.db, { orgId: this.orgId, callId: this.id, seq, role, content, at, interrupted }));
  }

  private note(type: string, data: Record<string, unknown>): void {
    this.write(() => recordEvent(this.deps.db, this.orgId, this.id, type, data));
  }

  private write(fn: () => Promise<void>): void {
    this.writes = this.writes.then(fn).catch((err: unknown) => this.log.error({ err }, 'call record write failed'));
  }

  /** The one writer of the call's status. */
  private transition(input: CallInput, startedAt?: Date): void {
    if (!this.state.apply(input)) return;
    const status = this.state.status;
    this.write(() => writeStatus(this.deps.db, this.id, status, startedAt));
  }

  private async runTool(toolCallId: string, name: string, args: unknown): Promise<void> {
    if (name === TRANSFER_CALL_TOOL) return this.transferTool(toolCallId, args);
    const started = Date.now();
    const outcome = await this.tools.run({ toolCallId, name, arguments: args });
    // Arguments and result (bounded) for the call's page in the dashboard.
    this.note('tool-call', {
      name,
      toolCallId,
      durationMs: Date.now() - started,
      arguments: preview(args),
      result: preview(outcome.result),
      ...(outcome.error && { error: outcome.error }),
    });
    if (this.ending) return;
    this.deps.pool.send(this.id, { type: 'call.tool-result', toolCallId, result: outcome.result, ...(outcome.error && { error: outcome.error }) });
  }

  /** re-INVITE / UPDATE with a new offer (hold, unhold, new address): answer and tell the worker. */
  private reinvite(req: IncomingRequest, res: ServerResponse): void {
    const offer = req.sdp;
    if (!offer) return void res.send(488);
    const negotiation = this.init.sdp.answer(offer, req.source.address);
    if (!negotiation.ok) return void res.send(negotiation.error.status, negotiation.error.message);
    this.deps.pool.send(this.id, { type: 'call.remote-sdp', remote: negotiation.remote });
    res.send(200, { body: negotiation.sdp, contentType: 'application/sdp' });
    this.note('media-update', { direction: negotiation.remote.direction });
  }

  // ---- transfers (transfer.ts) ---------------------------------------------------------------

  /** The agent's transferCall: the destination it chose, with the message and timeout configured for it. */
  private transferTool(toolCallId: string, args: unknown): void {
    const chosen = typeof (args as { destination?: unknown })?.destination === 'string' ? (args as { destination: string }).destination : '';
    const destination = this.agentConfig.tools.transfer?.find((d) => (d.type === 'number' ? d.number : d.sipUri) === chosen);
    if (!destination) return this.toolResult(toolCallId, { status: 'failed', reason: `"${chosen}" is not one of the transfer destinations` });
    const request: TransferRequest = {
      destination: chosen,
      ...(destination.message && { message: destination.message }),
      ...(destination.mode && { mode: destination.mode }),
      ...(destination.timeout_seconds && { timeoutSeconds: destination.timeout_seconds }),
    };
    void this.startTransfer(request, toolCallId).then((started) => {
      if (!started.ok) this.toolResult(toolCallId, { status: 'failed', reason: started.message });
    });
  }

  /** Starts a transfer and answers at once; the outcome arrives as status, events and a tool result. */
  private async startTransfer(request: TransferRequest, toolCallId: string | null): Promise<CommandResult> {
    if (this.state.status !== 'in-progress' || this.ending) return { ok: false, status: 400, error: 'call_not_active', message: 'The call is not in progress.' };
    if (this.transfer) return { ok: false, status: 409, error: 'conflict', message: 'A transfer is already under way on this call.' };
    const target = transferTarget(request.destination);
    if (!target) return { ok: false, status: 400, error: 'invalid_request', message: 'destination must be an E.164 number or a SIP URI' };
    const trunk = await transferTrunk(this.deps.db, this.deps.secrets, this.orgId, this.init.number.transferTrunkId);
    if (!trunk) return { ok: false, status: 400, error: 'invalid_request', message: 'No SIP trunk for transfers: give the number a transfer_trunk_id, or mark a trunk is_default_outbound.' };
    if (this.transfer || this.state.status !== 'in-progress') return { ok: false, status: 409, error: 'conflict', message: 'A transfer is already under way on this call.' };
    this.transfer = { startedAt: new Date(), target, toolCallId, leg: null, toneTimer: null };
    this.transition({ kind: 'forwarding' });
    void this.report('status-update', statusUpdatePayload(this.webhookContext(), { status: 'forwarding' }));
    this.note('transfer-started', { target, mode: trunk.transferMode, trunkId: trunk.id, via: toolCallId ? 'tool' : 'control' });
    this.log.info({ event: 'transfer', mode: trunk.transferMode, pii: { target } }, 'transfer started');
    const warm = request.mode === 'warm' && trunk.transferMode !== 'refer';
    // The caller hears the message, then ringback until the target answers: never silence. A warm
    // transfer's message is the person's briefing instead, and the caller waits on hold.
    if (warm) {
      this.deps.pool.send(this.id, { type: 'call.hold', on: true });
      this.ringback(true);
    } else if (request.message?.trim()) {
      this.deps.pool.send(this.id, { type: 'call.control', control: { kind: 'say', content: request.message, endAfter: false } });
      this.transfer.toneTimer = setTimeout(() => this.ringback(true), MESSAGE_MAX_MS);
    } else {
      this.ringback(true);
    }
    const timeoutMs = (request.timeoutSeconds ?? DEFAULT_TRANSFER_TIMEOUT_S) * 1000;
    const run =
      trunk.transferMode === 'refer'
        ? referTransfer(this.transferHost(), trunk, target, timeoutMs)
        : warm
          ? this.briefing(request).then((media) => warmTransfer(this.transferHost(), trunk, target, timeoutMs, media, (leg) => this.watchTargetLeg(leg)))
          : bridgedTransfer(this.transferHost(), trunk, target, timeoutMs, (leg) => this.watchTargetLeg(leg));
    void run.then(
      (outcome) => this.transferDone(outcome),
      (err: unknown) => {
        this.log.error({ err }, 'transfer failed');
        this.transferDone({ status: 'failed', target, mode: trunk.transferMode, sipCode: null, reason: (err as Error).message });
      },
    );
    return { ok: true };
  }

  private ringback(on: boolean): void {
    if (this.transfer?.toneTimer) clearTimeout(this.transfer.toneTimer);
    if (this.transfer) this.transfer.toneTimer = null;
    const tone = on ? (`ringback-${regionOfNumber(this.init.number.phoneNumber)}` as const) : null;
    this.deps.pool.send(this.id, { type: 'call.tone', tone });
  }

  private watchTargetLeg(leg: TargetLeg): void {
    if (this.transfer) this.transfer.leg = leg;
    this.deps.adoptLeg(leg.mediaId, this);
  }

  /** A transfer target's media: its briefing agent's signals (warm), or its end. */
  private onTargetMessage(msg: WorkerToMain): void {
    const leg = this.bridgedLeg?.leg.mediaId === msg.callId ? this.bridgedLeg.leg : this.transfer?.leg?.mediaId === msg.callId ? this.transfer.leg : null;
    if (!leg) return;
    leg.onWorkerMessage(msg);
    if (msg.type !== 'call.ended') return;
    this.deps.forgetLeg(msg.callId);
    if (this.bridgedLeg?.leg === leg && !this.ending) void this.end('transferred');
  }

  private transferHost(): TransferHost {
    return {
      id: this.id,
      orgId: this.orgId,
      pool: this.deps.pool,
      ua: this.deps.ua,
      publicIp: this.deps.publicIp,
      ourNumber: this.init.number.phoneNumber,
      customerNumber: this.init.customerNumber,
      customerDialog: () => this.dialog,
      note: (step, data) => this.note(step, data),
      bridged: (leg) => {
        // The caller's audio goes to the target and back; the agent leaves the call.
        this.ringback(false);
        this.deps.pool.send(this.id, { type: 'call.bridge', peerCallId: leg.mediaId });
        this.bridgedLeg = { leg, at: new Date(), target: this.transfer?.target ?? '' };
      },
      targetHungUp: () => {
        if (this.bridgedLeg && !this.ending) void this.end('transferred');
      },
    };
  }

  private transferDone(outcome: TransferOutcome): void {
    const started = this.transfer;
    if (started?.toneTimer) clearTimeout(started.toneTimer);
    this.transfer = null;
    if (!started || this.ending) return;
    if (outcome.status !== 'transferred') this.deps.pool.send(this.id, { type: 'call.tone', tone: null });
    const record = {
      target: outcome.target,
      mode: outcome.mode,
      outcome: outcome.status,
      ...(outcome.status !== 'transferred' && { sip_status: outcome.sipCode, reason: outcome.reason }),
      started_at: started.startedAt.toISOString(),
    };
    if (outcome.status === 'transferred') {
      this.transferRecord = { ...record, answered_at: new Date().toISOString() };
      this.transition({ kind: 'bridged' });
      this.note('transfer-answered', { target: outcome.target, mode: outcome.mode, afterMs: Date.now() - started.startedAt.getTime() });
      void this.report('status-update', statusUpdatePayload(this.webhookContext(), { status: 'transferred' }));
      this.log.info({ event: 'transferred', mode: outcome.mode }, 'transfer answered');
      // A blind transfer leaves us: the far end took the caller.
      if (outcome.mode === 'refer') void this.end('transferred');
      return;
    }
    this.transferRecord = record;
    if (outcome.mode === 'warm') this.deps.pool.send(this.id, { type: 'call.hold', on: false });
    this.transition({ kind: 'transfer-failed' });
    this.note('transfer-failed', { target: outcome.target, outcome: outcome.status, sipStatus: outcome.sipCode, reason: outcome.reason });
    void this.report('status-update', statusUpdatePayload(this.webhookContext(), { status: 'in-progress' }));
    this.log.info({ event: 'transfer-failed', outcome: outcome.status, sipStatus: outcome.sipCode }, 'transfer did not connect; back to the agent');
    const result = { status: outcome.status, reason: outcome.reason, sip_code: outcome.sipCode };
    if (started.toolCallId) return this.toolResult(started.toolCallId, result);
    // A transfer the API asked for: the agent learns it from its context and tells the caller.
    const context = `The transfer to ${outcome.target} did not connect (${outcome.status}${outcome.sipCode ? `, SIP ${outcome.sipCode}` : ''}). Tell the caller and offer to help otherwise.`;
    this.deps.pool.send(this.id, { type: 'call.control', control: { kind: 'inject-context', content: context, triggerResponse: true } });
  }

  /**
   * The agent that briefs the person on a warm transfer: the call's own agent (same provider and
   * voice) with the conversation so far, two tools for the person's answer, voicemail detection.
   */
  private async briefing(request: TransferRequest): Promise<TargetMedia> {
    const base = (this.mediaAgent?.agent ?? {}) as Record<string, unknown>;
    const { rows } = await this.deps.db.query<{ role: string; content: string }>(`SELECT role, content FROM call_messages WHERE call_id = $1 ORDER BY seq`, [this.id]);
    const transcript = rows.map((m) => `${m.role === 'user' ? 'Caller' : 'Agent'}: ${m.content}`).join('\n') || '(nothing was said yet)';
    const noArgs = { type: 'object', properties: {} };
    const agent = {
      ...base,
      direction: 'outbound',
      instructions:
        'You are handing a caller over to the person you are now speaking to, a colleague. Greet them, tell them in two short sentences ' +
        'who is calling and what about, then ask whether they can take the call now (they may also press 1 to accept or 2 to decline). ' +
        `If they accept, call ${ACCEPT_TRANSFER_TOOL}; if they decline or cannot, call ${DECLINE_TRANSFER_TOOL}. Do not talk to them about anything else.\n\n` +
        `The conversation with the caller so far:\n${transcript.slice(-6000)}`,
      ...(request.message?.trim() ? { firstMessage: request.message } : { firstMessage: undefined }),
      tools: [
        { type: 'function', name: ACCEPT_TRANSFER_TOOL, description: 'The person accepts the call: connect the caller.', parameters: noArgs },
        { type: 'function', name: DECLINE_TRANSFER_TOOL, description: 'The person declines or cannot take the call.', parameters: noArgs },
      ],
      voicemail: { enabled: true, message: null },
      silence: { enabled: false, firstCheckMs: 7000, intervalMs: 12000, maxPrompts: 3 },
      context: undefined,
    };
    return { agent, providers: this.mediaAgent?.providers ?? {} };
  }

  private toolResult(toolCallId: string, result: unknown): void {
    if (this.ending) return;
    this.deps.pool.send(this.id, { type: 'call.tool-result', toolCallId, result });
  }

  /** The bridged time goes into the call's transfer record. */
  private finishTransferRecord(endedAt: Date): void {
    if (!this.bridgedLeg || !this.transferRecord) return;
    this.transferRecord = { ...this.transferRecord, bridged_seconds: Math.max(0, Math.round((endedAt.getTime() - this.bridgedLeg.at.getTime()) / 1000)) };
  }

  // ---- the end -------------------------------------------------------------------------------

  /**
   * Ends the call once: hang up the legs, stop media, write the end durably, report. `sipStatus`
   * is the far end's final response when an outbound call was not answered.
   */
  end(reason: EndReason, error: string | null = null, sipStatus: number | null = null): Promise<void> {
    // Teardown starts on the next microtask, after `ending` is set: hanging up emits the dialog's
    // `destroyed` synchronously, and that re-entry must find the call already ending.
    this.ending ??= Promise.resolve()
      .then(() => this.teardown(reason, error, sipStatus))
      .catch((err: unknown) => this.log.error({ err }, 'call teardown failed'))
      .finally(() => this.onClosed?.());
    return this.ending;
  }

  private async teardown(ended: EndReason, error: string | null, sipStatus: number | null): Promise<void> {
    if (this.maxDurationTimer) clearTimeout(this.maxDurationTimer);
    const endedAt = new Date();
    // Once bridged to a person, the call ended as a transfer, whoever hung up.
    const reason: EndReason = this.state.status === 'transferred' ? 'transferred' : ended;
    this.state.apply({ kind: 'end', reason });
    this.log.info({ event: 'ending', reason, ...(error && { error }), ...(sipStatus !== null && { sipStatus }) }, 'call ending');
    // An end-call command ends the call before its worker's answer arrives: that is its success.
    for (const { kind, resolve } of this.controlWaiters.values()) {
      resolve(kind === 'end-call' ? { ok: true } : { ok: false, status: 400, error: 'call_not_active', message: 'The call ended.' });
    }
    await Promise.all([this.leg?.hangup(), this.transfer?.leg?.hangup(), this.bridgedLeg?.leg.hangup()]);
    this.finishTransferRecord(endedAt);
    if (this.mediaStarted && !this.mediaResult) {
      this.deps.pool.send(this.id, { type: 'call.stop', reason });
      if ((await bounded(this.mediaEnded, MEDIA_STOP_TIMEOUT_MS)) === 'timeout') this.log.warn({ event: 'media-stop-timeout' }, 'media worker did not confirm the end');
    }
    if ((await bounded(this.writes, WRITES_TIMEOUT_MS)) === 'timeout') this.log.warn({ event: 'writes-timeout' }, 'transcript writes still pending at the end of the call');
    const outcome = await this.deps.closer.close(this.finalRecord(reason, error, sipStatus, endedAt), this.agentConfig);
    const durationSeconds = this.billedSeconds(endedAt);
    this.log.info({ event: 'ended', status: this.state.status, reason, durationSeconds, messages: this.messageSeq, outcome }, 'call ended');
  }

  private billedSeconds(endedAt: Date): number | null {
    if (!this.answeredAt || !this.billable || !isBillable(this.mediaResult) || this.state.status === 'rejected') return null;
    return Math.max(0, Math.round((endedAt.getTime() - this.answeredAt.getTime()) / 1000));
  }

  private finalRecord(reason: EndReason, error: string | null, sipStatus: number | null, endedAt: Date): FinalRecord {
    const media = this.mediaResult;
    return {
      callId: this.id,
      orgId: this.orgId,
      agentId: this.agentConfig.agentId,
      status: this.state.status,
      endReason: reason,
      error,
      endedAt: endedAt.toISOString(),
      startedAt: this.answeredAt?.toISOString() ?? null,
      durationSeconds: this.billedSeconds(endedAt),
      sipStatus,
      tokenUsage: media && Object.keys(media.usage).length > 0 ? media.usage : null,
      quality: media?.quality ?? null,
      recordingPath: media?.recording?.path ?? null,
      context: this.webhookContext(),
      webhook: this.deps.closer.sealWebhook(this.agentConfig.webhook),
      campaignId: this.init.campaignId ?? null,
      leadId: this.init.leadId ?? null,
      transfer: this.transferRecord,
      latency: latencyRecord(media),
    };
  }

  private async report(event: 'status-update', payload: ReturnType<typeof statusUpdatePayload>): Promise<void> {
    try {
      await this.deps.emitter.emit(this.origin(), this.agentConfig.webhook, event, payload);
    } catch (err) {
      this.log.error({ err, event }, 'could not queue webhook');
    }
  }
}

const PREVIEW_CHARS = 2000;

/** A tool's arguments or result as the call's events keep it: JSON, cut to a bounded length. */
function preview(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? null);
  return text && text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
