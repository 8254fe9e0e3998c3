/**
 * The latency waterfall on the call object (`GET /api/v1/calls/{id}` → `latency`) and the pure
 * functions the call owner applies to `call.ended` (src/telephony/media-report.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEnded, CallLatency } from '../../media/index.js';
import { isBillable, latencyRecord, withLatency } from '../../src/telephony/media-report.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';

const LATENCY: CallLatency = {
  turns: [
    { turn: 1, engine: 'pipeline', endOfTurnMs: 520, llmRequestMs: 521, llmFirstTokenMs: 640, llmFirstSentenceMs: 700, ttsRequestMs: 701, ttsFirstAudioMs: 790, firstRtpMs: 806, interrupted: false },
  ],
  bargeIns: [{ onsetToLastRtpMs: 84, confirmed: true }],
  summary: { firstRtpMs: { p50: 806, p95: 806, count: 1 }, bargeIn: { p50: 84, p95: 84, count: 1 } },
};

const ended = (over: Partial<CallEnded>): CallEnded => ({ type: 'call.ended', callId: 'c', reason: 'stopped', usage: {}, quality: null, recording: null, messages: [], ...over });

describe('call latency', () => {
  let t: TestApp;
  let a: TestOrg;

  beforeAll(async () => {
    t = await buildTestApp();
    a = await t.createOrg();
  });
  afterAll(() => t?.close());

  it('GET /calls/{id} returns the stored waterfall, and null for calls without one', async () => {
    const insert = async (latency: CallLatency | null) =>
      (await t.db.query<{ id: string }>("INSERT INTO calls (org_id, direction, status, latency) VALUES ($1, 'inbound', 'ended', $2) RETURNING id", [a.org.id, latency && JSON.stringify(latency)])).rows[0].id;
    const withIt = await insert(LATENCY);
    const without = await insert(null);
    const get = (id: string) => t.app.inject({ method: 'GET', url: `/api/v1/calls/${id}`, headers: t.auth(a.apiKey) });
    expect((await get(withIt)).json().latency).toEqual(LATENCY);
    expect((await get(without)).json().latency).toBeNull();
  });

  it('the owner stores the waterfall of call.ended and skips billing calls that never reached an agent', () => {
    expect(latencyRecord(ended({ latency: LATENCY }))).toEqual(LATENCY);
    expect(latencyRecord(ended({ latency: { turns: [], bargeIns: [], summary: {} } }))).toBeNull();
    expect(latencyRecord(null)).toBeNull();
    expect(isBillable(ended({ agentReached: false }))).toBe(false);
    expect(isBillable(ended({ agentReached: true }))).toBe(true);
    expect(isBillable(null)).toBe(true);
    const payload: { message: Record<string, unknown> } = { message: { type: 'end-of-call-report' } };
    expect(withLatency(payload, LATENCY).message.latency).toEqual(LATENCY);
  });
});
