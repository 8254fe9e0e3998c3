/**
 * The `campaign-update` webhook (a voxgate extension): a lead's outcome, a campaign completed or
 * paused by the platform. Sent through the durable webhook queue to the campaign agent's
 * `webhook_url`, only when the agent lists `campaign-update` in `webhook_events` (opt-in: it is
 * one event per lead). The `campaign` and `lead` objects are exactly what the REST API returns.
 */
import { loadAgent } from '../agents/index.js';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/pool.js';
import type { WebhookEmitter } from '../events/index.js';
import type { Logger } from '../log.js';
import { getCampaign } from '../api/resources/campaigns/service.js';
import { getLead } from '../api/resources/campaigns/leads.js';

export type CampaignUpdateEvent = 'lead-outcome' | 'campaign-completed' | 'campaign-paused';

export class CampaignNotifier {
  constructor(
    private readonly o: { db: Db; emitter: WebhookEmitter; secrets: SecretBox; log: Logger },
  ) {}

  /** Never throws: a webhook problem must not stop the dialer. */
  async notify(orgId: string, campaignId: string, event: CampaignUpdateEvent, leadId?: string): Promise<void> {
    try {
      const campaign = await getCampaign(this.o.db, orgId, campaignId);
      if (!campaign.agent_id) return;
      const agent = await loadAgent(this.o.db, this.o.secrets, orgId, campaign.agent_id);
      if (!agent?.webhook_url || !agent.webhook_events.includes('campaign-update')) return;
      const lead = leadId ? await getLead(this.o.db, orgId, leadId) : null;
      const payload = {
        message: { type: 'campaign-update', timestamp: new Date().toISOString(), event, campaign, ...(lead && { lead }) },
      };
      const settings = { url: agent.webhook_url, secret: agent.webhook_secret, events: agent.webhook_events, format: agent.webhook_format ?? 'camel' };
      await this.o.emitter.emit({ orgId, agentId: campaign.agent_id, callId: null }, settings, 'campaign-update', payload);
    } catch (err) {
      this.o.log.warn({ err, campaignId, event }, 'campaign-update webhook could not be queued');
    }
  }
}
