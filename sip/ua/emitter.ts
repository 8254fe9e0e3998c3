/**
 * A small event emitter constrained to an event-map interface: `on('bye', …)` only accepts the
 * events the map declares, with their argument types. A throwing (or rejecting) listener is
 * reported to `onListenerError` instead of unwinding into the SIP stack.
 */
export type EventMap = { [event: string]: unknown[] };

type Listener<A extends unknown[]> = (...args: A) => unknown;

interface Registered {
  fn: Listener<never[]>;
  once: boolean;
}

/**
 * Every request and dialog is an emitter, and most never get a listener: the table is made on
 * the first `on`, and failures go to a method (overridden by owners with a logger), not to a
 * closure made per instance.
 */
export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  private listeners: Map<keyof E, Registered[]> | undefined;

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => unknown): this {
    return this.add(event, listener, false);
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => unknown): this {
    return this.add(event, listener, true);
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => unknown): this {
    const list = this.listeners?.get(event);
    if (list) this.listeners!.set(event, list.filter((l) => l.fn !== (listener as unknown)));
    return this;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.listeners?.get(event)?.length ?? 0;
  }

  removeAllListeners<K extends keyof E & string>(event?: K): this {
    if (event === undefined) this.listeners?.clear();
    else this.listeners?.delete(event);
    return this;
  }

  /** Where listener failures go; owners override it to log. */
  protected onListenerError(error: unknown, event: string): void {
    void error;
    void event;
  }

  /** Calls every listener of `event`; returns whether there was any. */
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    const list = this.listeners?.get(event);
    if (!list || list.length === 0) return false;
    if (hasOnce(list)) this.listeners!.set(event, list.filter((l) => !l.once));
    for (const { fn } of list) {
      try {
        const result = (fn as unknown as Listener<E[K]>)(...args);
        if (result instanceof Promise) result.catch((err: unknown) => this.onListenerError(err, event));
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
    return true;
  }

  private add<K extends keyof E>(event: K, listener: unknown, once: boolean): this {
    const listeners = (this.listeners ??= new Map());
    const list = listeners.get(event) ?? [];
    list.push({ fn: listener as Listener<never[]>, once });
    listeners.set(event, list);
    return this;
  }
}

function hasOnce(list: Registered[]): boolean {
  for (const l of list) if (l.once) return true;
  return false;
}
