/**
 * What a node says about each call it owns right now (the metrics' active-call gauge, the
 * dashboard's live list). Read from the call owners in memory: no database round trip.
 */
import type { CallOwner } from './owner.js';

export interface LiveCallSummary {
  id: string;
  orgId: string;
  direction: 'inbound' | 'outbound';
  status: string;
  agentId: string | null;
  agentName: string;
  /** The caller (inbound) or the callee (outbound). */
  customerNumber: string | null;
  /** Our number: the dialed one (inbound) or the caller ID (outbound). */
  ourNumber: string | null;
}

export function summarizeCall(call: CallOwner): LiveCallSummary {
  return {
    id: call.id,
    orgId: call.orgId,
    direction: call.init.direction,
    status: call.status,
    agentId: call.agent.agentId,
    agentName: call.agent.name,
    customerNumber: call.init.customerNumber,
    ourNumber: call.init.number.phoneNumber,
  };
}
