/** GET /usage (flireo-api B §3.7). */
import type { ApiPlugin } from '../../plugin.js';
import { UsagePage, UsageQuery } from './schema.js';
import { listUsage } from './service.js';

export const usageRoutes: ApiPlugin = async (app) => {
  const { db } = app.deps;
  app.get(
    '/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Usage per call, newest first, with totals for the whole date range',
        querystring: UsageQuery,
        response: { 200: UsagePage },
      },
    },
    async (request) => listUsage(db, request.org.id, request.query),
  );
};
