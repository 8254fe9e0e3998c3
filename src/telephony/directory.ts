/**
 * The call directory (DESIGN §5.1, §6): which nodes are alive, which calls are live, the node that
 * owns each, and every organization's count of simultaneous calls — in Redis, so it holds across
 * nodes. Each node refreshes its own entries on a heartbeat; an entry that is not refreshed
 * expires, so a node that dies frees its slots even before a survivor finalises its calls.
 *
 * Redis outage policy (issue #8): admission falls back to this node's own count of the
 * organization's calls (never more than the limit on one node), and the next heartbeat after
 * Redis returns re-registers every live call, so the shared counts are whole again.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';

export const HEARTBEAT_INTERVAL_MS = 5_000;
/** A call slot or owner entry lives this long without a heartbeat. */
const ENTRY_TTL_MS = 30_000;
/** A node that has not beaten for this long is dead. */
export const NODE_TTL_MS = 15_000;

/** Drop expired entries, then add the call if the org is under its limit; atomic on the server. */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export interface LiveCallEntry {
  orgId: string;
  callId: string;
}

/** What a node says about itself (dashboards and the SIP front read it). */
export interface NodeInfo {
  id: string;
  /** Random per process start: tells a restarted node from its previous life. */
  incarnation: string;
  /** The machine's host name and the process id (to tell a live engine from a crashed one). */
  hostname: string;
  pid: number;
  /** Address advertised for SIP and RTP. */
  host: string;
  sipAddress: string;
  /** RTP_PORT_MIN-RTP_PORT_MAX on `host`. */
  rtpPorts: string;
  draining: boolean;
  calls: number;
  startedAt: string;
}

export type Admission = 'admitted' | 'full' | 'admitted-locally';

/** Call setup never waits on a Redis that does not answer. */
const ADMISSION_DEADLINE_MS = 1_000;

function withDeadline<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ADMISSION_DEADLINE_MS} ms`)), ADMISSION_DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export class CallDirectory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  private orgKey(orgId: string): string {
    return `${this.prefix}calls:org:${orgId}`;
  }

  private ownerKey(callId: string): string {
    return `${this.prefix}calls:owner:${callId}`;
  }

  private nodeKey(nodeId: string): string {
    return `${this.prefix}nodes:${nodeId}`;
  }

  /**
   * Takes one of the org's call slots. When Redis cannot be reached the call is judged on
   * `localCount` (this node's live calls of the org) instead of being refused.
   */
  async acquire(orgId: string, callId: string, limit: number, localCount: number): Promise<Admission> {
    const now = Date.now();
    try {
      if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
      const admitted = await withDeadline(this.redis.eval(ACQUIRE, 1, this.orgKey(orgId), now, now + ENTRY_TTL_MS, callId, limit, ENTRY_TTL_MS));
      if (admitted !== 1) return 'full';
      await withDeadline(this.redis.set(this.ownerKey(callId), this.nodeId, 'PX', ENTRY_TTL_MS));
      return 'admitted';
    } catch (err) {
      const admitted = localCount < limit;
      this.log.warn({ err: (err as Error).message, orgId, localCount, limit, admitted }, 'Redis unavailable: call admitted on this node\'s own count');
      return admitted ? 'admitted-locally' : 'full';
    }
  }

  async release(orgId: string, callId: string): Promise<void> {
    await this.redis.multi().zrem(this.orgKey(orgId), callId).del(this.ownerKey(callId)).exec();
  }

  /** Refreshes this node and re-registers every live call (after a Redis restart too). */
  async heartbeat(node: NodeInfo, calls: Iterable<LiveCallEntry>): Promise<void> {
    // Queued while offline, this snapshot would be replayed on reconnect and bring back calls that ended meanwhile.
    if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
    const expiry = Date.now() + ENTRY_TTL_MS;
    const batch = this.redis.multi().set(this.nodeKey(node.id), JSON.stringify(node), 'PX', NODE_TTL_MS);
    for (const { orgId, callId } of calls) {
      batch.zadd(this.orgKey(orgId), expiry, callId).pexpire(this.orgKey(orgId), ENTRY_TTL_MS);
      batch.set(this.ownerKey(callId), this.nodeId, 'PX', ENTRY_TTL_MS);
    }
    await batch.exec();
  }

  /** Says goodbye on a clean stop, so nobody waits for this node's heartbeat to expire. */
  async deregister(): Promise<void> {
    await this.redis.del(this.nodeKey(this.nodeId));
  }

  /** The node that owns a live call, or null. */
  async ownerOf(callId: string): Promise<string | null> {
    return this.redis.get(this.ownerKey(callId));
  }

  /** A node's own entry, or null once its heartbeat expired (throws when Redis is down). */
  async node(nodeId: string): Promise<NodeInfo | null> {
    const raw = await this.redis.get(this.nodeKey(nodeId));
    return raw ? (JSON.parse(raw) as NodeInfo) : null;
  }

  async nodes(): Promise<NodeInfo[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', this.nodeKey('*'), 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as NodeInfo);
  }
}
