/**
 * The signalling service (DESIGN §3, §5.1, §6): INVITEs from the SIP user agent and outbound
 * requests from the API become call owners; the media workers' messages are routed to their
 * call; control commands reach the owning node through the command bus. It keeps this node in
 * the call directory (a heartbeat in Redis and in the calls' rows), finalises the calls of nodes
 * that died, and `drain()` refuses new calls and waits for the live ones to end.
 */
import { hostname } from 'node:os';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ProviderKeyDeps } from '../agents/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import type { WebhookEmitter } from '../events/index.js';
import type { Logger } from '../log.js';
import type { CallEnded, MediaPool, WorkerToMain } from '../../media/index.js';
import type { IncomingRequest, ServerResponse, UserAgent } from '../../sip/index.js';
import { TrunkAllowList } from './allow-list.js';
import { CallCloser, type CallCloserOptions, type CallFinal } from './closer.js';
import { CommandBus, OWNER_UNREACHABLE, type CallCommand, type CommandResult } from './command-bus.js';
import type { TelephonyContext } from './context.js';
import { CallDirectory, HEARTBEAT_INTERVAL_MS, type NodeInfo } from './directory.js';
import { handleInvite } from './inbound.js';
import { summarizeCall, type LiveCallSummary } from './live-calls.js';
import { placeOutboundCall, type OutboundRequest, type OutboundResult } from './outbound.js';
import type { CallAnswered, CallOwner, LiveControl, OwnerDeps } from './owner.js';
import { markAlive, pendingReports } from './records.js';
import { CallRecovery } from './recovery.js';
import { NumberRouter, subscribeRoutingEvents } from './routing.js';

export interface TelephonyOptions {
  config: Config & { secretKey: string };
  db: Db;
  redis: Redis;
  log: Logger;
  nodeId: string;
  ua: UserAgent;
  pool: MediaPool;
  emitter: WebhookEmitter;
  keyDeps: ProviderKeyDeps;
  postCall: CallCloserOptions['postCall'];
}

/** What happens to calls on this node, for the parts built on top (dialer, metrics, dashboard). */
export interface TelephonyEvents {
  'call-answered': [CallAnswered];
  'call-final': [CallFinal];
  /** An inbound INVITE answered with a final status of 300 or more (refused, or failed before the answer). */
  'setup-failed': [{ direction: 'inbound'; sipStatus: number }];
  /** A call's media ended in its worker: RTP quality, latency waterfall, provider error. */
  'media-ended': [{ direction: 'inbound' | 'outbound'; ended: CallEnded }];
  /** The call logic asked to end a call because a provider failed (`code` as `provider/<code>`). */
  'provider-error': [{ providers: readonly string[]; code: string }];
  /** A call this node owns now exists (its row is written): ringing inbound, dialing outbound. */
  'call-started': [{ callId: string; orgId: string }];
  /** The caller or the agent started or stopped talking (the media worker's voice events). */
  'call-speech': [CallSpeech];
}

export interface CallSpeech {
  callId: string;
  orgId: string;
  who: 'user' | 'assistant';
  speaking: boolean;
}

const NOT_FOUND: CommandResult = { ok: false, status: 404, error: 'not_found', message: 'Call not found' };
const NOT_LIVE: CommandResult = { ok: false, status: 400, error: 'call_not_active', message: 'The call is not in progress.' };

