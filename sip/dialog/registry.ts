/**
 * The table of live dialogs, keyed by dialog id (§12). Bounded: `add` refuses beyond the cap so
 * a flood of calls cannot grow memory without limit; dialogs remove themselves when destroyed.
 */
import { dialogKey, type DialogId } from './state.js';

export class DialogRegistry<T> {
  private readonly dialogs = new Map<string, T>();

  constructor(readonly capacity = 100_000) {}

  get size(): number {
    return this.dialogs.size;
  }

  get full(): boolean {
    return this.dialogs.size >= this.capacity;
  }

  get(id: DialogId): T | undefined {
    return this.dialogs.get(dialogKey(id));
  }

  add(id: DialogId, dialog: T): boolean {
    if (this.full) return false;
    this.dialogs.set(dialogKey(id), dialog);
    return true;
  }

  delete(id: DialogId, dialog: T): void {
    const key = dialogKey(id);
    if (this.dialogs.get(key) === dialog) this.dialogs.delete(key);
  }

  values(): T[] {
    return [...this.dialogs.values()];
  }
}
