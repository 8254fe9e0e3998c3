/**
 * Dialed number → the organization, number and agent that answer it (DESIGN §3 step 2), cached
 * because every INVITE asks. Only the number's assignment is cached; the agent row itself is read
 * per call, so an edited prompt or voice applies to the next call at once. The API invalidates
 * entries through `routingCache` on this node and the Redis routing channel on every node.
 */
import type { Redis } from 'ioredis';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { RoutingEvent } from '../api/resources/numbers/routing-events.js';
import { routingChannel } from '../api/resources/numbers/routing-events.js';
import { duplicateClient } from '../redis.js';

export interface NumberRoute {
  orgId: string;
  numberId: string;
  phoneNumber: string;
  numberName: string | null;
  agentId: string | null;
  transferTrunkId: string | null;
}

interface Entry {
  route: NumberRoute | null;
  expiresAt: number;
}

const HIT_TTL_MS = 60_000;
/** Unknown numbers are remembered briefly, so a scanner dialing at random cannot load the database. */
const MISS_TTL_MS = 10_000;
const MAX_ENTRIES = 50_000;

export class NumberRouter {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly db: Queryable) {}

  async lookup(phoneNumber: string): Promise<NumberRoute | null> {
    const cached = this.cache.get(phoneNumber);
    if (cached && cached.expiresAt > Date.now()) return cached.route;
    const { rows } = await this.db.query<NumberRoute>(
      `SELECT org_id AS "orgId", id AS "numberId", phone_number AS "phoneNumber", name AS "numberName",
              CASE WHEN is_active THEN agent_id END AS "agentId", transfer_trunk_id AS "transferTrunkId"
         FROM numbers WHERE phone_number = $1`,
      [phoneNumber],
    );
    const route = rows[0] ?? null;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(phoneNumber, { route, expiresAt: Date.now() + (route ? HIT_TTL_MS : MISS_TTL_MS) });
    return route;
  }

  invalidate(phoneNumber: string): void {
    this.cache.delete(phoneNumber);
  }

  clear(): void {
    this.cache.clear();
  }
}

export interface RoutingListener {
  number(phoneNumber: string): void;
  trunks(orgId: string): void;
}

/** Follows the API's routing changes made on any node. Returns a function that stops listening. */
export async function subscribeRoutingEvents(redis: Redis, prefix: string, listener: RoutingListener, log: Logger): Promise<() => Promise<void>> {
  const subscriber = duplicateClient(redis, log, 'routing channel');
  const channel = routingChannel(prefix);
  subscriber.on('message', (from, text) => {
    if (from !== channel) return;
    try {
      const event = JSON.parse(text) as RoutingEvent;
      if (event.type === 'number') listener.number(event.phone_number);
      else if (event.type === 'trunks') listener.trunks(event.org_id);
    } catch {
      log.warn('unreadable routing event ignored');
    }
  });
  await subscriber.subscribe(channel);
  return async () => {
    await subscriber.quit().catch(() => subscriber.disconnect());
  };
}
