/**
 * /organization (aliases /organizations, /account): the caller's organization with live counters
 * (GET), a child organization for resellers (POST), and its settings — name, contact e-mail,
 * retention periods, the default webhook key style (PATCH). The pattern every resource plugin
 * follows: schemas from schema.ts, one service call per route, the org from `request.org`.
 */
import type { ApiPlugin } from '../../plugin.js';
import { CreateOrganizationBody, Organization, OrganizationCreated, OrganizationQuery, UpdateOrganizationBody } from './schema.js';
import { createChildOrganization, getOrganization, updateOrganization } from './service.js';

const tags = ['organization'];

export const organizationRoutes: ApiPlugin = async (app) => {
  const { db } = app.deps;
  for (const path of ['/organization', '/organizations', '/account']) {
    const alias = path === '/organization' ? '' : ' (alias of /organization)';
    app.get(
      path,
      { schema: { tags, summary: `Get your organization${alias}`, querystring: OrganizationQuery, response: { 200: Organization } } },
      async (request) => getOrganization(db, request.org.id, { includeChildren: request.query.include_children === true }),
    );
    if (path === '/account') continue;
    app.post(
      path,
      {
        schema: {
          tags,
          summary: `Create a child organization (resellers)${alias}`,
          description: 'Its API key is in the answer, once. A child of an organization with a minutes balance starts at 0 minutes.',
          body: CreateOrganizationBody,
          response: { 201: OrganizationCreated },
        },
      },
      async (request, reply) => reply.code(201).send(await createChildOrganization(db, request.org.id, request.body)),
    );
    app.patch(
      path,
      {
        schema: {
          tags,
          summary: `Update your organization: name, e-mail, retention, webhook format${alias}`,
          description: 'Retention: content_retention_days ∈ {30, 90, 180, 365}, metadata_retention_days ∈ {30, 90, 180, 365, 730}, content ≤ metadata.',
          body: UpdateOrganizationBody,
          response: { 200: Organization },
        },
      },
      async (request) => updateOrganization(db, request.org.id, request.body),
    );
  }
};