export class TelephonyService implements TelephonyContext {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
  readonly nodeId: string;
  readonly ua: UserAgent;
  readonly emitter: WebhookEmitter;
  readonly keyDeps: ProviderKeyDeps;
  readonly router: NumberRouter;
  readonly directory: CallDirectory;
  readonly allowList: TrunkAllowList;
  readonly closer: CallCloser;
  readonly ownerDeps: OwnerDeps;
  draining = false;
  readonly events = new EventEmitter<TelephonyEvents>();
  private readonly recovery: CallRecovery;
  private readonly commands: CommandBus;
  private readonly calls = new Map<string, CallOwner>();
  /** Media call ids of transfer targets → the call they belong to. */
  private readonly legs = new Map<string, CallOwner>();
  private readonly idleWaiters = new Set<() => void>();
  private readonly incarnation = crypto.randomUUID();
  private readonly startedAt = new Date().toISOString();
  private heartbeat: NodeJS.Timeout | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(private readonly o: TelephonyOptions) {
    this.config = o.config;
    this.db = o.db;
    this.log = o.log;
    this.nodeId = o.nodeId;
    this.ua = o.ua;
    this.emitter = o.emitter;
    this.keyDeps = o.keyDeps;
    this.router = new NumberRouter(o.db);
    this.directory = new CallDirectory(o.redis, o.config.redisPrefix, o.nodeId, o.log);
    this.allowList = new TrunkAllowList(o.db, o.config.sip.trunkAllow, o.log);
    this.commands = new CommandBus(o.redis, o.config.redisPrefix, o.nodeId, o.log);
    this.closer = new CallCloser({
      db: o.db,
      emitter: o.emitter,
      directory: this.directory,
      secrets: o.keyDeps.secrets,
      log: o.log,
      spoolDir: join(o.config.dataDir, 'spool', 'calls'),
      pricePerMinute: o.config.pricePerMinute,
      postCall: o.postCall,
      onFinal: (final) => this.announce('call-final', final),
    });
    this.recovery = new CallRecovery({
      db: o.db,
      redis: o.redis,
      prefix: o.config.redisPrefix,
      directory: this.directory,
      closer: this.closer,
      secrets: o.keyDeps.secrets,
      nodeId: o.nodeId,
      log: o.log,
    });
    this.ownerDeps = {
      db: o.db,
      log: o.log,
      pool: o.pool,
      ua: o.ua,
      secrets: o.keyDeps.secrets,
      publicIp: o.config.sip.publicIp,
      adoptLeg: (mediaId, owner) => this.legs.set(mediaId, owner),
      forgetLeg: (mediaId) => this.legs.delete(mediaId),
      emitter: o.emitter,
      directory: this.directory,
      closer: this.closer,
      nodeId: o.nodeId,
      orgMaxConcurrent: o.config.calls.orgMaxConcurrent,
      localCallsOf: (orgId) => [...this.calls.values()].filter((c) => c.orgId === orgId).length,
      onAnswered: (answered) => this.announce('call-answered', answered),
    };
  }

