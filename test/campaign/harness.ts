/**
 * A campaign test's engine: the in-process engine of the call tests, an agent with a caller-ID
 * number, a default outbound trunk pointed at a SIPp callee, and the dialer on a clock the test
 * sets. The dialer's own timer is parked (one pass an hour): tests run passes with `pass()`, so
 * what the clock says is what the dialer sees.
 */
import { expect } from 'vitest';
import { startCampaignDialer, ManualClock, type CampaignDialer } from '../../src/campaigns/index.js';
import { startTestEngine, type TestEngine } from '../call/engine.js';
import type { FakeServerOptions } from '../fakes/realtime-server.js';
import { eventually } from '../call/helpers.js';

export const CALLER_ID = '+31850000100';

export interface CampaignHarness {
  engine: TestEngine;
  dialer: CampaignDialer;
  clock: ManualClock;
  agentId: string;
  numberId: string;
  /** Points the org's default outbound trunk at a callee port. */
  trunkAt(port: number, callsPerSecond?: number): Promise<void>;
  createCampaign(fields: Record<string, unknown>, leads: Array<Record<string, unknown>>): Promise<Campaign>;
  campaign(id: string): Promise<Campaign>;
  leads(id: string): Promise<Lead[]>;
  patch(id: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }>;
  /** One dialer pass, then waits until every lead it claimed has its call placed. */
  pass(): Promise<void>;
  /** Waits until no lead of the campaign is being called. */
  settled(id: string, timeoutMs?: number): Promise<Lead[]>;
  close(): Promise<void>;
}

export interface Campaign {
  id: string;
  status: string;
  paused_reason: string | null;
  total_leads: number;
  completed_leads: number;
  failed_leads: number;
  calling_leads: number;
  pending_leads: number;
  skipped_leads: number;
}

export interface Lead {
  id: string;
  phone_number: string;
  variables: Record<string, string>;
  status: string;
  attempts: number;
  call_id: string | null;
  last_result: string | null;
  last_error: string | null;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
}

export async function startCampaignHarness(
  options: { clock?: string; env?: Record<string, string>; minutesBalance?: number | null; agent?: Record<string, unknown>; ringTimeoutSeconds?: number; realtime?: FakeServerOptions } = {},
): Promise<CampaignHarness> {
  const engine = await startTestEngine({ env: { CAMPAIGN_INBOUND_RESERVE: '0', RATE_LIMIT_PER_MINUTE: '1000000', ...options.env }, minutesBalance: options.minutesBalance, realtime: options.realtime });
  const { agentId, numberId } = await engine.agentWithNumber(CALLER_ID, { first_message: 'Hello, this is Acme calling.', ...options.agent });
  const clock = new ManualClock(options.clock ?? '2026-06-01T09:00:00Z');
  const dialer = (await startCampaignDialer(engine.node, { clock, tickMs: 3_600_000, ringTimeoutSeconds: options.ringTimeoutSeconds ?? 3 }))!;
  const auth = { authorization: `Bearer ${engine.apiKey}` };
  let trunkId: string | null = null;

  async function inject(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
    const res = await engine.api.inject({ method, url: `/api/v1/${url}`, headers: auth, ...(payload !== undefined && { payload: payload as object }) });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  }

  const leads = async (id: string) => (await inject('GET', `campaigns/${id}/leads`)).body.leads as Lead[];
  const harness: CampaignHarness = {
    engine,
    dialer,
    clock,
    agentId,
    numberId,
    async trunkAt(port, callsPerSecond = 100) {
      const body = { name: 'Carrier', host: '127.0.0.1', port, is_default_outbound: true, calls_per_second: callsPerSecond };
      const res = trunkId ? await inject('PATCH', `sip-trunks/${trunkId}`, body) : await inject('POST', 'sip-trunks', body);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      trunkId ??= (res.body.trunk as { id: string }).id;
    },
    async createCampaign(fields, list) {
      const res = await inject('POST', 'campaigns', { name: 'Reminders', agent_id: agentId, status: 'scheduled', schedule_start_time: '00:00:00', schedule_end_time: '23:59:59', timezone: 'UTC', ...fields, leads: list });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.campaign as Campaign;
    },
    async campaign(id) {
      return (await inject('GET', `campaigns/${id}`)).body.campaign as Campaign;
    },
    leads,
    patch: (id, body) => inject('PATCH', `campaigns/${id}`, body),
    async pass() {
      await dialer.tick();
    },
    async settled(id, timeoutMs = 20_000) {
      await eventually(async () => (await leads(id)).every((l) => l.status !== 'calling'), timeoutMs, 'every lead attempt to end');
      return leads(id);
    },
    async close() {
      await dialer.stop();
      await engine.close();
    },
  };
  return harness;
}
