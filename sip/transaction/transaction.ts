/**
 * What all four transaction machines share: the state, the armed timers, and the loop that feeds
 * inputs through the machine's table one at a time (an effect that produces another input, such
 * as a zero-length Timer K on a reliable transport, queues it instead of recursing).
 */
import type { Clock, TimerHandle } from '../clock.js';
import { NO_BODY, SipHeaders, type SipMessage, type SipRequest } from '../message/types.js';
import type { TimerConfig } from '../timers.js';
import type { Logger } from '../transport/logger.js';
import type { Destination } from '../transport/types.js';
import { step, type Table } from './fsm.js';

/** The downward path: hands a message to the transport layer. Rejects with `TransportError`. */
export interface MessageSink {
  send(message: SipMessage, destination: Destination): Promise<void>;
}

/** Everything a transaction needs from its owner, the transaction layer. */
export interface TransactionContext {
  clock: Clock;
  timers: TimerConfig;
  sink: MessageSink;
  logger: Logger;
  /** Removes the transaction from the layer's tables. */
  onTerminated(tx: Transaction<string, string, string>): void;
}

/** What `request` returns once a server transaction no longer holds its request. */
const RELEASED: SipRequest = {
  kind: 'request',
  method: 'RELEASED',
  uri: { scheme: 'sip', host: 'invalid', params: {}, headers: {} },
  headers: new SipHeaders(),
  body: NO_BODY,
};

interface ArmedTimer {
  input: string;
  handle: TimerHandle | undefined;
  next: ArmedTimer | undefined;
}

interface QueuedInput<I> {
  input: I;
  message?: SipMessage;
  error?: Error;
}

export abstract class Transaction<S extends string, I extends string, E extends string> {
  protected state: S;
  /** The message carried by the input being processed (a response, a retransmitted request…). */
  protected message?: SipMessage;
  /** The error carried by a `transportError` input. */
  protected error?: Error;
  // Armed timers: at most three per transaction, and most of its life (the 64·T1 tail) just one,
  // so a short linked list rather than arrays, whose first push reserves room for sixteen.
  private armed: ArmedTimer | undefined;
  private queue: QueuedInput<I>[] | undefined;
  private stepping = false;
  /** Inputs the table refused (stray messages, late timers); observable for tests and metrics. */
  refused = 0;

  /** §8.2.2.2 merge key of a server transaction's request, kept after the request is released. */
  mergeKey?: string;
  private held: SipRequest;

  protected constructor(
    protected readonly ctx: TransactionContext,
    private readonly table: Table<S, I, E>,
    initial: S,
    request: SipRequest,
    /** Transaction key in the layer's table (§17.1.3 / §17.2.3). */
    readonly key: string,
    readonly reliable: boolean,
  ) {
    this.state = initial;
    this.held = request;
  }

  /**
   * The request that created the transaction. A server transaction lets go of it once its final
   * response is out (it then only needs its key and that response), which keeps the 64·T1 tail
   * of every call small; after that this returns an empty placeholder request.
   */
  get request(): SipRequest {
    return this.held;
  }

  protected releaseRequest(): void {
    this.held = RELEASED;
  }

  get currentState(): S {
    return this.state;
  }

  get terminated(): boolean {
    return this.state === 'terminated';
  }

  /** Feeds one input through the table; returns false when the table refuses it. */
  protected feed(input: I, message?: SipMessage, error?: Error): boolean {
    if (this.stepping) {
      this.enqueue({ input, message, error });
      return true;
    }
    this.stepping = true;
    let accepted: boolean;
    try {
      accepted = this.apply({ input, message, error });
      for (let next = this.queue?.shift(); next; next = this.queue?.shift()) this.apply(next);
    } finally {
      this.stepping = false;
    }
    return accepted;
  }

  private apply(queued: QueuedInput<I>): boolean {
    if (this.state === 'terminated') return false;
    const rule = step(this.table, this.state, queued.input);
    if (!rule) {
      this.refused++;
      this.ctx.logger.debug({ state: this.state, input: queued.input, key: this.key }, 'transaction input refused');
      return false;
    }
    this.state = rule.next;
    this.message = queued.message;
    this.error = queued.error;
    for (const effect of rule.effects) this.run(effect);
    // Do not keep the input's message alive for the rest of the transaction's life.
    this.message = undefined;
    this.error = undefined;
    if (this.state === 'terminated') this.dispose();
    return true;
  }

  /** Runs one effect named in the table. */
  protected abstract run(effect: E): void;

  /** Hook for subclasses to tell their user the transaction is gone. */
  protected abstract terminatedHook(): void;

  /** Arms (or re-arms) a timer; a zero duration feeds its input right after the current step. */
  protected arm(input: I, ms: number): void {
    this.disarm(input);
    if (ms <= 0) {
      this.enqueue({ input });
      return;
    }
    const timer: ArmedTimer = { input, handle: undefined, next: this.armed };
    timer.handle = this.ctx.clock.setTimer(ms, () => {
      this.unlink(timer);
      this.feed(input);
    });
    this.armed = timer;
  }

  protected disarm(input: I): void {
    for (let timer = this.armed; timer; timer = timer.next) {
      if (timer.input !== input) continue;
      this.ctx.clock.clearTimer(timer.handle);
      return this.unlink(timer);
    }
  }

  private unlink(target: ArmedTimer): void {
    if (this.armed === target) {
      this.armed = target.next;
      return;
    }
    for (let timer = this.armed; timer; timer = timer.next) {
      if (timer.next === target) {
        timer.next = target.next;
        return;
      }
    }
  }

  private enqueue(queued: QueuedInput<I>): void {
    (this.queue ??= []).push(queued);
  }

  /** Sends a message; a failed send comes back as a `transportError` input. */
  protected transmit(message: SipMessage, destination: Destination): void {
    this.ctx.sink.send(message, destination).catch((err: unknown) => {
      this.feed('transportError' as I, undefined, err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** Forces the transaction to end now (UA shutdown); no user callbacks besides termination. */
  abort(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated' as S;
    this.dispose();
  }

  private dispose(): void {
    for (let timer = this.armed; timer; timer = timer.next) this.ctx.clock.clearTimer(timer.handle);
    this.armed = undefined;
    this.queue = undefined;
    this.ctx.onTerminated(this);
    this.terminatedHook();
  }
}
