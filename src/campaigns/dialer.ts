/**
 * The campaign dialer (issue #14, DESIGN §6). Each tick, for every `scheduled` campaign: leads
 * whose calling window is open (in the lead's `variables.timezone`, else the campaign's) and
 * whose retry time has come are claimed — at most `max_concurrent_calls` at once, within the
 * organization's limit minus the inbound reserve and the trunk's calls per second — and dialed
 * through the normal outbound path. An attempt ends when its call's end is written (the
 * `call-final` event on this node, or the call row, read by the sweep, for a call whose node
 * died); its outcome completes the lead, schedules a retry, or fails it.
 */
import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/pool.js';
import type { WebhookEmitter } from '../events/index.js';
import type { Logger } from '../log.js';
import type { CallFinal } from '../telephony/closer.js';
import type { OutboundRequest, OutboundResult } from '../telephony/outbound.js';
import type { TelephonyEvents } from '../telephony/service.js';
import { systemClock, type Clock } from './clock.js';
import { ADD_TO_DNC_DEFINITION } from './dnc.js';
import { CampaignNotifier } from './notify.js';
import { attemptOutcome, nextStep, type AttemptOutcome, type FinishedCall } from './outcome.js';
import { TrunkPacer } from './pacing.js';
import * as store from './store.js';
import { renderTemplate } from './template.js';
import { isOpen, isTimeZone } from './window.js';

/** What the dialer needs from the node's signalling service. */
export interface DialerTelephony {
  readonly nodeId: string;
  readonly draining: boolean;
  readonly events: EventEmitter<TelephonyEvents>;
  placeOutbound(request: OutboundRequest): Promise<OutboundResult>;
}

export interface DialerOptions {
  db: Db;
  redis: Redis;
  redisPrefix: string;
  log: Logger;
  telephony: DialerTelephony;
  emitter: WebhookEmitter;
  secrets: SecretBox;
  orgMaxConcurrent: number;
  inboundReserve: number;
  tickMs: number;
  clock?: Clock;
  /** A claim that got no call row within this long is given up (its node died before dialing). */
  claimExpiryMs?: number;
  /** How long a campaign call rings before it counts as no answer (default: the outbound default, 60 s). */
  ringTimeoutSeconds?: number;
}

const DEFAULT_CLAIM_EXPIRY_MS = 120_000;

interface Attempt {
  lead: store.ClaimedLead;
}

export class CampaignDialer {
  private readonly clock: Clock;
  private readonly pacer: TrunkPacer;
  private readonly notifier: CampaignNotifier;
  /** Calls this node placed for a lead attempt, by call id. */
  private readonly attempts = new Map<string, Attempt>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly onFinal = (final: CallFinal) => void this.finished(final);

  constructor(private readonly o: DialerOptions) {
    this.clock = o.clock ?? systemClock;
    this.pacer = new TrunkPacer(o.redis, o.redisPrefix, o.telephony.nodeId);
    this.notifier = new CampaignNotifier({ db: o.db, emitter: o.emitter, secrets: o.secrets, log: o.log });
  }

  start(): void {
    this.o.telephony.events.on('call-final', this.onFinal);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.o.telephony.events.off('call-final', this.onFinal);
    await this.running;
  }

