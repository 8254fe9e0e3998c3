/** GET /metrics on the REST API port (types only here: the API does not load the metrics module). */
import type { FastifyInstance } from 'fastify';
import type { NodeMetrics } from './index.js';

/** GET /metrics on the REST API: only with METRICS_TOKEN set, and only for that token. */
export function registerMetricsRoute(app: FastifyInstance, metrics: NodeMetrics | undefined): void {
  if (!metrics || app.deps.config.metrics.token === null) return;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!metrics.authorized(request.headers.authorization, false)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'A valid METRICS_TOKEN is required.' });
    }
    return reply.header('content-type', metrics.contentType).send(await metrics.render());
  });
}

