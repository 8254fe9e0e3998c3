/**
 * RTP/RTCP port pairs from a configured range. RTP takes an even port and RTCP the next odd one
 * (RFC 3550 §11); a pair is handed out only once both sockets are bound, and ports the OS refuses
 * (taken by another process, privileged) are skipped.
 *
 * A port must not be handed out while it still receives someone else's stream: after a crash,
 * the callers of the dead calls keep sending to their ports for a while (RTP bleed, RFC 7362 §5).
 * So the scan starts at a random pair; a released pair is quarantined — its sockets stay bound,
 * listening, for `quarantineMs` after its last packet; and a few spare pairs are bound ahead and
 * handed out only after `spareQuietMs` of silence (the restart case, with no memory of the old
 * ports). Packets on held sockets are counted, never processed. See `held-pair.ts`.
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import { systemTime, type TimeSource } from './clock/time.js';
import { HeldPair, type HeldPairOwner } from './held-pair.js';

export interface PortRange {
  min: number;
  max: number;
}

/** How released and pre-bound pairs are held before they serve a call (defaults in the README). */
export interface PortReuseOptions {
  /** A released pair stays bound this long after its last packet (default 15 000 ms; 0 = close at once). */
  quarantineMs?: number;
  /** Most pairs in quarantine (default 256 = 512 sockets); when full, the quietest is closed. */
  maxQuarantined?: number;
  /** Pairs bound ahead, listening (default min(8, capacity / 8); at most capacity / 2). */
  spares?: number;
  /** Silence a spare must show before `allocate()` takes it (default 300 ms = 15 packet times at 50/s). */
  spareQuietMs?: number;
}

export interface PortAllocatorOptions extends PortReuseOptions {
  range: PortRange;
  /** Address the sockets bind to (default 0.0.0.0). */
  bindAddress?: string;
  type?: SocketType;
  /** Kernel socket buffer sizes; bursts of a few hundred calls need more than the default. */
  recvBufferSize?: number;
  sendBufferSize?: number;
  /** Monotonic time and timers (the worker's; a fake clock in tests). */
  time?: TimeSource;
}

export interface PortAllocatorStats {
  capacity: number;
  /** Pairs handed out to calls. */
  used: number;
  spares: number;
  /** Spares silent for at least `spareQuietMs`: the next allocations take these at once. */
  sparesReady: number;
  quarantined: number;
  /** Sockets bound but not serving a call (spares and quarantine, two per pair). */
  heldSockets: number;
  /** Datagrams that arrived on held sockets (counted, dropped). */
  strayPackets: number;
  /** Spares that received traffic before being handed out, so went to quarantine instead. */
  busySpares: number;
}

/** A bound RTP/RTCP socket pair. `release()` closes both and returns the ports; it is idempotent. */
export interface PortPair {
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
  readonly bindAddress: string;
  release(): void;
}

export class PortsExhaustedError extends Error {
  readonly code = 'media/ports-exhausted' as const;
  constructor(range: PortRange) {
    super(`no free RTP port pair in ${range.min}-${range.max}`);
    this.name = 'PortsExhaustedError';
  }
}

export class InvalidPortRangeError extends Error {
  readonly code = 'media/invalid-port-range' as const;
  constructor(range: PortRange) {
    super(`invalid RTP port range ${range.min}-${range.max}`);
    this.name = 'InvalidPortRangeError';
  }
}

/** Even RTP ports in `range` whose RTCP port (+1) is still inside it. */
export function evenPortsIn(range: PortRange): number {
  const first = range.min % 2 === 0 ? range.min : range.min + 1;
  if (first + 1 > range.max) return 0;
  return Math.floor((range.max - 1 - first) / 2) + 1;
}

/**
 * Splits a range into `parts` disjoint slices of whole even/odd pairs, one per worker thread,
 * so no two workers ever race for the same port.
 */
export function splitPortRange(range: PortRange, parts: number): PortRange[] {
  validateRange(range);
  const pairs = evenPortsIn(range);
  if (parts < 1 || pairs < parts) throw new InvalidPortRangeError(range);
  const first = range.min % 2 === 0 ? range.min : range.min + 1;
  const slices: PortRange[] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const count = Math.floor(pairs / parts) + (i < pairs % parts ? 1 : 0);
    slices.push({ min: first + start * 2, max: first + (start + count) * 2 - 1 });
    start += count;
  }
  return slices;
}