  /** One pass now (tests and the bench drive it too); passes never overlap. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule(this.o.tickMs));
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      await this.sweep();
      if (!this.o.telephony.draining) {
        for (const campaign of await store.scheduledCampaigns(this.o.db)) {
          // One campaign's trouble (a bad zone, a query error) must not stop the others.
          await this.dialCampaign(campaign).catch((err: unknown) => this.o.log.warn({ err, campaignId: campaign.id }, 'campaign dialing pass failed'));
        }
      }
      for (const done of await store.completeFinished(this.o.db)) {
        this.o.log.info({ campaignId: done.id, orgId: done.orgId }, 'campaign completed');
        void this.notifier.notify(done.orgId, done.id, 'campaign-completed');
      }
    } catch (err) {
      this.o.log.warn({ err }, 'campaign dialer pass failed');
    }
  }

  private async pause(campaign: store.DialableCampaign, reason: string): Promise<void> {
    if (!(await store.pauseCampaign(this.o.db, campaign.id, reason))) return;
    this.o.log.warn({ campaignId: campaign.id, orgId: campaign.orgId, reason }, 'campaign paused by the dialer');
    void this.notifier.notify(campaign.orgId, campaign.id, 'campaign-paused');
  }

  private async dialCampaign(campaign: store.DialableCampaign): Promise<void> {
    const now = this.clock.now();
    const zones = await store.dueZones(this.o.db, campaign.id, now);
    if (zones.length === 0) return;
    const window = { start: campaign.start, end: campaign.end, days: campaign.days };
    const campaignZoneOpen = zones.includes(null) && isOpen(window, campaign.timezone, now);
    const openZones = zones.filter((z): z is string => z !== null && isTimeZone(z) && isOpen(window, z, now));
    if (!campaignZoneOpen && openZones.length === 0) return;
    if (!campaign.agentId) return this.pause(campaign, 'agent_missing: the campaign has no agent (it was deleted); set agent_id and schedule it again');
    const balance = await store.balanceOf(this.o.db, campaign.orgId);
    if (balance !== null && balance <= 0) return this.pause(campaign, 'insufficient_credits: the organization has no minutes left; add credits and set the campaign to scheduled');
    const trunk = await store.trunkRate(this.o.db, campaign.orgId, campaign.numberId);
    if (!trunk) return this.pause(campaign, 'no_outbound_trunk: the organization has no outbound SIP trunk (is_default_outbound)');
    const orgRoom = this.o.orgMaxConcurrent - this.o.inboundReserve - (await store.liveCallsOf(this.o.db, campaign.orgId));
    const wanted = Math.min(orgRoom, campaign.maxConcurrent);
    if (wanted <= 0) return;
    const budget = Math.min(wanted, await this.pacer.free(trunk.id, trunk.callsPerSecond));
    if (budget <= 0) return;
    const claim = await store.claimLeads(this.o.db, campaign, { budget, openZones, campaignZoneOpen, now, nodeId: this.o.telephony.nodeId });
    if (!claim) return;
    for (const id of claim.skipped) void this.notifier.notify(campaign.orgId, campaign.id, 'lead-outcome', id);
    const pace = () => this.pacer.acquire(trunk.id, trunk.callsPerSecond);
    // One set-up after the other: set-ups side by side load the event loop, and the time from a
    // pacing slot to the INVITE on the wire grows (measured: up to 15% over calls_per_second).
    for (const lead of claim.claimed) await this.dial(campaign, lead, pace);
  }

  private async dial(campaign: store.DialableCampaign, lead: store.ClaimedLead, pace: () => Promise<void>): Promise<void> {
    let systemMessage: string | undefined;
    if (campaign.systemMessageTemplate) {
      const rendered = renderTemplate(campaign.systemMessageTemplate, lead.variables);
      if (!rendered.ok) {
        const error = `system_message_template uses ${rendered.missing.map((m) => `{{${m}}}`).join(', ')}, which the lead's variables do not set`;
        await this.settle(lead, { status: 'failed', result: 'template-error', error, uncount: true });
        return;
      }
      systemMessage = rendered.text;
    }
    let result: OutboundResult;
    try {
      result = await this.o.telephony.placeOutbound({
        orgId: campaign.orgId,
        destination: lead.phoneNumber,
        agentId: campaign.agentId!,
        ...(campaign.numberId && { numberId: campaign.numberId }),
        campaignId: campaign.id,
        leadId: lead.id,
        metadata: { campaign_id: campaign.id, lead_id: lead.id, lead_attempt: lead.attempt, variables: lead.variables },
        assistantOverride: { metadata: { campaign_id: campaign.id, lead_id: lead.id, variables: lead.variables } },
        systemMessage,
        extraTools: [ADD_TO_DNC_DEFINITION],
        beforeInvite: pace,
        ...(this.o.ringTimeoutSeconds !== undefined && { ringTimeoutSeconds: this.o.ringTimeoutSeconds }),
      });
    } catch (err) {
      this.o.log.warn({ err, leadId: lead.id }, 'campaign call could not be placed');
      await store.releaseClaim(this.o.db, lead);
      return;
    }
    if (result.ok) {
      this.attempts.set(result.callId, { lead });
      await store.setLeadCall(this.o.db, lead, result.callId);
      return;
    }
    // Nothing was dialed: the attempt is not counted.
    await store.releaseClaim(this.o.db, lead);
    if (result.status === 402) await this.pause(campaign, 'insufficient_credits: the organization has no minutes left; add credits and set the campaign to scheduled');
    else if (result.status === 400 || result.status === 404) await this.pause(campaign, `${result.error}: ${result.message}`);
    // 429 (org limit reached on another node) and 503 (draining): the lead waits for the next pass.
  }

  /** This node's call of a lead attempt ended. */
  private async finished(final: CallFinal): Promise<void> {
    const attempt = this.attempts.get(final.callId);
    if (!attempt) return; // another node's call, or one placed before a restart: the sweep reads its row
    this.attempts.delete(final.callId);
    const call: FinishedCall = { status: final.status, endReason: final.endReason, sipStatus: final.sipStatus, answered: final.durationSeconds !== null };
    await this.resolve(attempt.lead, call, final.callId).catch((err: unknown) => this.o.log.warn({ err, leadId: attempt.lead.id }, 'lead outcome not recorded; the sweep retries'));
  }

