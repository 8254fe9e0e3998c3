/**
 * An inbound INVITE, step by step (DESIGN §3): allow-listed source (checked by the UA) → dialed
 * number → route → agent → credits and concurrency → 180 Ringing while the assistant-request
 * webhook and the media worker get ready → 200 OK with the SDP answer → in progress on ACK.
 * Every refusal is a SIP answer a carrier understands, logged with why.
 */
import { randomUUID } from 'node:crypto';
import {
  loadAgent,
  providerSettings,
  resolveAgentConfig,
  resolveProviderKeys,
  type AgentRuntimeConfig as ResolvedAgent,
  type StoredAgent,
} from '../agents/index.js';
import type { IncomingRequest, ServerResponse } from '../../sip/index.js';
import { MediaStartError, type RemoteMedia } from '../../media/index.js';
import { applyAssistantAnswer, askAssistant, type AssistantAnswer } from './assistant-request.js';
import { callerNumber, dialedNumber } from './dialed-number.js';
import { InboundLeg } from './legs.js';
import { AgentNotRunnableError, mediaAgentFor } from './media-agent.js';
import { CallOwner } from './owner.js';
import { minutesBalance, updateAgent, updateMetadata } from './records.js';
import { CallSdp } from './sdp.js';
import type { TelephonyContext } from './context.js';
import { announcement, type Announcement } from './announcements.js';

/** Why the call could not start its agent; it is answered with a spoken prompt instead. */
type Fallback = { prompt: Announcement; reason: 'provider-error' | 'rejected'; error: string | null };

export async function handleInvite(ctx: TelephonyContext, req: IncomingRequest, res: ServerResponse): Promise<void> {
  const log = ctx.log.child({ sipCallId: req.callId });
  if (ctx.draining) return void res.send(503, 'Service Unavailable', { headers: { 'Retry-After': '60' } });
  const dialed = dialedNumber(req);
  const route = dialed ? await ctx.router.lookup(dialed) : null;
  if (!dialed || !route) {
    log.info({ event: 'rejected', status: 404, pii: { dialed: dialed ?? req.uri.user } }, 'inbound call to an unknown number');
    return void res.send(404, 'Not Found');
  }
  const admission = ctx.allowList.admission(req.source.address);
  if (!admission || (!admission.operator && !admission.orgs.has(route.orgId))) {
    log.warn({ event: 'rejected', status: 403, orgId: route.orgId, source: req.source.address }, "INVITE from another organization's trunk");
    return void res.send(403, 'Forbidden');
  }
  const stored = route.agentId ? await loadAgent(ctx.db, ctx.keyDeps.secrets, route.orgId, route.agentId) : null;
  if (!stored || !stored.is_active) {
    log.info({ event: 'rejected', status: 480, orgId: route.orgId, numberId: route.numberId }, 'number has no active agent');
    return void res.send(480, 'Temporarily Unavailable');
  }
  const sdp = new CallSdp(ctx.config.sip.publicIp);
  const offer = req.sdp;
  const probe = offer ? sdp.answer(offer, req.source.address) : null;
  if (!probe || !probe.ok) {
    const status = probe && !probe.ok ? probe.error.status : 488;
    log.info({ event: 'rejected', status, reason: probe && !probe.ok ? probe.error.message : 'INVITE without SDP offer' }, 'no usable audio offer');
    return void res.send(status, status === 488 ? 'Not Acceptable Here' : 'Bad Request');
  }
  const leg = new InboundLeg(ctx.ua, req, res);
  const call = await CallOwner.open(ctx.ownerDeps, {
    id: randomUUID(),
    orgId: route.orgId,
    direction: 'inbound',
    number: { id: route.numberId, phoneNumber: route.phoneNumber, name: route.numberName, transferTrunkId: route.transferTrunkId },
    customerNumber: callerNumber(req),
    agent: resolveAgentConfig(stored),
    sdp,
    sipCallId: req.callId,
  });
  if (call === 'full') {
    log.info({ event: 'rejected', status: 486, orgId: route.orgId }, 'organization is at its concurrent call limit');
    return void res.send(486, 'Busy Here');
  }
  ctx.adopt(call);
  call.attachLeg(leg);
  call.log.info({ event: 'ringing', numberId: route.numberId, agentId: stored.id, pii: { from: call.init.customerNumber, to: route.phoneNumber } }, 'inbound call');
  leg.provisional(180);
  req.once('cancel', () => void call.end('customer-hangup'));
  await connect(ctx, call, stored, leg, probe.remote);
}

