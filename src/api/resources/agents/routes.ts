/**
 * /agents and its alias /assistants (flireo-api A.1): the same handlers, wrapped as
 * `agents`/`agent` or `assistants`/`assistant`.
 */
import type { ApiPlugin } from '../../plugin.js';
import { IdParams, SuccessResponse, Type } from '../../schemas.js';
import { SUCCESS } from '../../wrap.js';
import { Agent, CreateAgentBody, UpdateAgentBody } from './schema.js';
import { createAgent, deleteAgent, getAgent, listAgents, updateAgent } from './service.js';

const PATHS = [
  { path: '/agents', one: 'agent', many: 'agents' },
  { path: '/assistants', one: 'assistant', many: 'assistants' },
] as const;

export const agentRoutes: ApiPlugin = async (app) => {
  for (const { path, one, many } of PATHS) {
    const tags = ['agents'];
    const alias = path === '/agents' ? '' : ' (alias of /agents)';
    const single = Type.Object({ [one]: Agent });
    const list = Type.Object({ [many]: Type.Array(Agent) });
    const { db, secrets } = app.deps;

    app.get(path, { schema: { tags, summary: `List agents${alias}`, response: { 200: list } } }, async (request) => ({
      [many]: await listAgents(db, secrets, request.org.id),
    }));

    app.post(
      path,
      { schema: { tags, summary: `Create an agent${alias}`, body: CreateAgentBody, response: { 201: single } } },
      async (request, reply) => reply.code(201).send({ [one]: await createAgent(db, secrets, request.org.id, request.body) }),
    );

    app.get(`${path}/:id`, { schema: { tags, summary: `Get an agent${alias}`, params: IdParams, response: { 200: single } } }, async (request) => ({
      [one]: await getAgent(db, secrets, request.org.id, request.params.id),
    }));

    app.patch(
      `${path}/:id`,
      { schema: { tags, summary: `Update an agent${alias}`, params: IdParams, body: UpdateAgentBody, response: { 200: single } } },
      async (request) => ({ [one]: await updateAgent(db, secrets, request.org.id, request.params.id, request.body) }),
    );

    app.delete(
      `${path}/:id`,
      { schema: { tags, summary: `Delete an agent${alias}`, params: IdParams, response: { 200: SuccessResponse } } },
      async (request) => {
        await deleteAgent(db, request.org.id, request.params.id);
        return SUCCESS;
      },
    );
  }
};
