/**
 * The agent runtime as a call-logic module. The media pool loads it in every worker thread by URL
 * (`MediaPool.start({ logicModule: agentLogicModule() })`) and calls its `createCallLogic` export
 * for each call; `src/` builds the `AgentRuntimeConfig` that travels in `call.start.agent`.
 */
import type { CallLogicFactory } from '../call/types.js';
import { createAgentLogic } from './agent-logic.js';
import { createAnnouncementLogic, isAnnouncement } from './announcement.js';
import { createTransferTargetLogic, isTransferTarget } from './transfer-target.js';

export { createAgentLogic, AgentStartError } from './agent-logic.js';
export type { AgentLogicDeps, AgentLogicOptions } from './agent-logic.js';
export {
  AGENT_PROVIDERS,
  AgentConfigError,
  END_CALL_TOOL,
  SILENCE_DEFAULTS,
  TRANSFER_CALL_TOOL,
  TURN_TAKING_DEFAULTS,
  parseAgentConfig,
} from './config.js';
export type {
  AgentMode,
  AgentSttConfig,
  AgentTtsConfig,
  TurnTakingConfig,
  AgentFunctionTool,
  AgentProvider,
  AgentRuntimeConfig,
  AgentSilenceConfig,
  AgentTool,
  AgentTransferDestination,
  AgentTurnDetection,
  AgentVoicemailConfig,
} from './config.js';
export { VOICEMAIL_INDICATORS, findVoicemailIndicator } from './voicemail.js';
export { PROVIDER_ERROR_REASON } from './failure.js';
export { LOCAL_VOICES, DEFAULT_LOCAL_VOICE, type LocalVoice } from '../speech/voices.js';
export { percentiles } from './turn-latency.js';
export type { ProviderFault } from './failure.js';

export { isAnnouncement, type Announcement, type AnnouncementConfig } from './announcement.js';

/**
 * The export the worker looks for (media/worker/runtime.ts `loadLogicFactory`): the agent, a
 * built-in announcement when the main thread could not give the call an agent, or a transfer
 * target's leg (no agent; its audio is bridged).
 */
export const createCallLogic: CallLogicFactory = (media, start, host) => {
  if (isAnnouncement(start.agent)) return createAnnouncementLogic(media, start, host);
  if (isTransferTarget(start.agent)) return createTransferTargetLogic(media, start, host);
  return createAgentLogic(media, start, host);
};

/**
 * The URL of this module, for `MediaPool.start({ logicModule })`: `index.ts` when running from
 * sources (tests), `dist/media/agent/index.js` when built.
 */
export function agentLogicModule(): URL {
  return new URL(import.meta.url);
}