/** Everything between 180 Ringing and the ACK; ends the call on any failure. */
async function connect(ctx: TelephonyContext, call: CallOwner, stored: StoredAgent, leg: InboundLeg, remote: RemoteMedia): Promise<void> {
  try {
    const plan = await planAgent(ctx, call, stored);
    if (call.isEnding) return;
    const ready = await call.startMedia({
      direction: 'inbound',
      remote,
      agent: 'prompt' in plan ? announcement(plan.prompt) : plan.agent,
      providers: 'prompt' in plan ? {} : plan.providers,
      media: { record: call.agent.recordingEnabled },
    });
    call.init.sdp.bind(ready.local.port);
    const answer = call.init.sdp.answer(leg.req.sdp!, leg.req.source.address);
    if (!answer.ok) throw new Error(`SDP answer failed: ${answer.error.message}`);
    if (call.isEnding) return;
    call.answered(await leg.answer(answer.sdp));
    if ('prompt' in plan) call.endAfterPrompt(plan.reason, plan.error);
    else if (plan.reject) call.rejectWithMessage(plan.reject);
  } catch (err) {
    if (call.isEnding) return;
    if (err instanceof MediaStartError && err.code === 'media/ports-exhausted') {
      leg.reject(503, 'Service Unavailable', { 'Retry-After': '30' });
      return void call.end('sip-error', 'no RTP ports left on this node');
    }
    call.log.warn({ err }, 'call setup failed');
    leg.reject(500, 'Server Internal Error');
    await call.end(leg.req.canceled ? 'customer-hangup' : 'sip-error', (err as Error).message);
  }
}

type MediaAgent = ReturnType<typeof mediaAgentFor>;

type Plan = { agent: MediaAgent; providers: Record<string, { baseUrl: string; apiKey: string }>; reject?: string } | Fallback;

/** The agent the call runs (after assistant-request), its provider keys, or the prompt to play instead. */
async function planAgent(ctx: TelephonyContext, call: CallOwner, stored: StoredAgent): Promise<Plan> {
  const balance = await minutesBalance(ctx.db, call.orgId);
  if (balance !== null && balance <= 0) return { prompt: 'no-credits', reason: 'rejected', error: 'insufficient credits' };
  const answer = await askAssistant(ctx.emitter, call.origin(), call.agent, call.webhookContext());
  if (answer.kind === 'configure') await applyAnswer(ctx, call, stored, answer);
  else if (answer.kind === 'saved' && answer.note) call.log.info({ event: 'assistant-request', note: answer.note }, 'assistant-request not used; saved agent');
  if (balance !== null) call.capDuration(balance * 60);
  const reject = answer.kind === 'reject' ? answer.message : undefined;
  // A rejection is spoken in the agent's voice by a session that does nothing else.
  const agent = reject === undefined ? call.agent : messengerOf(call.agent);
  // Without a runnable agent the caller hears a built-in prompt instead.
  const cannotRun = (error: string): Fallback =>
    reject === undefined ? { prompt: 'provider-error', reason: 'provider-error', error } : { prompt: 'call-rejected', reason: 'rejected', error: null };
  let media: MediaAgent;
  try {
    media = mediaAgentFor(agent, { direction: 'inbound' });
  } catch (err) {
    if (!(err instanceof AgentNotRunnableError)) throw err;
    return cannotRun(err.message);
  }
  const { keys, missing } = await resolveProviderKeys(ctx.keyDeps, call.orgId, agent.keyProviders);
  if (missing.length > 0) return cannotRun(`no API key for ${missing.join(', ')} (set a BYOK key or the platform key)`);
  return { agent: media, providers: providerSettings(keys), ...(reject !== undefined && { reject }) };
}

async function applyAnswer(ctx: TelephonyContext, call: CallOwner, saved: StoredAgent, answer: Extract<AssistantAnswer, { kind: 'configure' }>): Promise<void> {
  const chosen = answer.assistantId ? await loadAgent(ctx.db, ctx.keyDeps.secrets, call.orgId, answer.assistantId) : null;
  if (answer.assistantId && !chosen) call.log.warn({ event: 'assistant-request' }, "assistant_id of the answer is unknown; using the number's agent");
  const applied = applyAssistantAnswer(saved, answer, chosen);
  if (applied.note) call.log.warn({ event: 'assistant-request', note: applied.note }, 'assistant-request answer partly ignored');
  call.reconfigure(applied.agent);
  if (chosen) await updateAgent(ctx.db, call.id, { id: chosen.id, name: applied.agent.name, businessName: applied.agent.businessName });
  if (Object.keys(applied.agent.metadata).length > 0) await updateMetadata(ctx.db, call.id, applied.agent.metadata);
}

/** The agent reduced to a voice that says one message: no greeting, no tools, no silence prompts. */
function messengerOf(agent: ResolvedAgent): ResolvedAgent {
  return {
    ...agent,
    firstMessage: null,
    instructions: 'You deliver one message to the caller, exactly as given, and nothing else.',
    tools: { functions: [], endCall: false, transfer: null },
    silence: { autonomous: false, timeoutSeconds: null },
  };
}
