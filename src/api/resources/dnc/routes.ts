/**
 * /api/v1/dnc: the organization's do-not-call list (a voxgate extension, issue #14). The campaign
 * dialer checks it when a lead is due and skips listed numbers. DELETE takes the entry's id or
 * the number itself (`/dnc/%2B31612345678`).
 */
import { addDnc, listDnc, removeDnc, type DncEntry } from '../../../campaigns/dnc.js';
import { notFound } from '../../errors.js';
import type { ApiPlugin } from '../../plugin.js';
import { Body, E164, IsoDate, Nullable, PhoneInput, ShortText, SuccessResponse, Type, Uuid } from '../../schemas.js';
import { iso, requireE164, SUCCESS } from '../../wrap.js';

const tags = ['dnc'];

const DncView = Type.Object(
  {
    id: Uuid(),
    phone_number: E164(),
    reason: Nullable(Type.String()),
    source: Type.Enum(['api', 'agent'], { description: 'api: added through this API; agent: the callee asked during a call (addToDoNotCall)' }),
    call_id: Nullable(Uuid()),
    created_at: IsoDate(),
  },
  { title: 'DoNotCallEntry' },
);

const AddBody = Body({ phone_number: PhoneInput(), reason: Type.Optional(Nullable(ShortText())) });
const NumberParams = Type.Object({ entry: Type.String({ minLength: 1, maxLength: 64, description: 'The entry id, or the number (E.164)' }) });

const view = (e: DncEntry) => ({ ...e, created_at: iso(e.created_at) });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const dncRoutes: ApiPlugin = async (app) => {
  const { db } = app.deps;

  app.get('/dnc', { schema: { tags, summary: 'List the do-not-call list', response: { 200: Type.Object({ dnc: Type.Array(DncView) }) } } }, async (request) => ({
    dnc: (await listDnc(db, request.org.id)).map(view),
  }));

  app.post(
    '/dnc',
    {
      schema: {
        tags,
        summary: 'Add a number to the do-not-call list (200 when it was already on it)',
        body: AddBody,
        response: { 200: Type.Object({ entry: DncView }), 201: Type.Object({ entry: DncView }) },
      },
    },
    async (request, reply) => {
      const phoneNumber = requireE164('phone_number', request.body.phone_number);
      const { entry, created } = await addDnc(db, request.org.id, { phoneNumber, reason: request.body.reason, source: 'api' });
      return reply.code(created ? 201 : 200).send({ entry: view(entry) });
    },
  );

  app.delete(
    '/dnc/:entry',
    { schema: { tags, summary: 'Remove a number from the do-not-call list', params: NumberParams, response: { 200: SuccessResponse } } },
    async (request) => {
      const key = request.params.entry;
      const by = UUID.test(key) ? { id: key } : { phoneNumber: requireE164('entry', key) };
      if (!(await removeDnc(db, request.org.id, by))) throw notFound('do-not-call entry');
      return SUCCESS;
    },
  );
};
