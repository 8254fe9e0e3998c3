/**
 * The signalling service (DESIGN §3): INVITEs from the SIP user agent, the calls they become,
 * and the messages of the media workers routed to their call. One registry answers "which calls
 * are live on this node"; `drain()` refuses new calls and waits for the live ones to end.
 */
import type { Redis } from 'ioredis';
import type { ProviderKeyDeps } from '../agents/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import type { WebhookEmitter } from '../events/index.js';
import type { Logger } from '../log.js';
import type { MediaPool, WorkerToMain } from '../../media/index.js';
import type { IncomingRequest, ServerResponse, UserAgent } from '../../sip/index.js';
import { TrunkAllowList } from './allow-list.js';
import type { ActiveCall, CallDeps } from './call.js';
import type { TelephonyContext } from './context.js';
import { handleInvite } from './inbound.js';
import { HEARTBEAT_INTERVAL_MS, LiveCallRegistry } from './live-calls.js';
import { NumberRouter, subscribeRoutingEvents } from './routing.js';

export interface TelephonyOptions {
  config: Config;
  db: Db;
  redis: Redis;
  log: Logger;
  nodeId: string;
  ua: UserAgent;
  pool: MediaPool;
  emitter: WebhookEmitter;
  keyDeps: ProviderKeyDeps;
}

export class TelephonyService implements TelephonyContext {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
  readonly nodeId: string;
  readonly ua: UserAgent;
  readonly emitter: WebhookEmitter;
  readonly keyDeps: ProviderKeyDeps;
  readonly router: NumberRouter;
  readonly registry: LiveCallRegistry;
  readonly allowList: TrunkAllowList;
  readonly callDeps: CallDeps;
  draining = false;
  private readonly calls = new Map<string, ActiveCall>();
  private readonly idleWaiters = new Set<() => void>();
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
    this.registry = new LiveCallRegistry(o.redis, o.config.redisPrefix, o.nodeId);
    this.allowList = new TrunkAllowList(o.db, o.config.sip.trunkAllow, o.log);
    this.callDeps = {
      db: o.db,
      log: o.log,
      pool: o.pool,
      emitter: o.emitter,
      registry: this.registry,
      pricePerMinute: o.config.pricePerMinute,
      publicUrl: o.config.calls.publicUrl,
    };
  }

  get liveCalls(): number {
    return this.calls.size;
  }

  /** For SIP `accept`: only allow-listed sources may send out-of-dialog requests. */
  allows(address: string): boolean {
    return this.allowList.allows(address);
  }

  async start(): Promise<void> {
    await this.allowList.start();
    this.unsubscribe = await subscribeRoutingEvents(
      this.o.redis,
      this.config.redisPrefix,
      { number: (n) => this.router.invalidate(n), trunks: (org) => this.allowList.onTrunksChanged(org) },
      this.log,
    );
    this.ua.on('invite', (req, res) => this.onInvite(req, res));
    this.o.pool.on('message', (msg) => this.onWorkerMessage(msg));
    this.heartbeat = setInterval(() => {
      const live = [...this.calls.values()].map((c) => ({ orgId: c.orgId, callId: c.id }));
      this.registry.heartbeat(live).catch((err: unknown) => this.log.warn({ err }, 'live-call heartbeat failed'));
    }, HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  adopt(call: ActiveCall): void {
    this.calls.set(call.id, call);
    call.whenClosed(() => this.forget(call));
  }

  forget(call: ActiveCall): void {
    this.calls.delete(call.id);
    if (this.calls.size === 0) for (const wake of this.idleWaiters) wake();
  }

  private onInvite(req: IncomingRequest, res: ServerResponse): void {
    handleInvite(this, req, res).catch((err: unknown) => {
      this.log.error({ err, sipCallId: req.callId }, 'inbound call failed');
      if (!res.finalSent) res.send(500, 'Server Internal Error');
    });
  }

  private onWorkerMessage(msg: WorkerToMain): void {
    const call = this.calls.get(msg.callId);
    if (call) call.onWorkerMessage(msg);
  }

  /** New INVITEs get 503; live calls end naturally, or are hung up after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
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

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.allowList.stop();
    await this.unsubscribe?.();
  }
}
