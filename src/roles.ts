/**
 * What each role starts on a node (DESIGN §2), one line per part. Starters run in the order of
 * ROLE_ORDER (sip, worker, api) and register their own stop hooks on the node; parts that the
 * API needs put themselves into `node.services` and health probes into `node.health`.
 */
import { startPostCallRole } from './analysis/index.js';
import { startApiRole } from './api/role.js';
import type { Role } from './config.js';
import { startWebhookWorker, webhooksFor } from './events/index.js';
import type { RoleStarter } from './node.js';
import { startTelephony } from './telephony/index.js';
import { startCampaignDialer } from './campaigns/index.js';
import { startRemoteCalls } from './telephony/remote.js';
import { startMetrics } from './metrics/index.js';
import { startRetentionPurge } from './retention/index.js';

export const ROLE_STARTERS: Readonly<Record<Role, readonly RoleStarter[]>> = {
  // Metrics on every role (idempotent): after telephony, so its calls are counted. The dialer places
  // calls from this node, so it runs where the SIP stack and media are.
  sip: [startTelephony, startMetrics, async (node) => void (await startCampaignDialer(node))],
  worker: [
    startMetrics,
    startWebhookWorker,
    startPostCallRole, // post-call analysis, end-of-call reports, notification e-mails
    startRetentionPurge, // transcripts, recordings and call metadata past the organization's retention
  ],
  // The webhook queue first: the deliveries API replays through it.
  // Call control reaches the owning node from an API-only node too.
  api: [async (node) => void webhooksFor(node), startRemoteCalls, startMetrics, startApiRole],
};