function validateRange(range: PortRange): void {
  const ok =
    Number.isInteger(range.min) &&
    Number.isInteger(range.max) &&
    range.min >= 1 &&
    range.max <= 65535 &&
    evenPortsIn(range) > 0;
  if (!ok) throw new InvalidPortRangeError(range);
}

const FREE = 0;
const BINDING = 1;
const IN_USE = 2;
const HELD = 3;

const DEFAULT_QUARANTINE_MS = 15_000;
const DEFAULT_MAX_QUARANTINED = 256;
const DEFAULT_SPARES = 8;
const DEFAULT_SPARE_QUIET_MS = 300;

export class PortAllocator implements HeldPairOwner {
  private readonly range: PortRange;
  private readonly first: number;
  private readonly pairs: number;
  private readonly bindAddress: string;
  private readonly time: TimeSource;
  private readonly quarantineMs: number;
  private readonly maxQuarantined: number;
  private readonly spareTarget: number;
  private readonly spareQuietMs: number;
  /** Per pair index: FREE, BINDING, IN_USE or HELD (a spare or in quarantine). */
  private readonly state: Uint8Array;
  /** Per pair index: a pair closed while its quarantine was still running is not bound before this. */
  private readonly notBefore: Float64Array;
  private readonly spares: HeldPair[] = [];
  private readonly quarantine: HeldPair[] = [];
  private sparesBinding = 0;
  private inUse = 0;
  private strays = 0;
  private busySpares = 0;
  /** Spare binds the OS refused in a row (ports held by other processes). */
  private refusedInRow = 0;
  private sweepTimer: unknown = null;
  private sweepAt = Infinity;
  private closed = false;
  /** Round-robin from a random pair: a restarted worker does not begin where the dead one did. */
  private cursor: number;

  constructor(private readonly options: PortAllocatorOptions) {
    validateRange(options.range);
    this.range = options.range;
    this.first = options.range.min % 2 === 0 ? options.range.min : options.range.min + 1;
    this.pairs = evenPortsIn(options.range);
    this.bindAddress = options.bindAddress ?? '0.0.0.0';
    this.time = options.time ?? systemTime;
    this.quarantineMs = options.quarantineMs ?? DEFAULT_QUARANTINE_MS;
    this.maxQuarantined = options.maxQuarantined ?? DEFAULT_MAX_QUARANTINED;
    const spares = options.spares ?? Math.min(DEFAULT_SPARES, Math.floor(this.pairs / 8));
    this.spareTarget = Math.max(0, Math.min(spares, Math.floor(this.pairs / 2)));
    this.spareQuietMs = options.spareQuietMs ?? DEFAULT_SPARE_QUIET_MS;
    this.state = new Uint8Array(this.pairs);
    this.notBefore = new Float64Array(this.pairs);
    this.cursor = randomInt(0, this.pairs);
    this.refillSpares();
  }

  /** Pairs currently handed out. */
  get used(): number {
    return this.inUse;
  }

  get capacity(): number {
    return this.pairs;
  }

  stats(): PortAllocatorStats {
    const now = this.time.now();
    let ready = 0;
    for (const spare of this.spares) if (now - spare.quietSince >= this.spareQuietMs) ready++;
    return {
      capacity: this.pairs,
      used: this.inUse,
      spares: this.spares.length,
      sparesReady: ready,
      quarantined: this.quarantine.length,
      heldSockets: 2 * (this.spares.length + this.quarantine.length),
      strayPackets: this.strays,
      busySpares: this.busySpares,
    };
  }

