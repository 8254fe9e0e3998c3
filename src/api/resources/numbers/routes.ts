/**
 * /numbers (flireo-api B §3.4). Every write tells the call path which numbers changed
 * (routing-events.ts), so cached routes never outlive an assignment.
 */
import type { ApiPlugin } from '../../plugin.js';
import { IdParams, SuccessResponse } from '../../schemas.js';
import { SUCCESS } from '../../wrap.js';
import { numbersChanged } from './routing-events.js';
import { CreateNumberBody, NumberList, NumberSingle, UpdateNumberBody } from './schema.js';
import { createNumber, deleteNumber, getNumber, listNumbers, updateNumber } from './service.js';

const tags = ['numbers'];

export const numberRoutes: ApiPlugin = async (app) => {
  const deps = app.deps;
  const { db } = deps;

  app.get('/numbers', { schema: { tags, summary: 'List your phone numbers', response: { 200: NumberList } } }, async (request) => ({
    numbers: await listNumbers(db, request.org.id),
  }));

  app.post(
    '/numbers',
    {
      schema: {
        tags,
        summary: 'Register a phone number',
        description: 'Normalises the number to E.164; 409 when it is registered already (in any organization).',
        body: CreateNumberBody,
        response: { 201: NumberSingle },
      },
    },
    async (request, reply) => {
      const number = await createNumber(db, request.org.id, request.body);
      await numbersChanged(deps, [number.phone_number], request.log);
      return reply.code(201).send({ number });
    },
  );

  app.get(
    '/numbers/:id',
    { schema: { tags, summary: 'Get a phone number', params: IdParams, response: { 200: NumberSingle } } },
    async (request) => ({ number: await getNumber(db, request.org.id, request.params.id) }),
  );

  app.patch(
    '/numbers/:id',
    {
      schema: {
        tags,
        summary: 'Update a phone number (agent, transfer trunk, name, the number itself)',
        description: '`agent_id: null` unassigns the agent: calls to the number are then refused.',
        params: IdParams,
        body: UpdateNumberBody,
        response: { 200: NumberSingle },
      },
    },
    async (request) => {
      const { number, previousPhoneNumber } = await updateNumber(db, request.org.id, request.params.id, request.body);
      await numbersChanged(deps, previousPhoneNumber ? [previousPhoneNumber, number.phone_number] : [number.phone_number], request.log);
      return { number };
    },
  );

  app.delete(
    '/numbers/:id',
    { schema: { tags, summary: 'Delete a phone number', params: IdParams, response: { 200: SuccessResponse } } },
    async (request) => {
      const phoneNumber = await deleteNumber(db, request.org.id, request.params.id);
      await numbersChanged(deps, [phoneNumber], request.log);
      return SUCCESS;
    },
  );
};
