/**
 * /sip-trunks (flireo-api B §3.8 + A.5): CRUD including PATCH. Writes notify the SIP allow-list
 * (trunk hosts may send INVITEs) through routing-events.ts.
 */
import type { ApiPlugin } from '../../plugin.js';
import { IdParams, SuccessResponse } from '../../schemas.js';
import { SUCCESS } from '../../wrap.js';
import { numbersChanged, trunksChanged } from '../numbers/routing-events.js';
import { CreateTrunkBody, DeleteTrunkQuery, TrunkList, TrunkSingle, UpdateTrunkBody } from './schema.js';
import { createTrunk, deleteTrunk, getTrunk, listTrunks, updateTrunk } from './service.js';

const tags = ['sip-trunks'];
const single = <T>(trunk: T) => ({ sip_trunk: trunk, trunk });

export const sipTrunkRoutes: ApiPlugin = async (app) => {
  const deps = app.deps;
  const { db, secrets } = deps;

  app.get('/sip-trunks', { schema: { tags, summary: 'List your SIP trunks', response: { 200: TrunkList } } }, async (request) => ({
    trunks: await listTrunks(db, request.org.id),
  }));

  app.post(
    '/sip-trunks',
    {
      schema: {
        tags,
        summary: 'Create a SIP trunk',
        description: 'The password is encrypted at rest and never returned. `is_default_outbound: true` clears it on your other trunks.',
        body: CreateTrunkBody,
        response: { 201: TrunkSingle },
      },
    },
    async (request, reply) => {
      const trunk = await createTrunk(db, secrets, request.org.id, request.body);
      await trunksChanged(deps, request.org.id, request.log);
      return reply.code(201).send(single(trunk));
    },
  );

  app.get(
    '/sip-trunks/:id',
    { schema: { tags, summary: 'Get a SIP trunk', params: IdParams, response: { 200: TrunkSingle } } },
    async (request) => single(await getTrunk(db, request.org.id, request.params.id)),
  );

  app.patch(
    '/sip-trunks/:id',
    {
      schema: {
        tags,
        summary: 'Update a SIP trunk',
        description: 'Only the fields sent change; `password: null` (or "") removes the stored password.',
        params: IdParams,
        body: UpdateTrunkBody,
        response: { 200: TrunkSingle },
      },
    },
    async (request) => {
      const trunk = await updateTrunk(db, secrets, request.org.id, request.params.id, request.body);
      await trunksChanged(deps, request.org.id, request.log);
      return single(trunk);
    },
  );

  app.delete(
    '/sip-trunks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a SIP trunk',
        description: '409 while numbers use it as their transfer trunk, unless `?force=true` (their transfer_trunk_id becomes null).',
        params: IdParams,
        querystring: DeleteTrunkQuery,
        response: { 200: SuccessResponse },
      },
    },
    async (request) => {
      const detached = await deleteTrunk(db, request.org.id, request.params.id, request.query.force ?? false);
      await trunksChanged(deps, request.org.id, request.log);
      await numbersChanged(deps, detached, request.log);
      return SUCCESS;
    },
  );
};
