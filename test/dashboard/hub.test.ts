/**
 * The live hub's order of events for a page that connects while calls change: the snapshot comes
 * first, and a change that arrived while the snapshot was being read follows it (real PostgreSQL
 * and Redis; the snapshot's query is held until the change has reached the hub).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/pool.js';
import { LiveHub } from '../../src/dashboard/hub.js';
import type { LiveEvent } from '../../src/dashboard/wire.js';
import { createLogger } from '../../src/log.js';
import { liveChannel, type LiveSignal } from '../../src/telephony/live-signals.js';
import { clearRedisPrefix, createTestDatabase, createTestRedis, testRedisPrefix, type TestDatabase } from '../helpers/index.js';

let database: TestDatabase;
const redis = createTestRedis();
const prefix = testRedisPrefix();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await clearRedisPrefix(redis, prefix);
  redis.disconnect();
  await database?.drop();
});

/** A watcher's events, and a promise for the first one that matches. */
function recorder(orgId: string) {
  const events: LiveEvent[] = [];
  let wake = (): void => undefined;
  return {
    events,
    watcher: { orgId, send: (e: LiveEvent) => (events.push(e), wake()) },
    until: (match: (e: LiveEvent) => boolean) =>
      new Promise<void>((resolve) => {
        wake = () => events.some(match) && resolve();
        wake();
      }),
  };
}

it('sends a page its snapshot first, then the changes that came while the snapshot was read', async () => {
  let held: Promise<void> | null = null;
  const db: Queryable = {
    query: (async (...args: unknown[]) => {
      await held;
      return (database.db.query as (...a: unknown[]) => unknown)(...args);
    }) as Queryable['query'],
  };
  const hub = new LiveHub(db, redis, prefix, createLogger('silent'), 60_000);
  const orgId = randomUUID();
  const callId = randomUUID();
  try {
    const early = recorder(orgId);
    await hub.watch(early.watcher);

    let release = (): void => undefined;
    held = new Promise<void>((resolve) => (release = resolve));
    const late = recorder(orgId);
    const watchingLate = hub.watch(late.watcher);
    const signal: LiveSignal = { kind: 'speech', callId, orgId, who: 'assistant', speaking: true };
    await redis.publish(liveChannel(prefix, orgId), JSON.stringify(signal));
    await early.until((e) => e.type === 'speech');
    expect(late.events).toEqual([]);
    release();
    await watchingLate;
    expect(late.events.map((e) => e.type)).toEqual(['snapshot', 'speech']);
    expect(late.events[1]).toEqual({ type: 'speech', call_id: callId, org_id: orgId, speaking: { user: false, assistant: true } });
  } finally {
    await hub.close();
  }
});
