/** /analysis-templates CRUD; every answer carries both wrapper spellings (flireo-api B §6). */
import type { ApiPlugin } from '../../plugin.js';
import { IdParams, SuccessResponse } from '../../schemas.js';
import { SUCCESS } from '../../wrap.js';
import {
  AnalysisTemplateList,
  AnalysisTemplateSingle,
  CreateAnalysisTemplateBody,
  UpdateAnalysisTemplateBody,
  type AnalysisTemplateView,
} from './schema.js';
import {
  createAnalysisTemplate,
  deleteAnalysisTemplate,
  getAnalysisTemplate,
  listAnalysisTemplates,
  updateAnalysisTemplate,
} from './service.js';

const single = (t: AnalysisTemplateView) => ({ analysisTemplate: t, analysis_template: t });

export const analysisTemplateRoutes: ApiPlugin = async (app) => {
  const db = app.deps.db;
  const tags = ['analysis-templates'];

  app.get(
    '/analysis-templates',
    { schema: { tags, summary: 'List analysis templates', response: { 200: AnalysisTemplateList } } },
    async (request) => {
      const list = await listAnalysisTemplates(db, request.org.id);
      return { analysisTemplates: list, analysis_templates: list };
    },
  );

  app.post(
    '/analysis-templates',
    { schema: { tags, summary: 'Create an analysis template', body: CreateAnalysisTemplateBody, response: { 201: AnalysisTemplateSingle } } },
    async (request, reply) => reply.code(201).send(single(await createAnalysisTemplate(db, request.org.id, request.body))),
  );

  app.get(
    '/analysis-templates/:id',
    { schema: { tags, summary: 'Get an analysis template', params: IdParams, response: { 200: AnalysisTemplateSingle } } },
    async (request) => single(await getAnalysisTemplate(db, request.org.id, request.params.id)),
  );

  app.patch(
    '/analysis-templates/:id',
    {
      schema: {
        tags,
        summary: 'Update an analysis template',
        params: IdParams,
        body: UpdateAnalysisTemplateBody,
        response: { 200: AnalysisTemplateSingle },
      },
    },
    async (request) => single(await updateAnalysisTemplate(db, request.org.id, request.params.id, request.body)),
  );

  app.delete(
    '/analysis-templates/:id',
    { schema: { tags, summary: 'Delete an analysis template (agents keep their copies)', params: IdParams, response: { 200: SuccessResponse } } },
    async (request) => {
      await deleteAnalysisTemplate(db, request.org.id, request.params.id);
      return SUCCESS;
    },
  );
};
