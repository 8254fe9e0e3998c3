/**
 * A small event emitter constrained to an event-map interface: `on('bye', …)` only accepts the
 * events the map declares, with their argument types. A throwing (or rejecting) listener is
 * reported to `onListenerError` instead of unwinding into the SIP stack.
 */
export type EventMap = { [event: string]: unknown[] };

type Listener<A extends unknown[]> = (...args: A) => unknown;

export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  private readonly listeners = new Map<keyof E, Array<{ fn: Listener<never[]>; once: boolean }>>();
  /** Where listener failures go; the owner wires it to its logger. */
  protected onListenerError: (error: unknown, event: string) => void = () => undefined;

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => unknown): this {
    return this.add(event, listener, false);
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => unknown): this {
    return this.add(event, listener, true);
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => unknown): this {
    const list = this.listeners.get(event);
    if (list) this.listeners.set(event, list.filter((l) => l.fn !== (listener as unknown)));
    return this;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  removeAllListeners<K extends keyof E & string>(event?: K): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  /** Calls every listener of `event`; returns whether there was any. */
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return false;
    this.listeners.set(event, list.filter((l) => !l.once));
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
    const list = this.listeners.get(event) ?? [];
    list.push({ fn: listener as Listener<never[]>, once });
    this.listeners.set(event, list);
    return this;
  }
}
