/**
 * The REST resources under /api/v1, one line each. Every plugin registered here runs behind the
 * API-key auth and the per-key rate limit (app.ts), and `request.org` is set in its handlers.
 */
import type { ApiPlugin } from '../plugin.js';
import { organizationRoutes } from './organization/routes.js';
import { agentRoutes } from './agents/routes.js';
import { toolTemplateRoutes } from './tool-templates/routes.js';
import { analysisTemplateRoutes } from './analysis-templates/routes.js';
import { voiceRoutes } from './voices/routes.js';
import { byokRoutes } from './byok/routes.js';
import { webhookDeliveryRoutes } from './webhook-deliveries/routes.js';
import { numberRoutes } from './numbers/routes.js';
import { sipTrunkRoutes } from './sip-trunks/routes.js';
import { domainRoutes } from './domains/routes.js';
import { campaignRoutes } from './campaigns/routes.js';
import { dncRoutes } from './dnc/routes.js';
import { callRoutes } from './calls/routes.js';
import { liveCallRoutes } from './calls/live.js';
import { usageRoutes } from './usage/routes.js';

export const resourcePlugins: readonly ApiPlugin[] = [
  organizationRoutes,
  agentRoutes,
  toolTemplateRoutes,
  analysisTemplateRoutes,
  voiceRoutes,
  byokRoutes,
  webhookDeliveryRoutes,
  numberRoutes,
  sipTrunkRoutes,
  domainRoutes,
  campaignRoutes,
  dncRoutes,
  callRoutes,
  liveCallRoutes,
  usageRoutes,
];
