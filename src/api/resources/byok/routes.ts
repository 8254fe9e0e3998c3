/**
 * /byok: which providers have an organization key (GET), add/replace (POST), remove (DELETE, the
 * provider in a JSON body or `?provider=`), and the provider catalogue (GET /byok/config).
 * The key is never returned and never logged.
 */
import { PROVIDER_CATALOG } from '../../../catalog/providers.js';
import type { ApiPlugin } from '../../plugin.js';
import { ByokChangeResponse, ByokKeysResponse, DeleteByokBody, DeleteByokQuery, ProviderCatalog, SetByokBody } from './schema.js';
import { byokProvider, deleteByokKey, getByokKeys, setByokKey } from './service.js';

export const byokRoutes: ApiPlugin = async (app) => {
  const { db, secrets } = app.deps;
  const tags = ['byok'];

  app.get('/byok', { schema: { tags, summary: 'Which provider keys are configured', response: { 200: ByokKeysResponse } } }, async (request) => ({
    byok_keys: await getByokKeys(db, request.org.id),
  }));

  app.post(
    '/byok',
    { schema: { tags, summary: 'Add or replace a provider key', body: SetByokBody, response: { 200: ByokChangeResponse } } },
    async (request) => ({
      success: true as const,
      byok_keys: await setByokKey(db, secrets, request.org.id, byokProvider(request.body.provider), request.body.api_key),
    }),
  );

  app.delete(
    '/byok',
    {
      schema: {
        tags,
        summary: 'Remove a provider key (calls fall back to the platform key)',
        body: DeleteByokBody,
        querystring: DeleteByokQuery,
        response: { 200: ByokChangeResponse },
      },
    },
    async (request) => ({
      success: true as const,
      byok_keys: await deleteByokKey(db, request.org.id, byokProvider(request.body.provider ?? request.query.provider)),
    }),
  );

  app.get('/byok/config', { schema: { tags, summary: 'Provider catalogue', response: { 200: ProviderCatalog } } }, async () => ({
    providers: [...PROVIDER_CATALOG],
  }));
};
