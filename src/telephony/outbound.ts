/**
 * An outbound call (DESIGN §3, flireo-api B §3.5): the request is checked and answered at once
 * (`dialing`), before the far end answers; then the INVITE goes out through the trunk while the
 * media worker already prepares the agent. The far end's final response is the call's outcome:
 * answered → `in-progress` and the same path as an inbound call; busy, declined, no answer or
 * failed → the call ends with that reason and its SIP status, unbilled.
 */
import { randomUUID } from 'node:crypto';
import {
  AgentConfigError,
  loadAgent,
  normalizeAgentFields,
  organizationWebhookFormat,
  providerSettings,
  resolveAgentConfig,
  resolveProviderKeys,
  type AgentRuntimeConfig as ResolvedAgent,
  type FunctionTool,
} from '../agents/index.js';
import type { SipError } from '../../sip/index.js';
import type { TelephonyContext } from './context.js';
import { OutboundLeg } from './legs.js';
import { AgentNotRunnableError, mediaAgentFor } from './media-agent.js';
import { CallOwner } from './owner.js';
import { minutesBalance, roomName } from './records.js';
import { CallSdp } from './sdp.js';
import { inviteOptions, outboundTrunk, requestUri, type Trunk } from './trunks.js';
import { sipOutcome, type EndReason } from './vocabulary.js';

export const DEFAULT_RING_TIMEOUT_S = 60;

export interface OutboundRequest {
  orgId: string;
  /** E.164, already normalised by the API. */
  destination: string;
  agentId?: string;
  /** A full one-off agent (transient mode). */
  assistant?: Record<string, unknown>;
  /** Fields that override the saved agent for this call (hybrid mode). */
  assistantOverride?: Record<string, unknown>;
  numberId?: string;
  firstMessage?: string;
  context?: string;
  metadata?: Record<string, unknown>;
  ringTimeoutSeconds?: number;
  campaignId?: string;
  leadId?: string;
  /** Replaces the agent's system message for this call (a campaign's personalised template). */
  systemMessage?: string;
  /** Built-in tools this call offers besides the agent's own (a campaign call's addToDoNotCall). */
  extraTools?: FunctionTool[];
  /** Awaited right before the INVITE goes out (the dialer's per-trunk pacing: the slot is the INVITE's time). */
  beforeInvite?: () => Promise<void>;
}

export type OutboundFailure = { ok: false; status: 400 | 402 | 404 | 429 | 503; error: string; message: string; param?: string };
export type OutboundResult = { ok: true; callId: string; roomName: string; status: 'dialing' } | OutboundFailure;

const fail = (status: OutboundFailure['status'], error: string, message: string, param?: string): OutboundFailure => ({
  ok: false,
  status,
  error,
  message,
  ...(param && { param }),
});

interface CallerId {
  id: string;
  phoneNumber: string;
  name: string | null;
  transferTrunkId: string | null;
}

/** Checks the request, creates the call and starts dialing; answers before the far end does. */
export async function placeOutboundCall(ctx: TelephonyContext, request: OutboundRequest): Promise<OutboundResult> {
  const agent = personalised(await agentFor(ctx, request), request);
  if (!agent.ok) return agent;
  const number = await callerIdFor(ctx, request.orgId, request.numberId, agent.config.agentId);
  if (!number.ok) return number;
  const trunk = await outboundTrunk(ctx.db, ctx.keyDeps.secrets, request.orgId, number.number.transferTrunkId);
  if (!trunk) return fail(400, 'invalid_request', 'The organization has no outbound SIP trunk: mark one with is_default_outbound, or give the caller-ID number a transfer trunk.');
  if (!trunk.host) return fail(400, 'invalid_request', `The SIP trunk "${trunk.name}" has no host.`);
  const balance = await minutesBalance(ctx.db, request.orgId);
  if (balance !== null && balance <= 0) return fail(402, 'insufficient_credits', 'Insufficient credits to make an outbound call. Add minutes to the organization.');
  const runnable = await runnableAgent(ctx, request, agent.config);
  if (!runnable.ok) return runnable;

  const id = randomUUID();
  const call = await CallOwner.open(ctx.ownerDeps, {
    id,
    orgId: request.orgId,
    direction: 'outbound',
    number: { id: number.number.id, phoneNumber: number.number.phoneNumber, name: number.number.name, transferTrunkId: number.number.transferTrunkId },
    customerNumber: request.destination,
    agent: agent.config,
    sdp: new CallSdp(ctx.config.sip.publicIp),
    sipCallId: null,
    metadata: request.metadata,
    campaignId: request.campaignId ?? null,
    leadId: request.leadId ?? null,
  });
  if (call === 'full') return fail(429, 'rate_limit_exceeded', `The organization is at its limit of ${ctx.config.calls.orgMaxConcurrent} simultaneous calls.`);
  ctx.adopt(call);
  if (balance !== null) call.capDuration(balance * 60);
  call.log.info({ event: 'dialing', trunkId: trunk.id, numberId: number.number.id, pii: { to: request.destination, from: number.number.phoneNumber } }, 'outbound call');
  const ringTimeoutMs = (request.ringTimeoutSeconds ?? DEFAULT_RING_TIMEOUT_S) * 1000;
  void dial(ctx, call, trunk, number.number.phoneNumber, request.destination, runnable, ringTimeoutMs, request.beforeInvite);
  return { ok: true, callId: id, roomName: roomName('outbound', id), status: 'dialing' };
}

