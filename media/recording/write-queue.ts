/**
 * Ordered, fire-and-forget file writes: callers enqueue and return at once (the media clock never
 * awaits disk); one operation runs at a time, in order, through callback `fs` calls. The first
 * error stops further writes and is kept for the caller to report.
 *
 * Files are created owner-only (0600): a recording is a phone conversation. `open`'s mode is
 * only used when the file is new, so an existing file is narrowed with `fchmod` before any byte
 * is written.
 */

import { close, fchmod, open, write } from 'node:fs';

const FILE_MODE = 0o600;

type Op =
  | { kind: 'write'; buf: Buffer; length: number; position: number; done: (() => void) | null }
  | { kind: 'compute'; fill: () => { buf: Buffer; length: number; position: number } }
  | { kind: 'close' };

export class FileWriteQueue {
  /** First I/O error, if any; later operations are skipped. */
  error: NodeJS.ErrnoException | null = null;
  private fd = -1;
  private readonly ops: Op[] = [];
  private busy = true; // until open completes
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly path: string) {
    open(path, 'w', FILE_MODE, (err, fd) => {
      if (err) return this.opened(err);
      this.fd = fd;
      fchmod(fd, FILE_MODE, (chmodErr) => this.opened(chmodErr));
    });
  }

  /** Write `length` bytes of `buf` at `position`; `done` runs after (recycle the buffer there). */
  write(buf: Buffer, length: number, position: number, done: (() => void) | null = null): void {
    this.push({ kind: 'write', buf, length, position, done });
  }

  /** Write bytes computed when the operation's turn comes (e.g. a header with the sizes by then). */
  writeComputed(fill: () => { buf: Buffer; length: number; position: number }): void {
    this.push({ kind: 'compute', fill });
  }

  /** Close the file after everything queued; resolves when done (never rejects: see `error`). */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.ops.push({ kind: 'close' });
      if (!this.busy) this.next();
    }
    return this.idle();
  }

  /** Resolves once the queue is empty and nothing is in flight. */
  idle(): Promise<void> {
    if (!this.busy && this.ops.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private opened(err: NodeJS.ErrnoException | null): void {
    if (err) this.error = err;
    this.busy = false;
    this.next();
  }

  private push(op: Op): void {
    if (this.closed) return;
    this.ops.push(op);
    if (!this.busy) this.next();
  }

  private next(): void {
    const op = this.ops.shift();
    if (!op) {
      this.busy = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    this.busy = true;
    if (op.kind === 'close') return this.runClose();
    const { buf, length, position } = op.kind === 'write' ? op : op.fill();
    const done = op.kind === 'write' ? op.done : null;
    if (this.error || this.fd < 0) {
      done?.();
      return this.next();
    }
    write(this.fd, buf, 0, length, position, (err, n) => {
      if (err && !this.error) this.error = err;
      else if (!err && n !== length && !this.error) this.error = shortWrite(this.path);
      done?.();
      this.next();
    });
  }

  private runClose(): void {
    if (this.fd < 0) return this.next();
    close(this.fd, (err) => {
      if (err && !this.error) this.error = err;
      this.fd = -1;
      this.next();
    });
  }
}

function shortWrite(path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`short write to ${path}`);
  err.code = 'ESHORTWRITE';
  return err;
}
