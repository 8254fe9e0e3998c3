/**
 * Calls per second per trunk, across every node (carriers limit CPS): a sliding one-second
 * window in Redis. A node takes up to n start times at once and gives back the ones it did not
 * use, so in any second at most `limit` INVITEs leave through the trunk.
 */
import type { Redis } from 'ioredis';

/** KEYS[1] the window; ARGV: now ms, window ms, limit, wanted, unique prefix. Returns the members taken. */
const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local free = tonumber(ARGV[3]) - redis.call('ZCARD', KEYS[1])
local take = math.min(free, tonumber(ARGV[4]))
local taken = {}
for i = 1, take do
  local member = ARGV[5] .. ':' .. i
  redis.call('ZADD', KEYS[1], ARGV[1], member)
  taken[i] = member
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return taken`;

const WINDOW_MS = 1_000;

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

  /** Up to `wanted` start slots for the trunk now (real time: carriers count real seconds). */
  async take(trunkId: string, limit: number, wanted: number): Promise<string[]> {
    if (wanted <= 0) return [];
    const unique = `${this.nodeId}:${Date.now()}:${++this.seq}`;
    const taken = (await this.redis.eval(TAKE, 1, this.key(trunkId), Date.now(), WINDOW_MS, limit, wanted, unique)) as string[];
    return taken;
  }

  async giveBack(trunkId: string, slots: readonly string[]): Promise<void> {
    if (slots.length > 0) await this.redis.zrem(this.key(trunkId), ...slots);
  }
}
