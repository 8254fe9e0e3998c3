/**
 * `POST /calls/{id}/analyze` (voxgate extension): runs a finished call's post-call analysis again
 * — summary and, with a plan, structured analysis — stores it, and answers with the call. An
 * optional `analysis_plan` (or `analysisPlan`) in the body replaces the agent's plan for this run.
 */
import { normalizeAnalysisPlan } from '../../../agents/index.js';
import { rerunAnalysis } from '../../../analysis/index.js';
import type { Logger } from '../../../log.js';
import { invalid, notFound, providerUnavailable } from '../../errors.js';
import type { ApiPlugin } from '../../plugin.js';
import { Body, IdParams, JsonObject, Nullable, Type } from '../../schemas.js';
import { validated } from '../agents/config-errors.js';
import { Call } from './schema.js';
import { getCall } from './service.js';

const PlanField = Type.Optional(Nullable(JsonObject({ description: "Replaces the agent's analysis_plan for this run; null: summary only" })));
const AnalyzeBody = Type.Optional(Body({ analysis_plan: PlanField, analysisPlan: PlanField }));

const SKIP_MESSAGES = {
  'not-connected': () => 'the call was never answered, so there is nothing to analyse',
  'too-few-messages': (n: number, needed: number) => `the call has ${n} spoken message(s); the analysis plan needs at least ${needed} (min_messages_threshold)`,
  'nothing-planned': () => 'the analysis plan turns both the summary and the structured analysis off',
};

export const callAnalyzeRoutes: ApiPlugin = async (app) => {
  const { db, secrets, config } = app.deps;

  app.post(
    '/calls/:id/analyze',
    {
      schema: {
        tags: ['calls'],
        summary: 'Run the post-call analysis of a finished call again and store it (voxgate extension)',
        params: IdParams,
        body: AnalyzeBody,
        response: { 200: Call },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      const rawPlan = body.analysis_plan !== undefined ? body.analysis_plan : body.analysisPlan;
      const plan = rawPlan === undefined ? undefined : validated(() => normalizeAnalysisPlan(rawPlan));
      const log = request.log as unknown as Logger; // the app's pino logger, with the request id
      const outcome = await rerunAnalysis({ db, secrets, log, config }, request.org.id, request.params.id, plan);
      switch (outcome.kind) {
        case 'not-found':
          throw notFound('call');
        case 'not-final':
          throw invalid('id', 'the call is not over yet; analysis runs once it has ended');
        case 'skipped':
          throw invalid('id', SKIP_MESSAGES[outcome.reason](outcome.messages, outcome.needed));
        case 'provider-unavailable':
          throw providerUnavailable(`analysis: ${outcome.message}`);
        case 'done':
          return getCall(db, request.org.id, request.params.id, (id) => `${request.protocol}://${request.host}/api/v1/calls/${id}/recording`);
      }
    },
  );
};