  /**
   * A pair for a new call: a spare that has been silent long enough (at once), else a freshly
   * bound pair (as fast as before spares existed); only when the range is used up, a spare not
   * yet proven or a quarantined pair that has been silent for `spareQuietMs`, never one still
   * receiving. Rejects with {@link PortsExhaustedError} when none is left.
   */
  async allocate(): Promise<PortPair> {
    const ready = this.takeSpare(this.spareQuietMs);
    if (ready) return this.handOut(ready);
    const fresh = await this.bindFresh();
    if (fresh) return fresh;
    const fallback = this.takeSpare(0) ?? this.takeQuietQuarantined();
    if (fallback) return this.handOut(fallback);
    throw new PortsExhaustedError(this.range);
  }

  /** Closes every held socket and stops the timers; pairs in use close when released. */
  close(): void {
    this.closed = true;
    if (this.sweepTimer !== null) this.time.clearTimer(this.sweepTimer);
    this.sweepTimer = null;
    for (const held of this.spares.splice(0)) this.free(held, 0);
    for (const held of this.quarantine.splice(0)) this.free(held, 0);
  }

  /** HeldPairOwner: a packet on a held socket. A spare that hears anything is busy: quarantine it. */
  onStray(held: HeldPair): void {
    this.strays++;
    if (!held.spare) return;
    removeFrom(this.spares, held);
    this.busySpares++;
    held.spare = false;
    this.enterQuarantine(held);
    this.refillSpares();
  }

  private takeSpare(minQuietMs: number): HeldPair | null {
    const now = this.time.now();
    let best: HeldPair | null = null;
    for (const spare of this.spares) if (now - spare.quietSince >= minQuietMs && (!best || spare.quietSince < best.quietSince)) best = spare;
    if (!best) return null;
    removeFrom(this.spares, best);
    this.refillSpares();
    return best;
  }

  private takeQuietQuarantined(): HeldPair | null {
    const now = this.time.now();
    let best: HeldPair | null = null;
    for (const held of this.quarantine) if (now - held.quietSince >= this.spareQuietMs && (!best || held.quietSince < best.quietSince)) best = held;
    if (best) removeFrom(this.quarantine, best);
    return best;
  }

  private handOut(held: HeldPair): PortPair {
    held.detach();
    return this.inService(held.index, held.rtp, held.rtcp);
  }

  private async bindFresh(): Promise<PortPair | null> {
    for (let tried = 0; tried < this.pairs; tried++) {
      const index = this.nextFreeIndex();
      if (index < 0) return null;
      // Reserve before the async bind so a concurrent allocate() does not take the same port.
      this.state[index] = BINDING;
      const sockets = await this.bindPair(this.portOf(index));
      if (sockets) return this.inService(index, sockets[0], sockets[1]);
      this.state[index] = FREE;
    }
    return null;
  }

