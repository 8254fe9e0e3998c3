/**
 * Change notifications for the call path. The SIP side caches "dialed number → agent" and builds
 * its source allow-list from trunk hosts; when the API changes either, this node's caches hear it
 * through the injectable services below and every other node through the Redis channel
 * `${VOXGATE_REDIS_PREFIX}routing`, whose messages are JSON `RoutingEvent`s.
 *
 * The database write has already committed when these run, so a failure here is logged and
 * swallowed: the request succeeded, and caches also expire on their own.
 */
import type { ApiDeps } from '../../deps.js';

/** Drops cached number → agent routes. */
export interface RoutingCache {
  invalidate(phoneNumber: string): void;
}

/** Rebuilds the SIP source allow-list, which includes every trunk host. */
export interface TrunkAllowList {
  onTrunksChanged(orgId: string): void;
}

declare module '../../deps.js' {
  interface ApiServices {
    routingCache: RoutingCache;
    trunkAllowList: TrunkAllowList;
  }
}

export type RoutingEvent =
  /** A number was created, changed (agent, trunk, or the number itself) or deleted. */
  | { type: 'number'; phone_number: string }
  /** An organization's trunks changed (host, port, transport, default, created or deleted). */
  | { type: 'trunks'; org_id: string }
  /** An agent changed in a way routing cares about (deleted, deactivated). Published by the agents resource. */
  | { type: 'agent'; agent_id: string };

export const ROUTING_CHANNEL = 'routing';

export function routingChannel(redisPrefix: string): string {
  return `${redisPrefix}${ROUTING_CHANNEL}`;
}

/** The request logger, or any pino logger. */
export interface WarnLog {
  warn(fields: object, message: string): void;
}

async function publish(deps: ApiDeps, event: RoutingEvent, log: WarnLog): Promise<void> {
  try {
    await deps.redis.publish(routingChannel(deps.config.redisPrefix), JSON.stringify(event));
  } catch (err) {
    log.warn({ err: (err as Error).message, event: event.type }, 'routing change not published');
  }
}

function callLocal(fn: () => void, log: WarnLog): void {
  try {
    fn();
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'routing cache hook failed');
  }
}

/** Numbers whose routing changed; old and new spellings after a PATCH of `phone_number`. */
export async function numbersChanged(deps: ApiDeps, phoneNumbers: readonly string[], log: WarnLog): Promise<void> {
  for (const phoneNumber of new Set(phoneNumbers)) {
    const cache = deps.services.routingCache;
    if (cache) callLocal(() => cache.invalidate(phoneNumber), log);
    await publish(deps, { type: 'number', phone_number: phoneNumber }, log);
  }
}

export async function trunksChanged(deps: ApiDeps, orgId: string, log: WarnLog): Promise<void> {
  const allowList = deps.services.trunkAllowList;
  if (allowList) callLocal(() => allowList.onTrunksChanged(orgId), log);
  await publish(deps, { type: 'trunks', org_id: orgId }, log);
}
