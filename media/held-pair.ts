/**
 * A bound RTP/RTCP pair that serves no call: a spare waiting to be handed out, or a released pair
 * in quarantine. Its sockets stay open so that whatever still arrives on them — the stream of a
 * dead call, a stray sender — is seen: each datagram is counted and dropped, and moves
 * `quietSince` on. The listener is made once per pair; per packet it only counts and reads the
 * clock (the datagram itself is the `dgram` module's allocation, not ours).
 */
import type { Socket } from 'node:dgram';
import type { TimeSource } from './clock/time.js';

export interface HeldPairOwner {
  /** A datagram arrived on one of the pair's sockets. */
  onStray(held: HeldPair): void;
}

const ignoreError = (): void => {
  // An ICMP error on a socket nobody uses: nothing to do, but it must not throw.
};

export class HeldPair {
  /** Datagrams received while held. */
  packets = 0;
  /** Monotonic time since which nothing arrived: when holding began, or the last packet. */
  quietSince: number;
  private readonly onPacket: () => void;

  /** Takes the sockets over: listeners of their previous user are removed. */
  constructor(
    readonly index: number,
    readonly rtp: Socket,
    readonly rtcp: Socket,
    time: TimeSource,
    owner: HeldPairOwner,
    /** True for a spare, false in quarantine. */
    public spare: boolean,
  ) {
    this.quietSince = time.now();
    this.onPacket = () => {
      this.packets++;
      this.quietSince = time.now();
      owner.onStray(this);
    };
    for (const socket of [rtp, rtcp]) {
      socket.removeAllListeners('message');
      socket.removeAllListeners('error');
      socket.on('message', this.onPacket);
      socket.on('error', ignoreError);
      // A held pair never keeps a process (or a test run) alive.
      socket.unref();
    }
  }

  /** Hands the sockets on to a call: our listeners go, the sockets count for the event loop again. */
  detach(): void {
    for (const socket of [this.rtp, this.rtcp]) {
      socket.off('message', this.onPacket);
      socket.off('error', ignoreError);
      socket.ref();
    }
  }

  close(): void {
    for (const socket of [this.rtp, this.rtcp]) {
      try {
        socket.close();
      } catch {
        // Already closed.
      }
    }
  }
}