  /** The next FREE pair from the cursor that is not waiting out a quarantine cut short; -1 if none. */
  private nextFreeIndex(): number {
    const now = this.time.now();
    for (let k = 0; k < this.pairs; k++) {
      const index = this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.state[index] === FREE && this.notBefore[index] <= now) return index;
    }
    return -1;
  }

  private inService(index: number, rtp: Socket, rtcp: Socket): PortPair {
    this.state[index] = IN_USE;
    this.inUse++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.inUse--;
      this.onReleased(index, rtp, rtcp);
    };
    return { rtpPort: this.portOf(index), rtcpPort: this.portOf(index) + 1, rtp, rtcp, bindAddress: this.bindAddress, release };
  }

  /** The call is over: its sockets stay bound, listening, until its stream has been quiet long enough. */
  private onReleased(index: number, rtp: Socket, rtcp: Socket): void {
    if (this.closed || this.quarantineMs <= 0) {
      closeQuietly(rtp);
      closeQuietly(rtcp);
      this.state[index] = FREE;
      return;
    }
    this.enterQuarantine(new HeldPair(index, rtp, rtcp, this.time, this, false));
  }

  private enterQuarantine(held: HeldPair): void {
    if (this.maxQuarantined <= 0) return this.free(held, held.quietSince + this.quarantineMs);
    this.state[held.index] = HELD;
    if (this.quarantine.length >= this.maxQuarantined) this.evictQuietest();
    this.quarantine.push(held);
    this.scheduleSweep(held.quietSince + this.quarantineMs);
  }

  /** Quarantine full: close the pair quiet the longest, and remember until when it may not be bound. */
  private evictQuietest(): void {
    let oldest: HeldPair | null = null;
    for (const held of this.quarantine) if (!oldest || held.quietSince < oldest.quietSince) oldest = held;
    if (!oldest) return;
    removeFrom(this.quarantine, oldest);
    this.free(oldest, oldest.quietSince + this.quarantineMs);
  }

  /** Ends quarantines that ran out: the pair becomes a spare (known silent) or is closed. */
  private sweep(): void {
    this.sweepTimer = null;
    this.sweepAt = Infinity;
    const now = this.time.now();
    let next = Infinity;
    for (let i = this.quarantine.length - 1; i >= 0; i--) {
      const held = this.quarantine[i];
      const due = held.quietSince + this.quarantineMs;
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      this.quarantine.splice(i, 1);
      if (this.spares.length + this.sparesBinding < this.spareTarget) {
        held.spare = true;
        this.spares.push(held);
      } else this.free(held, 0);
    }
    if (next < Infinity) this.scheduleSweep(next);
  }

  private scheduleSweep(at: number): void {
    if (this.closed || at >= this.sweepAt) return;
    if (this.sweepTimer !== null) this.time.clearTimer(this.sweepTimer);
    this.sweepAt = at;
    this.sweepTimer = this.time.setTimer(() => this.sweep(), Math.max(0, at - this.time.now()));
    (this.sweepTimer as { unref?: () => void }).unref?.();
  }

  /** Binds spares up to the target in the background; a port the OS refuses is skipped. */
  private refillSpares(): void {
    while (!this.closed && this.spares.length + this.sparesBinding < this.spareTarget) {
      const index = this.nextFreeIndex();
      if (index < 0) return;
      this.state[index] = BINDING;
      this.sparesBinding++;
      void this.bindPair(this.portOf(index)).then((sockets) => this.spareBound(index, sockets));
    }
  }

  private spareBound(index: number, sockets: [Socket, Socket] | null): void {
    this.sparesBinding--;
    if (!sockets) {
      this.state[index] = FREE;
      // Try the next port, but give up after a slice's worth of refusals in a row.
      if (++this.refusedInRow < this.pairs) this.refillSpares();
      return;
    }
    this.refusedInRow = 0;
    const held = new HeldPair(index, sockets[0], sockets[1], this.time, this, true);
    this.state[index] = HELD;
    if (this.closed) return this.free(held, 0);
    this.spares.push(held);
  }

  private free(held: HeldPair, notBefore: number): void {
    held.close();
    this.state[held.index] = FREE;
    this.notBefore[held.index] = notBefore;
  }

  private portOf(index: number): number {
    return this.first + index * 2;
  }

  private async bindPair(port: number): Promise<[Socket, Socket] | null> {
    const rtp = await this.bindOne(port);
    if (!rtp) return null;
    const rtcp = await this.bindOne(port + 1);
    if (!rtcp) {
      rtp.close();
      return null;
    }
    return [rtp, rtcp];
  }

  /** Resolves with a bound socket, or null when the OS refuses the port. */
  private bindOne(port: number): Promise<Socket | null> {
    return new Promise((resolve) => {
      const socket = createSocket({ type: this.options.type ?? 'udp4', reuseAddr: false });
      const onError = (): void => {
        closeQuietly(socket);
        resolve(null);
      };
      socket.once('error', onError);
      socket.bind({ port, address: this.bindAddress, exclusive: true }, () => {
        socket.off('error', onError);
        this.tuneBuffers(socket);
        resolve(socket);
      });
    });
  }

  private tuneBuffers(socket: Socket): void {
    try {
      if (this.options.recvBufferSize) socket.setRecvBufferSize(this.options.recvBufferSize);
      if (this.options.sendBufferSize) socket.setSendBufferSize(this.options.sendBufferSize);
    } catch {
      // The kernel caps buffer sizes (net.core.rmem_max); the default still works.
    }
  }
}

function removeFrom(list: HeldPair[], held: HeldPair): void {
  const i = list.indexOf(held);
  if (i >= 0) list.splice(i, 1);
}

function closeQuietly(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed.
  }
}
