/**
 * RTP/RTCP port pairs from a configured range. RTP takes an even port and RTCP the next odd one
 * (RFC 3550 §11); a pair is handed out only once both sockets are bound, ports the OS refuses
 * (taken by another process, privileged) are skipped, and a closed pair returns to the pool.
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram';

export interface PortRange {
  min: number;
  max: number;
}

export interface PortAllocatorOptions {
  range: PortRange;
  /** Address the sockets bind to (default 0.0.0.0). */
  bindAddress?: string;
  type?: SocketType;
  /** Kernel socket buffer sizes; bursts of a few hundred calls need more than the default. */
  recvBufferSize?: number;
  sendBufferSize?: number;
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

export class PortAllocator {
  private readonly range: PortRange;
  private readonly first: number;
  private readonly pairs: number;
  private readonly bindAddress: string;
  private readonly inUse = new Set<number>();
  /** Round-robin cursor: a freed port is reused last, so stray packets of an old call miss the new one. */
  private cursor = 0;

  constructor(private readonly options: PortAllocatorOptions) {
    validateRange(options.range);
    this.range = options.range;
    this.first = options.range.min % 2 === 0 ? options.range.min : options.range.min + 1;
    this.pairs = evenPortsIn(options.range);
    this.bindAddress = options.bindAddress ?? '0.0.0.0';
  }

  /** Pairs currently handed out. */
  get used(): number {
    return this.inUse.size;
  }

  get capacity(): number {
    return this.pairs;
  }

  /** Binds the next free pair; rejects with {@link PortsExhaustedError} when none is left. */
  async allocate(): Promise<PortPair> {
    for (let tried = 0; tried < this.pairs; tried++) {
      const port = this.first + this.cursor * 2;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.inUse.has(port)) continue;
      // Reserve before the async bind so a concurrent allocate() does not take the same port.
      this.inUse.add(port);
      const pair = await this.bindPair(port);
      if (pair) return pair;
      this.inUse.delete(port);
    }
    throw new PortsExhaustedError(this.range);
  }

  private async bindPair(port: number): Promise<PortPair | null> {
    const rtp = await this.bindOne(port);
    if (!rtp) return null;
    const rtcp = await this.bindOne(port + 1);
    if (!rtcp) {
      rtp.close();
      return null;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      closeQuietly(rtp);
      closeQuietly(rtcp);
      this.inUse.delete(port);
    };
    return { rtpPort: port, rtcpPort: port + 1, rtp, rtcp, bindAddress: this.bindAddress, release };
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

function closeQuietly(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed.
  }
}
