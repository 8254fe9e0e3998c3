/**
 * The live-call feed of one API node, shared by every dashboard watching from it: it listens to
 * the live-call signals of all nodes on Redis (src/telephony/live-signals.ts), reads the changed
 * call's row, and passes it to the watchers of that call's organization (the admin watches all).
 * A look at the calls table every `pollMs` catches what a lost signal or a node without the
 * publisher missed (a call moving to `forwarding`, a node that died). Nothing runs without
 * watchers.
 */
import type { Redis } from 'ioredis';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';
import { duplicateClient } from '../redis.js';
import { liveChannelPattern, type LiveSignal } from '../telephony/live-signals.js';
import { callsById, isLive, liveCalls } from './live-calls.js';
import type { LiveCall, LiveEvent } from './wire.js';

export interface LiveWatcher {
  /** null: every organization (the admin key). */
  orgId: string | null;
  send(event: LiveEvent): void;
}

export const DEFAULT_POLL_MS = 2_000;

export class LiveHub {
  private readonly watchers = new Set<LiveWatcher>();
  /** Live calls as last sent: id → status and answer time, to notice changes. */
  private readonly known = new Map<string, string>();
  private readonly speaking = new Map<string, LiveCall['speaking']>();
  private subscriber: Redis | null = null;
  private subscribing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly db: Queryable,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly pollMs = DEFAULT_POLL_MS,
  ) {}

  /** Starts sending `watcher` the live calls of its scope, a snapshot first; returns the stop function. */
  async watch(watcher: LiveWatcher): Promise<() => void> {
    await this.start();
    // Watching before the snapshot is read, so that a change in between is not lost; it is held
    // and sent after the snapshot, which the page needs first.
    let held: LiveEvent[] | null = [];
    const entry: LiveWatcher = { orgId: watcher.orgId, send: (event) => (held ? held.push(event) : watcher.send(event)) };
    this.watchers.add(entry);
    let snapshot: LiveCall[];
    try {
      snapshot = await liveCalls(this.db, watcher.orgId);
    } catch (err) {
      this.watchers.delete(entry);
      throw err;
    }
    for (const call of snapshot) this.known.set(call.id, stateOf(call));
    const changes = held;
    held = null;
    watcher.send({ type: 'snapshot', calls: snapshot.map((c) => this.withSpeech(c)) });
    for (const event of changes) watcher.send(event);
    return () => {
      this.watchers.delete(entry);
      if (this.watchers.size === 0) this.pause();
    };
  }

  get watching(): number {
    return this.watchers.size;
  }

  async close(): Promise<void> {
    this.watchers.clear();
    this.pause();
    const subscriber = this.subscriber;
    this.subscriber = null;
    this.subscribing = null;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  private async start(): Promise<void> {
    if (!this.subscribing) {
      const subscriber = duplicateClient(this.redis, this.log, 'live calls');
      subscriber.on('pmessage', (_pattern, _channel, text) => this.onSignal(text));
      this.subscriber = subscriber;
      this.subscribing = subscriber.psubscribe(liveChannelPattern(this.prefix)).then(
        () => undefined,
        (err: unknown) => {
          // Redis is down: the next watcher tries again with a new connection.
          this.subscriber = null;
          this.subscribing = null;
          subscriber.disconnect();
          throw err;
        },
      );
    }
    await this.subscribing;
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.pollMs);
      this.timer.unref();
    }
  }

  private pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.known.clear();
  }

  private onSignal(text: string): void {
    let signal: LiveSignal;
    try {
      signal = JSON.parse(text) as LiveSignal;
    } catch {
      return;
    }
    if (this.watchers.size === 0 || typeof signal?.callId !== 'string') return;
    if (signal.kind === 'speech') {
      const now = { ...(this.speaking.get(signal.callId) ?? { user: false, assistant: false }), [signal.who]: signal.speaking };
      this.speaking.set(signal.callId, now);
      this.broadcast(signal.orgId, { type: 'speech', call_id: signal.callId, org_id: signal.orgId, speaking: now });
      return;
    }
    const { status, startedAt } = signal;
    void this.refresh([signal.callId], (call) =>
      // The owner's word is newer than its row while the row is still on its way (not ended).
      status && call.ended_at === null && call.status !== 'forwarding' ? { ...call, status, started_at: call.started_at ?? startedAt ?? null } : call,
    );
  }

  /** Reads the calls' rows and sends each to its organization's watchers. */
  private async refresh(ids: string[], amend: (call: LiveCall) => LiveCall = (call) => call): Promise<void> {
    let calls: LiveCall[];
    try {
      calls = await callsById(this.db, ids);
    } catch (err) {
      return void this.log.warn({ err: (err as Error).message }, 'live calls: reading a changed call failed');
    }
    for (const call of calls) this.publish(amend(call));
  }

  private publish(call: LiveCall): void {
    if (isLive(call.status)) this.known.set(call.id, stateOf(call));
    else {
      this.known.delete(call.id);
      this.speaking.delete(call.id);
    }
    this.broadcast(call.org_id, { type: 'call', call: this.withSpeech(call) });
  }

  /** The safety net: calls whose state changed without a signal, and live calls that left. */
  private async poll(): Promise<void> {
    if (this.polling || this.watchers.size === 0) return;
    this.polling = true;
    try {
      const live = await liveCalls(this.db, null);
      const seen = new Set<string>();
      for (const call of live) {
        seen.add(call.id);
        if (this.known.get(call.id) !== stateOf(call)) this.publish(call);
      }
      const gone = [...this.known.keys()].filter((id) => !seen.has(id));
      if (gone.length > 0) await this.refresh(gone);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'live calls: polling the calls table failed');
    } finally {
      this.polling = false;
    }
  }

  private withSpeech(call: LiveCall): LiveCall {
    const speaking = isLive(call.status) ? this.speaking.get(call.id) : undefined;
    return speaking ? { ...call, speaking } : call;
  }

  private broadcast(orgId: string, event: LiveEvent): void {
    for (const watcher of this.watchers) {
      if (watcher.orgId !== null && watcher.orgId !== orgId) continue;
      try {
        watcher.send(event);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'live calls: a watcher failed');
      }
    }
  }
}

const stateOf = (call: LiveCall): string => `${call.status}|${call.started_at ?? ''}`;
