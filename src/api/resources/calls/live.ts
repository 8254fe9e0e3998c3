/**
 * Live calls (flireo-api B §3.5, §3.6): `POST /calls/outbound` places a call and answers at once
 * (`dialing`); `POST /calls/{id}/control` steers a call in progress on whichever node owns it,
 * and answers once that node's media worker took the command. Both need the call service
 * (`services.calls`): the `sip` role provides it, or the remote client on API-only nodes.
 */
import { ApiError, callNotActive, missingField, notFound } from '../../errors.js';
import type { ApiPlugin } from '../../plugin.js';
import { Body, IdParams, JsonObject, LongText, PhoneInput, Type, Uuid, type Static } from '../../schemas.js';
import { requireE164 } from '../../wrap.js';
import { TransientAgentBody } from '../agents/schema.js';
import { outboundNumberId } from '../sip-trunks/service.js';
import type { LiveControl } from '../../../telephony/owner.js';

const tags = ['calls'];

/** What the routes need from the telephony side (src/telephony provides it). */
export interface CallService {
  placeOutbound(request: {
    orgId: string;
    destination: string;
    agentId?: string;
    assistant?: Record<string, unknown>;
    assistantOverride?: Record<string, unknown>;
    numberId?: string;
    firstMessage?: string;
    context?: string;
    metadata?: Record<string, unknown>;
    ringTimeoutSeconds?: number;
  }): Promise<{ ok: true; callId: string; roomName: string; status: 'dialing' } | { ok: false; status: number; error: string; message: string; param?: string }>;
  control(orgId: string, callId: string, control: LiveControl): Promise<{ ok: true } | { ok: false; status: number; error: string; message: string }>;
}

declare module '../../deps.js' {
  interface ApiServices {
    calls: CallService;
  }
}

export const OutboundCallBody = Body({
  destination: PhoneInput({ description: 'The number to call, E.164' }),
  agent_id: Type.Optional(Uuid({ description: 'A saved agent (reference mode)' })),
  assistant_id: Type.Optional(Uuid({ description: 'Alias of agent_id' })),
  // The SDK's TransientAssistant: agent fields + metadata, closed like an agent body (issue #13).
  assistant: Type.Optional({ ...TransientAgentBody, description: 'A one-off agent config, validated like a created agent (transient mode)' }),
  assistant_override: Type.Optional({ ...TransientAgentBody, description: 'Fields that override the saved agent for this call (hybrid mode)' }),
  number_id: Type.Optional(Uuid({ description: 'Caller-ID number; default: the default trunk’s outbound_number, else the agent’s first number, else the organization’s first' })),
  first_message: Type.Optional(Type.String({ maxLength: 5000 })),
  context: Type.Optional(LongText({ description: 'Added to the agent’s instructions for this call' })),
  metadata: Type.Optional(JsonObject({ description: 'Echoed in the call’s webhooks and stored on the call' })),
  ring_timeout_seconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 300, default: 60, description: 'CANCEL and end with no-answer after this long' })),
});

export const OutboundCallResponse = Type.Object({
  success: Type.Literal(true),
  call_id: Uuid(),
  room_name: Type.String(),
  status: Type.Literal('dialing'),
});

export const ControlBody = Body({
  type: Type.Enum(['inject-context', 'say', 'end-call', 'transfer']),
  content: Type.Optional(Type.String({ maxLength: 5000 })),
  trigger_response: Type.Optional(Type.Boolean({ default: false })),
  end_after: Type.Optional(Type.Boolean({ default: false })),
  message: Type.Optional(Type.String({ maxLength: 5000 })),
  destination: Type.Optional(Type.String({ maxLength: 2048, description: 'transfer: E.164 or a SIP URI' })),
});

export const ControlResponse = Type.Object({ success: Type.Literal(true), message: Type.String() });

/** The control body as the call owner takes it; refuses what a command needs but lacks. */
function controlOf(body: Static<typeof ControlBody>): LiveControl {
  const content = () => {
    if (!body.content?.trim()) throw missingField('content');
    return body.content;
  };
  switch (body.type) {
    case 'inject-context':
      return { kind: 'inject-context', content: content(), triggerResponse: body.trigger_response ?? false };
    case 'say':
      return { kind: 'say', content: content(), endAfter: body.end_after ?? false };
    case 'end-call':
      return { kind: 'end-call', ...(body.message?.trim() && { message: body.message }) };
    case 'transfer':
      if (!body.destination?.trim()) throw missingField('destination');
      return { kind: 'transfer', destination: body.destination, ...(body.message?.trim() && { message: body.message }) };
  }
}

function failure(result: { status: number; error: string; message: string; param?: string }): ApiError {
  const code = result.error as ConstructorParameters<typeof ApiError>[0];
  return new ApiError(code, result.message, { status: result.status, ...(result.param && { param: result.param }) });
}

export const liveCallRoutes: ApiPlugin = async (app) => {
  const { db, services, limiters } = app.deps;
  const calls = (): CallService => {
    if (!services.calls) throw new ApiError('provider_unavailable', 'This node does not handle calls (no sip role).', { status: 503 });
    return services.calls;
  };

  app.post(
    '/calls/outbound',
    { schema: { tags, summary: 'Place an outbound call through the organization’s SIP trunk', body: OutboundCallBody, response: { 201: OutboundCallResponse } } },
    async (request, reply) => {
      const body = request.body as Static<typeof OutboundCallBody> & Record<'assistant' | 'assistant_override' | 'metadata', Record<string, unknown> | undefined>;
      const agentId = body.agent_id ?? body.assistant_id;
      if (!agentId && !body.assistant) throw missingField('agent_id');
      // The SDK's trunk `outbound_number` is the caller ID when the request names none.
      const numberId = body.number_id ?? (await outboundNumberId(db, request.org.id)) ?? undefined;
      const result = await calls().placeOutbound({
        orgId: request.org.id,
        destination: requireE164('destination', body.destination),
        ...(agentId && { agentId }),
        ...(body.assistant && !agentId && { assistant: body.assistant }),
        ...(body.assistant_override && { assistantOverride: body.assistant_override }),
        ...(numberId && { numberId }),
        ...(body.first_message !== undefined && { firstMessage: body.first_message }),
        ...(body.context !== undefined && { context: body.context }),
        ...(body.metadata && { metadata: body.metadata }),
        ...(body.ring_timeout_seconds !== undefined && { ringTimeoutSeconds: body.ring_timeout_seconds }),
      });
      if (!result.ok) throw failure(result);
      return reply.code(201).send({ success: true, call_id: result.callId, room_name: result.roomName, status: result.status });
    },
  );

  app.post(
    '/calls/:id/control',
    {
      schema: { tags, summary: 'Send a control command to a call in progress', params: IdParams, body: ControlBody, response: { 200: ControlResponse } },
      preHandler: limiters.callControl.hook((request) => (request.params as { id: string }).id),
    },
    async (request) => {
      const { rows } = await db.query<{ status: string }>(`SELECT status FROM calls WHERE org_id = $1 AND id = $2`, [request.org.id, request.params.id]);
      if (!rows[0]) throw notFound('call');
      const control = controlOf(request.body);
      // A call being transferred is still live: its owner says what it can do (a second transfer: 409).
      if (rows[0].status !== 'in-progress' && rows[0].status !== 'forwarding') throw callNotActive(`The call is ${rows[0].status}, not in progress.`);
      const result = await calls().control(request.org.id, request.params.id, control);
      if (!result.ok) throw failure(result);
      return { success: true as const, message: 'Command sent successfully' };
    },
  );
};