type Runnable = { ok: true; media: ReturnType<typeof mediaAgentFor>; providers: ReturnType<typeof providerSettings> };

/** After the ring timeout the UA's own timers are only a backstop. */
const UA_BACKSTOP_MS = 5_000;

/** Media first (the agent gets ready while it rings), then the INVITE; ends the call on any failure. */
async function dial(
  ctx: TelephonyContext,
  call: CallOwner,
  trunk: Trunk,
  callerId: string,
  destination: string,
  agent: Runnable,
  ringTimeoutMs: number,
  beforeInvite?: () => Promise<void>,
): Promise<void> {
  let heardBack = false;
  // The ring timeout is the owner's: a trunk that never answers (not even 100 Trying) must not
  // keep the call for Timer B's 32 s; ending the call CANCELs a ringing INVITE.
  const ringTimer = setTimeout(() => {
    if (heardBack) void call.end('no-answer', `no answer within ${ringTimeoutMs / 1000} s`, 487);
    else void call.end('failed', 'the trunk did not respond to the INVITE', 408);
  }, ringTimeoutMs);
  try {
    const ready = await call.startMedia({ direction: 'outbound', remote: null, codec: 'PCMU', agent: agent.media, providers: agent.providers, media: { record: call.agent.recordingEnabled } });
    if (call.isEnding) return;
    const sdp = call.init.sdp;
    sdp.bind(ready.local.port);
    if (beforeInvite) await beforeInvite();
    if (call.isEnding) return;
    const leg = new OutboundLeg(ctx.ua);
    call.attachLeg(leg);
    const options = inviteOptions(trunk, callerId, ctx.config.sip.publicIp, sdp.offer(), ringTimeoutMs + UA_BACKSTOP_MS);
    const outcome = await leg.dial(requestUri(trunk, destination), options, (response) => {
      heardBack = true;
      if (response.status === 180 || response.status === 183) call.ringing();
    });
    clearTimeout(ringTimer);
    if (call.isEnding) return;
    if (!outcome.ok) return void call.end(...unanswered(outcome.error));
    const answer = sdp.readAnswer(outcome.dialog.remoteSdp ?? '', outcome.dialog.peerAddress);
    if (!answer.ok) return void call.end('failed', `the far end answered without a usable SDP answer (${answer.error.message})`);
    ctx.ownerDeps.pool.send(call.id, { type: 'call.remote-sdp', remote: answer.remote });
    call.answered(outcome.dialog);
  } catch (err) {
    call.log.warn({ err }, 'outbound call setup failed');
    await call.end('failed', (err as Error).message);
  } finally {
    clearTimeout(ringTimer);
  }
}

/** Why an INVITE was not answered, as the call's end reason, error text and SIP status. */
function unanswered(error: SipError): [EndReason, string, number] {
  if (error.code === 'SIP_CANCELED') return ['no-answer', 'no answer within the ring timeout', 487];
  if (error.code === 'SIP_TIMEOUT') return ['no-answer', 'the trunk did not answer the INVITE (408)', 408];
  if (error.code === 'SIP_BAD_TARGET' || error.code === 'SIP_TRANSPORT') return ['failed', `the trunk could not be reached: ${error.reason}`, error.status];
  const auth = error.status === 401 || error.status === 407;
  const text = auth ? `${error.status} ${error.reason}: the trunk refused our credentials` : `${error.status} ${error.reason}`;
  return [sipOutcome(error.status), text, error.status];
}

type AgentChoice = { ok: true; config: ResolvedAgent } | OutboundFailure;

