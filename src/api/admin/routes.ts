/**
 * Admin API (flireo-api A.2), registered under /api/v1/admin only when ADMIN_API_KEY is set.
 * Its own Bearer check; no organization context, no per-key rate limit.
 */
import { adminKeyAuth } from '../auth.js';
import type { ApiPlugin } from '../plugin.js';
import { Organization } from '../resources/organization/schema.js';
import { getOrganization } from '../resources/organization/service.js';
import { Body, MAX_INT4, Name, Nullable, SuccessResponse, Type, Uuid } from '../schemas.js';
import { SUCCESS } from '../wrap.js';
import { addCredits, createApiKey, createOrganization, revokeApiKey } from './service.js';

const OrgParams = Type.Object({ id: Uuid() });
const KeyParams = Type.Object({ id: Uuid(), key_id: Uuid() });
const ApiKeyCreated = Type.Object({
  id: Uuid(),
  api_key: Type.String({ description: 'Shown once' }),
  prefix: Type.String({ description: 'Visible part of the key, for identification' }),
});
const security = [{ adminKey: [] }];
const tags = ['admin'];

export const adminRoutes: ApiPlugin = async (app) => {
  const { db, config } = app.deps;
  if (config.adminApiKey === null) return;
  app.addHook('onRequest', adminKeyAuth(config.adminApiKey));

  app.post(
    '/organizations',
    {
      schema: {
        tags,
        security,
        summary: 'Create an organization and its first API key',
        body: Body({
          name: Name(),
          minutes_balance: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: MAX_INT4, description: 'null or absent = unlimited' }))),
        }),
        response: {
          201: Type.Object({ organization: Organization, api_key: Type.String({ description: 'Shown once' }), api_key_id: Uuid() }),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await createOrganization(db, request.body)),
  );

  app.get(
    '/organizations/:id',
    { schema: { tags, security, summary: 'Get an organization', params: OrgParams, response: { 200: Organization } } },
    async (request) => getOrganization(db, request.params.id),
  );

  app.post(
    '/organizations/:id/api-keys',
    {
      schema: {
        tags,
        security,
        summary: 'Create another API key for an organization',
        params: OrgParams,
        body: Body({ name: Type.Optional(Name()) }),
        response: { 201: ApiKeyCreated },
      },
    },
    async (request, reply) => reply.code(201).send(await createApiKey(db, request.params.id, request.body.name ?? null)),
  );

  app.delete(
    '/organizations/:id/api-keys/:key_id',
    { schema: { tags, security, summary: 'Revoke an API key', params: KeyParams, response: { 200: SuccessResponse } } },
    async (request) => {
      await revokeApiKey(db, request.params.id, request.params.key_id);
      return SUCCESS;
    },
  );

  app.post(
    '/organizations/:id/credits',
    {
      schema: {
        tags,
        security,
        summary: 'Add minutes to an organization balance',
        params: OrgParams,
        body: Body({ minutes: Type.Integer({ minimum: 1, maximum: 100_000_000 }) }),
        response: { 200: Organization },
      },
    },
    async (request) => addCredits(db, request.params.id, request.body.minutes),
  );
};
