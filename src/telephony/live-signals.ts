/**
 * Live-call signals for watchers on any node (the dashboard, DESIGN §6): the owning node
 * publishes a small message on the organization's Redis channel when one of its calls starts,
 * is answered, ends, or someone on it starts or stops talking. Watchers read the call's row
 * themselves; the message only says what changed. Fire-and-forget: a lost signal is caught up
 * by the watcher's periodic look at the calls table.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { TelephonyService } from './service.js';

export type LiveSignal =
  /**
   * `status`/`startedAt`: what the owner knows when its row may not say it yet (the owner writes
   * live status changes behind the call, so an answered call can still read `ringing`).
   */
  | { kind: 'status'; callId: string; orgId: string; status?: 'in-progress'; startedAt?: string }
  | { kind: 'speech'; callId: string; orgId: string; who: 'user' | 'assistant'; speaking: boolean };

/** One channel per organization, so a watcher can subscribe to one or (admin) to the pattern. */
export const liveChannel = (prefix: string, orgId: string): string => `${prefix}live:${orgId}`;
export const liveChannelPattern = (prefix: string): string => `${prefix}live:*`;

const ERROR_LOG_INTERVAL_MS = 30_000;

/** Publishes the service's call events; returns the function that stops it. */
export function publishLiveSignals(service: TelephonyService, redis: Redis, prefix: string, log: Logger): () => void {
  let lastError = 0;
  const publish = (signal: LiveSignal): void => {
    redis.publish(liveChannel(prefix, signal.orgId), JSON.stringify(signal)).catch((err: unknown) => {
      if (Date.now() - lastError < ERROR_LOG_INTERVAL_MS) return;
      lastError = Date.now();
      log.warn({ err: (err as Error).message }, 'could not publish a live-call signal');
    });
  };
  const status = (e: { callId: string; orgId: string }) => publish({ kind: 'status', callId: e.callId, orgId: e.orgId });
  const answered = (e: { callId: string; orgId: string }) =>
    publish({ kind: 'status', callId: e.callId, orgId: e.orgId, status: 'in-progress', startedAt: new Date().toISOString() });
  const speech = (e: { callId: string; orgId: string; who: 'user' | 'assistant'; speaking: boolean }) => publish({ kind: 'speech', ...e });
  service.events.on('call-started', status);
  service.events.on('call-answered', answered);
  service.events.on('call-final', status);
  service.events.on('call-speech', speech);
  return () => {
    service.events.off('call-started', status);
    service.events.off('call-answered', answered);
    service.events.off('call-final', status);
    service.events.off('call-speech', speech);
  };
}
