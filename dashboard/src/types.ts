/** The shapes the dashboard reads from the engine (GET /api/v1/…, the live feed). */
import type { TurnLatency } from '../../media/protocol';

export interface Organization {
  id: string;
  name: string;
}

export interface Session {
  key: string;
  admin: boolean;
  organizations: Organization[];
}

export type { LiveCall, LiveEvent, ToolRun } from '../../src/dashboard/wire';
export type { TurnLatency } from '../../media/protocol';

export interface CallSummary {
  id: string;
  direction: string;
  status: string;
  end_reason: string | null;
  error: string | null;
  caller_phone: string | null;
  assistant_phone: string | null;
  agent_id: string | null;
  agent_name: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  summary: string | null;
  recording_url: string | null;
  sip_status: number | null;
  created_at: string;
}

export interface ToolCall {
  id: string;
  function: { name: string; arguments: unknown };
}

export interface Message {
  role: 'system' | 'assistant' | 'user' | 'tool';
  content: string;
  interrupted: boolean;
  started_at: string | null;
  ended_at: string | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface CallLatency {
  turns: TurnLatency[];
  bargeIns?: Array<{ onsetToLastRtpMs: number; confirmed: boolean }>;
  summary?: Record<string, { p50: number; p95: number; count: number }>;
}

export interface CallDetail extends CallSummary {
  messages: Message[];
  latency: CallLatency | null;
}

export interface Delivery {
  id: string;
  event_type: string;
  url: string;
  status: string;
  synchronous: boolean;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

export interface Agent {
  id: string;
  name: string;
  business_name: string | null;
  is_active?: boolean;
  llm_config: { provider?: string; model?: string } | null;
}

export interface PhoneNumber {
  id: string;
  phone_number: string;
  name: string | null;
  agent_id: string | null;
  agent_name: string | null;
  is_active: boolean;
}

