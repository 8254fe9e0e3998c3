/**
 * GET /organization (aliases /organizations, /account): the caller's organization with live
 * counters. The pattern every resource plugin follows: schemas from schema.ts, one service call
 * per route, the org from `request.org`.
 */
import type { ApiPlugin } from '../../plugin.js';
import { Organization } from './schema.js';
import { getOrganization } from './service.js';

export const organizationRoutes: ApiPlugin = async (app) => {
  for (const path of ['/organization', '/organizations', '/account']) {
    app.get(
      path,
      {
        schema: {
          tags: ['organization'],
          summary: path === '/organization' ? 'Get your organization' : `Alias of GET /organization`,
          response: { 200: Organization },
        },
      },
      async (request) => getOrganization(app.deps.db, request.org.id),
    );
  }
};
