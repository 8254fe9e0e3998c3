/**
 * o= line bookkeeping (RFC 3264 §8): every new local description of the same session keeps the
 * session id and carries a version one higher than the previous one; a description that did
 * not change keeps its version. For the remote side, an unchanged version means the offer in
 * a re-INVITE is a refresh with nothing to renegotiate.
 */
import { randomInt } from 'node:crypto';
import { readSession } from './read.js';

export class SessionVersion {
  readonly sessionId: string;
  private version: number;
  private issued = false;
  private lastBody: string | undefined;

  /** `sessionId` defaults to a random numeric id (RFC 4566 §5.2 suggests an NTP timestamp). */
  constructor(sessionId?: string, initialVersion?: number) {
    this.sessionId = sessionId ?? String(randomInt(1, 2 ** 47));
    this.version = initialVersion ?? 1;
  }

  /** Version for the next local description: the first call gives the initial version, then +1 each. */
  next(): number {
    if (this.issued) this.version++;
    this.issued = true;
    return this.version;
  }

  get current(): number {
    return this.version;
  }

  /**
   * Version for a description built by `render(version)`: it only moves up when the content
   * (everything but the o= line) differs from the last description.
   */
  describe(render: (version: number) => string): string {
    if (!this.issued) {
      const sdp = render(this.next());
      this.lastBody = withoutOrigin(sdp);
      return sdp;
    }
    const same = render(this.version);
    if (withoutOrigin(same) === this.lastBody) return same;
    const sdp = render(this.next());
    this.lastBody = withoutOrigin(sdp);
    return sdp;
  }
}

function withoutOrigin(sdp: string): string {
  return sdp.replace(/^o=[^\r\n]*\r?\n/m, '');
}

/** Session id and version of a remote description, or undefined when it cannot be read. */
export function remoteOrigin(sdp: string | Buffer): { sessionId: string; version: string } | undefined {
  const s = readSession(sdp);
  return 'code' in s ? undefined : { sessionId: s.sessionId, version: s.version };
}

/** True when `next` is a new version of the session described by `previous` (RFC 3264 §8). */
export function isSessionChanged(previous: string | Buffer, next: string | Buffer): boolean {
  const a = remoteOrigin(previous);
  const b = remoteOrigin(next);
  return !a || !b || a.sessionId !== b.sessionId || a.version !== b.version;
}
