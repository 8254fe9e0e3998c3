/**
 * Calls per second per trunk, across every node (carriers limit CPS): a sliding (1.05 s)
 * window in Redis holding the send time of every INVITE. The dialer sizes a pass by the free
 * slots (`free`), and each call takes its slot right before its INVITE leaves (`acquire`), so
 * the limit holds on the wire, not only when leads are claimed.
 */
import type { Redis } from 'ioredis';

/** KEYS[1] the window; ARGV: now ms, window ms, limit, member. Returns 0 when taken, else ms to wait. */
const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1]))`;

const FREE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
return tonumber(ARGV[3]) - redis.call('ZCARD', KEYS[1])`;

/**
 * A little over a second: the slot is taken just before the INVITE is sent, and the 50 ms absorb
 * the jitter between the two on a loaded node, so the carrier never counts more than the limit in
 * a second (at the cost of ~5% of the rate).
 */
const WINDOW_MS = 1_050;
/** A slot that cannot be had within this long is not waited for any more (Redis trouble): the call goes. */
const MAX_WAIT_MS = 5_000;

export class TrunkPacer {
  private seq = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly nodeId: string,
  ) {}

  private key(trunkId: string): string {
    return `${this.prefix}dialer:cps:${trunkId}`;
  }

  /** Slots free in the trunk's current second (real time: carriers count real seconds). */
  async free(trunkId: string, limit: number): Promise<number> {
    return Number(await this.redis.eval(FREE, 1, this.key(trunkId), Date.now(), WINDOW_MS, limit));
  }

  /** Waits for a slot and takes it. */
  async acquire(trunkId: string, limit: number): Promise<void> {
    const deadline = Date.now() + MAX_WAIT_MS;
    const member = `${this.nodeId}:${++this.seq}`;
    while (Date.now() < deadline) {
      const wait = Number(await this.redis.eval(TAKE, 1, this.key(trunkId), Date.now(), WINDOW_MS, limit, member).catch(() => 0));
      if (wait === 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, deadline - Date.now())));
    }
  }
}
