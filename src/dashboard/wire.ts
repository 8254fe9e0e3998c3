/**
 * What the dashboard's endpoints send the browser. The dashboard's own sources import these types
 * (type-only, so nothing of the engine is bundled), so both sides read one definition.
 */

export interface LiveCall {
  id: string;
  org_id: string;
  org_name: string;
  direction: string;
  status: string;
  end_reason: string | null;
  agent_id: string | null;
  agent_name: string | null;
  caller_phone: string | null;
  assistant_phone: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  /** Who is talking right now, from the media worker's voice events (false when unknown). */
  speaking: { user: boolean; assistant: boolean };
}

export type LiveEvent =
  | { type: 'snapshot'; calls: LiveCall[] }
  | { type: 'call'; call: LiveCall }
  | { type: 'speech'; call_id: string; org_id: string; speaking: LiveCall['speaking'] };

/** A tool the agent ran during the call (the call's events; arguments and result as JSON text). */
export interface ToolRun {
  name: string;
  tool_call_id: string | null;
  duration_ms: number | null;
  arguments: string | null;
  result: string | null;
  error: string | null;
  at: string;
}