  /** A failing listener is logged; it never breaks the call that announced. */
  private announce<K extends keyof TelephonyEvents>(event: K, ...args: TelephonyEvents[K]): void {
    try {
      (this.events.emit as (name: string, ...values: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      this.log.error({ err, event }, 'a telephony event listener failed');
    }
  }

  /** The media workers' figures (clock, event-loop utilisation, ports); `reset` starts a new window. */
  mediaHealth(reset = false): ReturnType<MediaPool['health']> {
    return this.o.pool.health({ reset });
  }

  get liveCalls(): number {
    return this.calls.size;
  }

  /** The calls this node owns right now. */
  liveCallList(): LiveCallSummary[] {
    return [...this.calls.values()].map(summarizeCall);
  }

  /** For SIP `accept`: only allow-listed sources may send out-of-dialog requests. */
  allows(address: string): boolean {
    return this.allowList.allows(address);
  }

  /** Finalises what a previous life of this node left, then takes calls. */
  async start(): Promise<void> {
    await this.refuseIfRunning();
    await this.allowList.start();
    const replayed = await this.closer.replay();
    const recovered = await this.recovery.recoverOwn();
    if (replayed + recovered > 0) this.log.warn({ replayed, recovered }, 'finalised the calls a previous run of this node left open');
    this.unsubscribe = await subscribeRoutingEvents(
      this.o.redis,
      this.config.redisPrefix,
      { number: (n) => this.router.invalidate(n), trunks: (org) => this.allowList.onTrunksChanged(org) },
      this.log,
    );
    await this.commands.start((command) => this.runLocal(command));
    this.ua.on('invite', (req, res) => this.onInvite(req, res));
    this.o.pool.on('message', (msg) => this.onWorkerMessage(msg));
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  /**
   * Another live process with this node id would have its calls finalised by our recovery:
   * refuse to start instead (two `voxgate start` on one data directory).
   */
  private async refuseIfRunning(): Promise<void> {
    const previous = await this.directory.node(this.nodeId).catch(() => null);
    if (!previous || previous.hostname !== hostname() || previous.pid === process.pid || !processAlive(previous.pid)) return;
    throw new Error(
      `another voxgate engine with node id ${this.nodeId} is running here (pid ${previous.pid}); stop it first, ` +
        'or give this one its own VOXGATE_DATA_DIR or VOXGATE_NODE_ID',
    );
  }

  adopt(call: CallOwner): void {
    this.calls.set(call.id, call);
    call.whenClosed(() => this.forget(call));
    this.announce('call-started', { callId: call.id, orgId: call.orgId });
  }

  forget(call: CallOwner): void {
    this.calls.delete(call.id);
    if (this.calls.size === 0) for (const wake of this.idleWaiters) wake();
  }

  /** POST /calls/outbound: dials through the organization's trunk; answers before the far end does. */
  placeOutbound(request: OutboundRequest): Promise<OutboundResult> {
    if (this.draining) return Promise.resolve({ ok: false, status: 503, error: 'internal_error', message: 'This node is shutting down; try again.' });
    return placeOutboundCall(this, request);
  }

  /** POST /calls/{id}/control from any node: run here, or on the node that owns the call. */
  async control(orgId: string, callId: string, control: LiveControl): Promise<CommandResult> {
    const command: CallCommand = { callId, orgId, control: control as unknown as Record<string, unknown> };
    if (this.calls.has(callId)) return this.runLocal(command);
    let owner: string | null;
    try {
      owner = await this.directory.ownerOf(callId);
    } catch {
      return OWNER_UNREACHABLE;
    }
    if (!owner || owner === this.nodeId) return NOT_LIVE;
    return this.commands.send(owner, command);
  }

  private runLocal(command: CallCommand): Promise<CommandResult> {
    const call = this.calls.get(command.callId);
    if (!call) return Promise.resolve(NOT_LIVE);
    if (call.orgId !== command.orgId) return Promise.resolve(NOT_FOUND);
    return call.control(command.control as unknown as LiveControl);
  }

  private onInvite(req: IncomingRequest, res: ServerResponse): void {
    handleInvite(this, req, res)
      .catch((err: unknown) => {
        this.log.error({ err, sipCallId: req.callId }, 'inbound call failed');
        if (!res.finalSent) res.send(500, 'Server Internal Error');
      })
      .finally(() => {
        if (res.status !== undefined && res.status >= 300) this.announce('setup-failed', { direction: 'inbound', sipStatus: res.status });
      });
  }

  private onWorkerMessage(msg: WorkerToMain): void {
    const owned = this.calls.get(msg.callId);
    const call = owned ?? this.legs.get(msg.callId);
    if (msg.type === 'call.ended' && call) this.announce('media-ended', { direction: call.init.direction, ended: msg });
    if (msg.type === 'call.hangup-request' && call && msg.error?.code.startsWith('provider/')) {
      this.announce('provider-error', { providers: call.agent.keyProviders, code: msg.error.code });
    }
    call?.onWorkerMessage(msg);
    if (owned && msg.type === 'call.event' && (msg.event.kind === 'speech-started' || msg.event.kind === 'speech-stopped')) {
      this.announce('call-speech', { callId: owned.id, orgId: owned.orgId, who: msg.event.who, speaking: msg.event.kind === 'speech-started' });
    }
  }

  /** One heartbeat: this node and its calls in Redis and in the calls' rows; then the sweep. */
  private async beat(): Promise<void> {
    const live = [...this.calls.values()].map((c) => ({ orgId: c.orgId, callId: c.id }));
    await this.directory.heartbeat(this.nodeInfo(), live).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'node heartbeat to Redis failed'));
    const alive = await markAlive(this.db, this.nodeId).then(
      () => true,
      (err: unknown) => {
        this.log.warn({ err: (err as Error).message }, 'node heartbeat to the database failed');
        return false;
      },
    );
    this.recovery.heartbeatSucceeded(alive);
    if (alive) await this.recovery.sweep().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'sweep for stopped nodes failed'));
  }

  private nodeInfo(): NodeInfo {
    return {
      id: this.nodeId,
      incarnation: this.incarnation,
      hostname: hostname(),
      host: this.config.sip.publicIp,
      pid: process.pid,
      sipAddress: `${this.config.sip.publicIp}:${this.sipPort()}`,
      rtpPorts: `${this.config.rtp.portMin}-${this.config.rtp.portMax}`,
      draining: this.draining,
      calls: this.calls.size,
      startedAt: this.startedAt,
    };
  }

  private sipPort(): number {
    try {
      return this.ua.address(this.config.sip.transports[0]) ?? this.config.sip.port;
    } catch {
      return this.config.sip.port; // not listening yet
    }
  }

  /** New INVITEs get 503; live calls end naturally, or are hung up after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    void this.beat();
    if (this.calls.size > 0) {
      this.log.info({ calls: this.calls.size, timeoutMs }, 'draining: waiting for live calls to end');
      let wake!: () => void;
      const idle = new Promise<void>((resolve) => (wake = resolve));
      this.idleWaiters.add(wake);
      const timer = setTimeout(wake, timeoutMs);
      await idle;
      clearTimeout(timer);
      this.idleWaiters.delete(wake);
    }
    const left = [...this.calls.values()];
    if (left.length > 0) this.log.warn({ calls: left.length }, 'drain timed out: hanging up the remaining calls');
    await Promise.all(left.map((call) => call.end('agent-hangup', 'the node was shut down')));
  }

  /**
   * Waits (bounded) until the reports of this node's recent calls are out: every end-of-call
   * report queued and every webhook of those calls delivered or given up.
   */
  async awaitReports(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pending = await pendingReports(this.db, this.nodeId).catch(() => 0);
      if (pending === 0 && this.closer.pending === 0) return;
      if (Date.now() > deadline) {
        this.log.warn({ pending, spooled: this.closer.pending }, 'stopping with reports still pending; they go out from the next node to start');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.allowList.stop();
    this.closer.stop();
    await this.directory.deregister().catch(() => undefined);
    await this.commands.close();
    await this.unsubscribe?.();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
