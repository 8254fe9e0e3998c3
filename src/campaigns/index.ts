/**
 * The campaign dialer on a node (issue #14). It runs with the `sip` role: a campaign call is
 * owned by the node that places it, so the dialer lives where the SIP user agent and the media
 * workers are. Several nodes may run it at once; claims in PostgreSQL keep each attempt to one
 * dial (store.ts).
 */
import { secretBoxFor } from '../api/deps.js';
import { webhooksFor } from '../events/index.js';
import type { VoxgateNode } from '../node.js';
import { CampaignDialer, type DialerOptions } from './dialer.js';

export { CampaignDialer, type DialerOptions, type DialerTelephony } from './dialer.js';
export { ManualClock, systemClock, type Clock } from './clock.js';

declare module '../api/deps.js' {
  interface ApiServices {
    dialer: CampaignDialer;
  }
}

export async function startCampaignDialer(node: VoxgateNode, overrides: Partial<DialerOptions> = {}): Promise<CampaignDialer | null> {
  const { config } = node;
  const telephony = node.services.telephony;
  if (!telephony || (!config.campaigns.enabled && Object.keys(overrides).length === 0)) return null;
  const dialer = new CampaignDialer({
    db: node.db,
    redis: node.redis,
    redisPrefix: config.redisPrefix,
    log: node.log.child({ part: 'dialer' }),
    telephony,
    emitter: webhooksFor(node).emitter,
    secrets: secretBoxFor(config),
    orgMaxConcurrent: config.calls.orgMaxConcurrent,
    inboundReserve: config.campaigns.inboundReserve,
    tickMs: config.campaigns.tickMs,
    ...overrides,
  });
  dialer.start();
  node.services.dialer = dialer;
  // While the node drains, the dialer places nothing (the service is draining) but still
  // resolves the attempts of calls that end; it stops before the SIP stack does.
  node.onStop('dialer', () => dialer.stop());
  return dialer;
}
