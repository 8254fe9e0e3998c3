/**
 * Which calls are live, across nodes (DESIGN §5–§6): the owner of each call (for call control
 * later) and each organization's count of simultaneous calls, for the concurrency limit. Entries
 * carry an expiry that the owning node's heartbeat pushes forward, so a node that dies without
 * cleaning up frees its slots within a minute and a half instead of blocking the org forever.
 */
import type { Redis } from 'ioredis';

const ENTRY_TTL_MS = 90_000;
export const HEARTBEAT_INTERVAL_MS = 30_000;

/** Drop expired entries, then add the call if the org is under its limit; atomic on the server. */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export class LiveCallRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly nodeId: string,
  ) {}

  private orgKey(orgId: string): string {
    return `${this.prefix}calls:org:${orgId}`;
  }

  private ownerKey(callId: string): string {
    return `${this.prefix}calls:owner:${callId}`;
  }

  /** Takes one of the org's call slots; false when the org is at its limit. */
  async acquire(orgId: string, callId: string, limit: number): Promise<boolean> {
    const now = Date.now();
    const admitted = await this.redis.eval(ACQUIRE, 1, this.orgKey(orgId), now, now + ENTRY_TTL_MS, callId, limit, ENTRY_TTL_MS);
    if (admitted !== 1) return false;
    await this.redis.set(this.ownerKey(callId), this.nodeId, 'PX', ENTRY_TTL_MS);
    return true;
  }

  async release(orgId: string, callId: string): Promise<void> {
    await this.redis.multi().zrem(this.orgKey(orgId), callId).del(this.ownerKey(callId)).exec();
  }

  /** Keeps this node's calls alive in the registry. */
  async heartbeat(calls: Iterable<{ orgId: string; callId: string }>): Promise<void> {
    const expiry = Date.now() + ENTRY_TTL_MS;
    const batch = this.redis.multi();
    let any = false;
    for (const { orgId, callId } of calls) {
      any = true;
      batch.zadd(this.orgKey(orgId), 'XX', expiry, callId).pexpire(this.orgKey(orgId), ENTRY_TTL_MS);
      batch.set(this.ownerKey(callId), this.nodeId, 'PX', ENTRY_TTL_MS);
    }
    if (any) await batch.exec();
  }

  /** The node that owns a live call, or null. */
  async ownerOf(callId: string): Promise<string | null> {
    return this.redis.get(this.ownerKey(callId));
  }
}
