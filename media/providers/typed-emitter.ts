/**
 * A minimal emitter constrained to an event map (STYLE.md principle 11): event names and payloads
 * are checked at compile time. A listener that throws cannot break the adapter's message loop or
 * silence the other listeners; its error goes to `onListenerError`.
 */
export class TypedEmitter<M extends object> {
  private readonly listeners = new Map<keyof M, Array<(event: never) => void>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  on<K extends keyof M>(type: K, listener: (event: M[K]) => void): () => void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener);
    this.listeners.set(type, list);
    return () => this.off(type, listener);
  }

  off<K extends keyof M>(type: K, listener: (event: M[K]) => void): void {
    const list = this.listeners.get(type);
    if (list === undefined) return;
    const index = list.indexOf(listener);
    if (index >= 0) list.splice(index, 1);
  }

  emit<K extends keyof M>(type: K, event: M[K]): void {
    const list = this.listeners.get(type);
    if (list === undefined || list.length === 0) return;
    for (const listener of list.slice()) {
      try {
        (listener as (event: M[K]) => void)(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  listenerCount(type: keyof M): number {
    return this.listeners.get(type)?.length ?? 0;
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