  private async resolve(lead: { id: string; orgId: string; campaignId: string; attempt: number }, call: FinishedCall, callId: string): Promise<void> {
    await this.decide(lead, attemptOutcome(call), callId);
  }

  /** Applies the retry rules to an attempt's outcome. */
  private async decide(lead: { id: string; orgId: string; campaignId: string; attempt: number }, outcome: AttemptOutcome, callId: string | null, result: string = outcome): Promise<void> {
    const campaign = await store.campaignById(this.o.db, lead.orgId, lead.campaignId);
    if (!campaign) return;
    const now = this.clock.now();
    const step = nextStep(outcome, lead.attempt, campaign, now);
    const resolution: store.Resolution =
      step.status === 'pending'
        ? campaign.status === 'cancelled'
          ? { status: 'skipped', result, callId }
          : { status: 'pending', result, callId, nextAttemptAt: step.retryAt }
        : { status: step.status, result, callId };
    await this.settle(lead, resolution);
  }

  private async settle(lead: { id: string; orgId: string; campaignId: string; attempt: number }, resolution: store.Resolution): Promise<void> {
    if (!(await store.resolveAttempt(this.o.db, lead, resolution))) return;
    this.o.log.info({ campaignId: lead.campaignId, leadId: lead.id, attempt: lead.attempt, status: resolution.status, result: resolution.result }, 'lead attempt resolved');
    void this.notifier.notify(lead.orgId, lead.campaignId, 'lead-outcome', lead.id);
  }

  /** Attempts nobody on this node will hear the end of: resolved from the call row, or expired. */
  private async sweep(): Promise<void> {
    for (const lead of await store.callingLeads(this.o.db)) {
      if (lead.call) {
        // This node's own call: its call-final event is on its way; the sweep steps in only if it got lost.
        if (this.attempts.has(lead.call.id) && lead.claimAgeMs < (this.o.claimExpiryMs ?? DEFAULT_CLAIM_EXPIRY_MS)) continue;
        this.attempts.delete(lead.call.id);
        await this.resolve(lead, lead.call, lead.call.id);
      } else if (lead.claimAgeMs > (this.o.claimExpiryMs ?? DEFAULT_CLAIM_EXPIRY_MS)) {
        await this.decide(lead, 'failed', null, 'expired');
      }
    }
  }
}