/** A campaign's system message and built-in tools on top of the resolved agent. */
function personalised(choice: AgentChoice, request: OutboundRequest): AgentChoice {
  if (!choice.ok || (request.systemMessage === undefined && !request.extraTools?.length)) return choice;
  const config = { ...choice.config };
  if (request.systemMessage !== undefined) {
    config.instructions = request.systemMessage;
    config.messages = [{ role: 'system', content: request.systemMessage }, ...config.messages.filter((m) => m.role !== 'system')];
  }
  const own = new Set(config.tools.functions.map((f) => f.name));
  const extra = (request.extraTools ?? []).filter((t) => !own.has(t.name));
  if (extra.length > 0) config.tools = { ...config.tools, functions: [...config.tools.functions, ...extra] };
  return { ok: true, config };
}

/** The three modes of B §3.5: a saved agent, a saved agent with an override, or a one-off agent. */
async function agentFor(ctx: TelephonyContext, request: OutboundRequest): Promise<AgentChoice> {
  try {
    if (request.agentId) {
      const stored = await loadAgent(ctx.db, ctx.keyDeps.secrets, request.orgId, request.agentId);
      if (!stored) return fail(404, 'not_found', 'Agent not found', 'agent_id');
      if (!stored.is_active) return fail(400, 'invalid_request', 'The agent is not active.', 'agent_id');
      return { ok: true, config: resolveAgentConfig(stored, request.assistantOverride) };
    }
    if (request.assistant) {
      const fields = normalizeAgentFields({ name: 'Outbound call', ...request.assistant }, null);
      // A one-off agent has no saved row: its webhooks follow the organization's format.
      fields.webhook_format ??= (await organizationWebhookFormat(ctx.db, request.orgId)) ?? 'camel';
      const metadata = request.assistant.metadata;
      return { ok: true, config: resolveAgentConfig({ ...fields, id: null }, metadata ? { metadata } : undefined) };
    }
  } catch (err) {
    if (!(err instanceof AgentConfigError)) throw err;
    const prefix = request.agentId ? 'assistant_override' : 'assistant';
    return fail(400, err.code === 'missing_field' ? 'missing_field' : 'invalid_request', `${prefix}.${err.message}`, `${prefix}.${err.param}`);
  }
  return fail(400, 'missing_field', 'agent_id (or assistant_id, or a transient assistant) is required', 'agent_id');
}

type CallerIdChoice = { ok: true; number: CallerId } | OutboundFailure;

/** `number_id`, else the first number of the agent, else the organization's first number. */
async function callerIdFor(ctx: TelephonyContext, orgId: string, numberId: string | undefined, agentId: string | null): Promise<CallerIdChoice> {
  const select = `SELECT id, phone_number AS "phoneNumber", name, transfer_trunk_id AS "transferTrunkId" FROM numbers WHERE org_id = $1`;
  if (numberId) {
    const { rows } = await ctx.db.query<CallerId>(`${select} AND id = $2`, [orgId, numberId]);
    return rows[0] ? { ok: true, number: rows[0] } : fail(404, 'not_found', 'Number not found', 'number_id');
  }
  const { rows } = await ctx.db.query<CallerId>(`${select} ORDER BY (agent_id IS NOT DISTINCT FROM $2::uuid AND agent_id IS NOT NULL) DESC, created_at LIMIT 1`, [
    orgId,
    agentId,
  ]);
  if (rows[0]) return { ok: true, number: rows[0] };
  return fail(400, 'invalid_request', 'The organization has no number to use as caller ID: register one, or pass number_id.', 'number_id');
}

/** Refused before dialing: a callee must never pick up to silence. */
async function runnableAgent(ctx: TelephonyContext, request: OutboundRequest, agent: ResolvedAgent): Promise<Runnable | OutboundFailure> {
  let media: ReturnType<typeof mediaAgentFor>;
  try {
    media = mediaAgentFor(agent, { direction: 'outbound', context: request.context, firstMessage: request.firstMessage });
  } catch (err) {
    if (err instanceof AgentNotRunnableError) return fail(400, 'invalid_request', err.message);
    throw err;
  }
  const { keys, missing } = await resolveProviderKeys(ctx.keyDeps, request.orgId, agent.keyProviders);
  if (missing.length > 0) return fail(400, 'invalid_request', `No API key for ${missing.join(', ')}: set a BYOK key or the platform key.`);
  return { ok: true, media, providers: providerSettings(keys) };
}
