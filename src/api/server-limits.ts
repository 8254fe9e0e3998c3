/**
 * The HTTP server's time and connection limits (HTTP_* settings). Without them a client sending
 * one byte every few seconds holds its connection forever, and thousands of such clients hold
 * the node (issue #8). A request that is too slow gets `408` and its connection is closed by
 * `clientErrorHandler`; connections beyond the cap are closed as soon as they are accepted.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { ServerOptions } from 'node:http';
import type { HttpLimits } from '../config.js';

/** How often Node looks for requests past their deadline (its default, 30 s, would let them run late). */
const DEADLINE_CHECK_MS = 1000;

export function serverOptions(limits: HttpLimits): Pick<
  FastifyServerOptions,
  'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout' | 'maxRequestsPerSocket'
> & { http: ServerOptions } {
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(DEADLINE_CHECK_MS, limits.headersTimeoutMs),
    },
  };
}

/** Refused connections are logged at most once a minute, with their count: a flood must not flood the log. */
export function capConnections(app: FastifyInstance, limits: HttpLimits): void {
  app.server.maxConnections = limits.maxConnections;
  let refused = 0;
  let loggedAt = -Infinity;
  app.server.on('drop', () => {
    refused += 1;
    if (performance.now() - loggedAt < 60_000) return;
    app.log.warn({ refused, max_connections: limits.maxConnections }, 'connections refused: too many open');
    loggedAt = performance.now();
    refused = 0;
  });
}
