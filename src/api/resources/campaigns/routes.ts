/** /campaigns and /campaigns/{id}/leads (flireo-api B §3.13). No dialing here: that is the dialer's job. */
import type { ApiPlugin } from '../../plugin.js';
import { IdParams, SuccessResponse } from '../../schemas.js';
import { SUCCESS } from '../../wrap.js';
import { addLeads, deleteLead, listLeads } from './leads.js';
import {
  AddLeadsBody,
  CampaignList,
  CampaignSingle,
  CreateCampaignBody,
  LeadList,
  LeadListQuery,
  LeadParams,
  LeadsAdded,
  UpdateCampaignBody,
} from './schema.js';
import { createCampaign, deleteCampaign, getCampaign, listCampaigns, updateCampaign } from './service.js';

const tags = ['campaigns'];

export const campaignRoutes: ApiPlugin = async (app) => {
  const { db } = app.deps;

  app.get('/campaigns', { schema: { tags, summary: 'List your campaigns', response: { 200: CampaignList } } }, async (request) => ({
    campaigns: await listCampaigns(db, request.org.id),
  }));

  app.post(
    '/campaigns',
    {
      schema: {
        tags,
        summary: 'Create a campaign (status draft), optionally with leads',
        body: CreateCampaignBody,
        response: { 201: CampaignSingle },
      },
    },
    async (request, reply) => reply.code(201).send({ campaign: await createCampaign(db, request.org.id, request.body) }),
  );

  app.get(
    '/campaigns/:id',
    { schema: { tags, summary: 'Get a campaign with its lead counters', params: IdParams, response: { 200: CampaignSingle } } },
    async (request) => ({ campaign: await getCampaign(db, request.org.id, request.params.id) }),
  );

  app.patch(
    '/campaigns/:id',
    {
      schema: {
        tags,
        summary: 'Update a campaign; status scheduled starts it, paused stops it',
        description: 'A completed or cancelled campaign can no longer be changed (409).',
        params: IdParams,
        body: UpdateCampaignBody,
        response: { 200: CampaignSingle },
      },
    },
    async (request) => ({ campaign: await updateCampaign(db, request.org.id, request.params.id, request.body) }),
  );

  app.delete(
    '/campaigns/:id',
    { schema: { tags, summary: 'Delete a campaign and its leads', params: IdParams, response: { 200: SuccessResponse } } },
    async (request) => {
      await deleteCampaign(db, request.org.id, request.params.id);
      return SUCCESS;
    },
  );

  app.get(
    '/campaigns/:id/leads',
    {
      schema: {
        tags,
        summary: 'List a campaign’s leads, oldest first (all of them, or a page with limit/offset)',
        params: IdParams,
        querystring: LeadListQuery,
        response: { 200: LeadList },
      },
    },
    async (request) => listLeads(db, request.org.id, request.params.id, request.query),
  );

  app.post(
    '/campaigns/:id/leads',
    {
      schema: {
        tags,
        summary: 'Add a lead (or many with leads: [...])',
        params: IdParams,
        body: AddLeadsBody,
        response: { 201: LeadsAdded },
      },
    },
    async (request, reply) => reply.code(201).send(await addLeads(db, request.org.id, request.params.id, request.body)),
  );

  app.delete(
    '/campaigns/:id/leads/:leadId',
    {
      schema: {
        tags,
        summary: 'Remove a lead (not while it is being called)',
        params: LeadParams,
        response: { 200: SuccessResponse },
      },
    },
    async (request) => {
      await deleteLead(db, request.org.id, request.params.id, request.params.leadId);
      return SUCCESS;
    },
  );
};
