/**
 * The media half of a transfer target's leg (a person the caller is handed to): no model runs on
 * it. Its audio only travels through the bridge to the caller's leg (the worker bridges the two
 * calls), so the logic has nothing to do but exist and report an empty result.
 */
import type { CallLogic, CallLogicFactory } from '../call/types.js';

/** `call.start.agent` for a transfer target's leg. */
export interface TransferTargetConfig {
  kind: 'transfer-target';
}

export function isTransferTarget(agent: unknown): agent is TransferTargetConfig {
  return agent !== null && typeof agent === 'object' && (agent as Partial<TransferTargetConfig>).kind === 'transfer-target';
}

export const createTransferTargetLogic: CallLogicFactory = (): CallLogic => ({
  close() {
    return { usage: {}, messages: [] };
  },
});
