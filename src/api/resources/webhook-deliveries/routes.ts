/**
 * GET /webhook-deliveries, GET /webhook-deliveries/{id}, POST /webhook-deliveries/{id}/retry
 * (flireo-api A.4): every queued and synchronous webhook with its attempts, and manual replay.
 */
import { invalid, notFound, providerUnavailable } from '../../errors.js';
import type { ApiPlugin } from '../../plugin.js';
import { IdParams } from '../../schemas.js';
import { DeliveryList, DeliveryListQuery, DeliveryWrapper, ReplyWrapper } from './schema.js';
import { getDelivery, listDeliveries } from './service.js';

export const webhookDeliveryRoutes: ApiPlugin = async (app) => {
  app.get(
    '/webhook-deliveries',
    { schema: { tags: ['webhooks'], summary: 'List webhook deliveries, newest first', querystring: DeliveryListQuery, response: { 200: DeliveryList } } },
    async (request) => listDeliveries(app.deps.db, request.org.id, request.query),
  );

  app.get(
    '/webhook-deliveries/:id',
    { schema: { tags: ['webhooks'], summary: 'Get a delivery with its payload and attempt log', params: IdParams, response: { 200: DeliveryWrapper } } },
    async (request) => ({ delivery: await getDelivery(app.deps.db, request.org.id, request.params.id) }),
  );

  app.post(
    '/webhook-deliveries/:id/retry',
    { schema: { tags: ['webhooks'], summary: 'Deliver a queued event again (same X-Webhook-Id)', params: IdParams, response: { 200: ReplyWrapper } } },
    async (request) => {
      const queue = app.deps.services.webhookQueue;
      if (!queue) throw providerUnavailable('webhook delivery is not running on this node');
      const existing = await getDelivery(app.deps.db, request.org.id, request.params.id);
      if (existing.synchronous) throw invalid('id', `${existing.event_type} webhooks are synchronous and cannot be replayed`);
      if (!(await queue.replay(request.org.id, existing.id))) throw notFound('webhook delivery');
      const { payload: _payload, attempt_log: _log, ...delivery } = await getDelivery(app.deps.db, request.org.id, existing.id);
      return { success: true as const, delivery };
    },
  );
};
