/** /tool-templates CRUD; every answer carries both wrapper spellings (flireo-api B §6). */
import type { ApiPlugin } from '../../plugin.js';
import { IdParams, SuccessResponse } from '../../schemas.js';
import { SUCCESS } from '../../wrap.js';
import { CreateToolTemplateBody, ToolTemplateList, ToolTemplateSingle, UpdateToolTemplateBody, type ToolTemplateView } from './schema.js';
import {
  createToolTemplate,
  deleteToolTemplate,
  getToolTemplate,
  listToolTemplates,
  updateToolTemplate,
} from './service.js';

const single = (t: ToolTemplateView) => ({ toolTemplate: t, tool_template: t });

export const toolTemplateRoutes: ApiPlugin = async (app) => {
  const db = app.deps.db;
  const tags = ['tool-templates'];

  app.get('/tool-templates', { schema: { tags, summary: 'List tool templates', response: { 200: ToolTemplateList } } }, async (request) => {
    const list = await listToolTemplates(db, request.org.id);
    return { toolTemplates: list, tool_templates: list };
  });

  app.post(
    '/tool-templates',
    { schema: { tags, summary: 'Create a tool template', body: CreateToolTemplateBody, response: { 201: ToolTemplateSingle } } },
    async (request, reply) => reply.code(201).send(single(await createToolTemplate(db, request.org.id, request.body))),
  );

  app.get(
    '/tool-templates/:id',
    { schema: { tags, summary: 'Get a tool template', params: IdParams, response: { 200: ToolTemplateSingle } } },
    async (request) => single(await getToolTemplate(db, request.org.id, request.params.id)),
  );

  app.patch(
    '/tool-templates/:id',
    {
      schema: { tags, summary: 'Update a tool template', params: IdParams, body: UpdateToolTemplateBody, response: { 200: ToolTemplateSingle } },
    },
    async (request) => single(await updateToolTemplate(db, request.org.id, request.params.id, request.body)),
  );

  app.delete(
    '/tool-templates/:id',
    { schema: { tags, summary: 'Delete a tool template (agents keep their copies)', params: IdParams, response: { 200: SuccessResponse } } },
    async (request) => {
      await deleteToolTemplate(db, request.org.id, request.params.id);
      return SUCCESS;
    },
  );
};
