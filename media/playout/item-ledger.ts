/**
 * Which agent item each queued byte belongs to. Items are contiguous spans of cumulative byte
 * positions kept in parallel arrays (no object per chunk or per frame); a span is popped once
 * the read position passes its end.
 */

export interface ItemPlayed {
  itemId: string;
  /** Milliseconds of the item the caller was sent. */
  playedMs: number;
}

/** Flushed item ids remembered so late chunks of an interrupted response are not played. */
const FLUSHED_MEMORY = 16;

export class ItemLedger {
  onPlayed: ((played: ItemPlayed) => void) | null = null;
  private ids: string[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  /** Bytes of the same item already played in an earlier span (the item resumed after a gap). */
  private bases: number[] = [];
  private head = 0;
  private lastDoneId: string | null = null;
  private lastDoneBytes = 0;
  private readonly flushed: string[] = [];
  private flushedNext = 0;

  constructor(private readonly bytesPerMs: number) {}

  append(itemId: string, start: number, end: number): void {
    const tail = this.ids.length - 1;
    if (tail >= this.head && this.ids[tail] === itemId && this.ends[tail] === start) {
      this.ends[tail] = end;
      return;
    }
    const base = tail < this.head && itemId === this.lastDoneId ? this.lastDoneBytes : 0;
    this.ids.push(itemId);
    this.starts.push(start);
    this.ends.push(end);
    this.bases.push(base);
  }

  /** Pops every span fully played by `readPos`, reporting each finished item. */
  advance(readPos: number, writePos: number): void {
    while (this.head < this.ids.length && this.ends[this.head] <= readPos) {
      const id = this.ids[this.head];
      const bytes = this.bases[this.head] + this.ends[this.head] - this.starts[this.head];
      this.lastDoneId = id;
      this.lastDoneBytes = bytes;
      this.head++;
      this.report(id, bytes);
    }
    if (this.head === this.ids.length || readPos === writePos || this.head > 32) this.compact();
  }

  /** Drops every span; returns the item that was playing and how much of it was sent. */
  flushAll(readPos: number): ItemPlayed | null {
    let current: ItemPlayed | null = null;
    if (this.head < this.ids.length) {
      const i = this.head;
      const sent = Math.max(0, Math.min(readPos, this.ends[i]) - this.starts[i]) + this.bases[i];
      current = { itemId: this.ids[i], playedMs: Math.floor(sent / this.bytesPerMs) };
    }
    for (let i = this.head; i < this.ids.length; i++) this.rememberFlushed(this.ids[i]);
    this.head = this.ids.length;
    this.lastDoneId = null;
    this.compact();
    return current;
  }

  wasFlushed(itemId: string): boolean {
    return this.flushed.includes(itemId);
  }

  private report(itemId: string, bytes: number): void {
    if (!this.onPlayed) return;
    try {
      this.onPlayed({ itemId, playedMs: Math.floor(bytes / this.bytesPerMs) });
    } catch {
      // A listener's bug must not break the clock tick that pulled this frame.
    }
  }

  private rememberFlushed(itemId: string): void {
    if (this.flushed.includes(itemId)) return;
    if (this.flushed.length < FLUSHED_MEMORY) this.flushed.push(itemId);
    else this.flushed[this.flushedNext] = itemId;
    this.flushedNext = (this.flushedNext + 1) % FLUSHED_MEMORY;
  }

  private compact(): void {
    if (this.head === 0) return;
    if (this.head === this.ids.length) {
      this.ids.length = this.starts.length = this.ends.length = this.bases.length = 0;
      this.head = 0;
      return;
    }
    this.ids.splice(0, this.head);
    this.starts.splice(0, this.head);
    this.ends.splice(0, this.head);
    this.bases.splice(0, this.head);
    this.head = 0;
  }
}
