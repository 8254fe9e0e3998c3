/**
 * Outbound calls through a SIP trunk, with SIPp as the trunk (real UDP, real digest): the API
 * answers `dialing` at once; the trunk challenges with 401 and takes the retry; the callee
 * answers; the agent speaks to the callee's RTP endpoint and hears it; the call is controlled
 * and ends with our BYE. Busy, declined, no answer, a silent trunk and refused credentials each
 * end the call with their outcome, no usage row, and the webhooks.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { rejectScenario, runSipp, type SippResult } from '../interop/sipp-runner.js';
import { freePort } from '../helpers/ports.js';
import { startTestEngine, type TestEngine } from './engine.js';
import { callRow, eventually, voiced, webhookMessages } from './helpers.js';
import { RtpEndpoint } from './rtp-endpoint.js';

const CALLER_ID = '+31850000100';

const CALLEE = '+31612000001';

describe('outbound calls through a SIP trunk (SIPp as the trunk)', () => {
  let engine: TestEngine;
  let agentId: string;
  let numberId: string;
  let trunkId: string | null = null;

  beforeAll(async () => {
    engine = await startTestEngine({ realtime: { responseAudioMs: 1500 } });
    ({ agentId, numberId } = await engine.agentWithNumber(CALLER_ID, { first_message: 'Hello, this is Acme calling about your order.' }));
  });
  afterAll(async () => {
    await engine?.close();
  });

  /** Points the org's default outbound trunk at SIPp's port (with the credentials SIPp checks). */
  async function trunkAt(port: number, password = 's3cret'): Promise<void> {
    const body = { name: 'Carrier', host: '127.0.0.1', port, username: 'trunkuser', password, is_default_outbound: true };
    const res = trunkId
      ? await engine.api.inject({ method: 'PATCH', url: `/api/v1/sip-trunks/${trunkId}`, headers: { authorization: `Bearer ${engine.apiKey}` }, payload: body })
      : await engine.api.inject({ method: 'POST', url: '/api/v1/sip-trunks', headers: { authorization: `Bearer ${engine.apiKey}` }, payload: body });
    expect(res.statusCode).toBeLessThan(300);
    trunkId ??= (res.json() as { trunk: { id: string } }).trunk.id;
  }

  function outbound(body: Record<string, unknown>) {
    return engine.api.inject({ method: 'POST', url: '/api/v1/calls/outbound', headers: { authorization: `Bearer ${engine.apiKey}` }, payload: body });
  }

  function control(callId: string, body: Record<string, unknown>) {
    return engine.api.inject({ method: 'POST', url: `/api/v1/calls/${callId}/control`, headers: { authorization: `Bearer ${engine.apiKey}` }, payload: body });
  }

  /** Runs a SIPp scenario as the trunk and places one call to it once SIPp listens. */
  async function callThrough(scenario: string, extraArgs: string[], body: Record<string, unknown> = {}, password?: string) {
    let placed: Promise<{ callId: string; answeredAt: number; status: number; json: Record<string, unknown> }> | null = null;
    const sipp = runSipp({
      scenario,
      extraArgs,
      timeoutSeconds: 45,
      onStarted: (port) => {
        placed = (async () => {
          await trunkAt(port, password);
          const started = performance.now();
          const res = await outbound({ destination: CALLEE, agent_id: agentId, ...body });
          const json = res.json() as Record<string, unknown>;
          return { callId: json.call_id as string, answeredAt: performance.now() - started, status: res.statusCode, json };
        })();
      },
    });
    await eventually(() => placed !== null, 10_000, 'SIPp to start');
    return { placed: await placed!, sipp };
  }

  async function endedRow(callId: string) {
    await eventually(async () => (await callRow(engine, callId)).status !== 'connecting' && (await callRow(engine, callId)).status !== 'ringing' && (await callRow(engine, callId)).status !== 'in-progress', 20_000, 'the call to end');
    return callRow(engine, callId);
  }

  function expectSippOk(result: SippResult): void {
    if (result.code !== 0) throw new Error(`SIPp failed (${result.code}):\n${result.errors}`);
  }

  it('is answered through a trunk that challenges with 401: the agent and the callee hear each other, control commands act, end-call sends BYE', async () => {
    const callee = await RtpEndpoint.bind();
    callee.startOnFirstPacket();
    // The callee picks up and says "Hello?" at once: the agent must not talk over it.
    callee.say(mulawSpeech(600, { seed: 7 }));
    try {
      const { placed, sipp } = await callThrough('uas-outbound.xml', ['-set', 'rtpport', String(callee.port)], { metadata: { crm_id: 'A-17' } });
      expect(placed.status).toBe(201);
      expect(placed.json).toMatchObject({ success: true, status: 'dialing', room_name: expect.stringMatching(/^outbound-/) });
      const callId = placed.callId;
      await eventually(async () => (await callRow(engine, callId)).status === 'in-progress', 10_000, 'the call to be answered');

      // The greeting reaches the callee as RTP once their "Hello?" is over; their speech reaches the model.
      await eventually(() => voiced(callee.heard).length >= 10, 8_000, 'the greeting at the callee');
      const helloEnd = callee.sent.filter((f) => f.voiced).at(-1)!.at;
      expect(voiced(callee.heard)[0].at).toBeGreaterThan(helloEnd);
      callee.say(mulawSpeech(800));
      callee.say(mulawSilence(400), false);
      await eventually(() => engine.realtime.receivedAudio().length > 8 * 600, 8_000, "the callee's speech at the model");

      // inject-context reaches the model's conversation; say is heard as RTP.
      const injected = await control(callId, { type: 'inject-context', content: 'The verification code is 4711.' });
      expect(injected.statusCode).toBe(200);
      expect(injected.json()).toEqual({ success: true, message: 'Command sent successfully' });
      await engine.realtime.waitFor('conversation.item.create', {
        predicate: (e) => JSON.stringify(e.event).includes('4711'),
        timeoutMs: 5_000,
      });
      const beforeSay = performance.now();
      expect((await control(callId, { type: 'say', content: 'Your code is four seven one one.' })).statusCode).toBe(200);
      await eventually(() => voiced(callee.heardSince(beforeSay)).length >= 10, 8_000, 'the spoken line');

      // end-call: the message is spoken, then BYE (SIPp's scenario ends on it).
      const beforeEnd = performance.now();
      expect((await control(callId, { type: 'end-call', message: 'Goodbye!' })).statusCode).toBe(200);
      expectSippOk(await sipp);
      expect(voiced(callee.heardSince(beforeEnd)).length).toBeGreaterThan(5);

      const row = await endedRow(callId);
      expect(row).toMatchObject({ status: 'ended', caller_phone: CALLEE, assistant_phone: CALLER_ID, agent_id: agentId, number_id: numberId });
      expect(row.metadata).toEqual({ crm_id: 'A-17' });
      const usage = await engine.database.db.query(`SELECT 1 FROM usage_logs WHERE call_id = $1`, [callId]);
      expect(usage.rowCount).toBe(1);
      await eventually(() => webhookMessages(engine, 'end-of-call-report', callId).length === 1, 10_000, 'the report');
      const statuses = webhookMessages(engine, 'status-update', callId).map((m) => m.status);
      expect(statuses).toEqual(['in-progress', 'ended']);
      expect((webhookMessages(engine, 'end-of-call-report', callId)[0].call as { type: string }).type).toBe('outboundPhoneCall');
      expect((await control(callId, { type: 'say', content: 'too late' })).json()).toMatchObject({ error: 'call_not_active' });
    } finally {
      callee.close();
    }
  }, 90_000);

  it.each([
    { code: '486', reason: 'Busy Here', endReason: 'busy' },
    { code: '603', reason: 'Decline', endReason: 'declined' },
    { code: '480', reason: 'Temporarily Unavailable', endReason: 'no-answer' },
    { code: '503', reason: 'Service Unavailable', endReason: 'failed' },
  ])('a callee that answers $code ends the call failed / $endReason, unbilled, reported', async ({ code, reason, endReason }) => {
    const { placed, sipp } = await callThrough(await rejectScenario(Number(code), reason), []);
    expect(placed.status).toBe(201);
    expectSippOk(await sipp);
    const row = await endedRow(placed.callId);
    expect(row).toMatchObject({ status: 'failed', end_reason: endReason, duration_seconds: 0 });
    expect((await engine.database.db.query(`SELECT sip_status FROM calls WHERE id = $1`, [placed.callId])).rows[0].sip_status).toBe(Number(code));
    expect((await engine.database.db.query(`SELECT 1 FROM usage_logs WHERE call_id = $1`, [placed.callId])).rowCount).toBe(0);
    await eventually(() => webhookMessages(engine, 'status-update', placed.callId).some((m) => m.status === 'ended-with-error'), 10_000, 'the final status-update');
    expect(webhookMessages(engine, 'status-update', placed.callId).at(-1)).toMatchObject({ endReason: endReason });
  }, 60_000);

  it('a callee that never answers is CANCELed at the ring timeout: no-answer', async () => {
    const { placed, sipp } = await callThrough('uas-ring-forever.xml', [], { ring_timeout_seconds: 5 });
    expectSippOk(await sipp);
    const row = await endedRow(placed.callId);
    expect(row).toMatchObject({ status: 'failed', end_reason: 'no-answer' });
    expect(row.error).toMatch(/no answer within 5 s/);
  }, 60_000);

  it('a trunk that refuses the credentials fails the call with the reason, after one retry only', async () => {
    const { placed, sipp } = await callThrough('uas-always-401.xml', [], {}, 'wrong-password');
    expectSippOk(await sipp);
    const row = await endedRow(placed.callId);
    expect(row).toMatchObject({ status: 'failed', end_reason: 'failed' });
    expect(row.error).toMatch(/401 .*refused our credentials/);
  }, 60_000);

  it('a trunk that never responds (UDP black hole) fails the call at the ring timeout', async () => {
    await trunkAt(await freePort());
    const res = await outbound({ destination: CALLEE, agent_id: agentId, ring_timeout_seconds: 5 });
    expect(res.statusCode).toBe(201);
    const row = await endedRow((res.json() as { call_id: string }).call_id);
    expect(row).toMatchObject({ status: 'failed', end_reason: 'failed' });
    expect(row.error).toMatch(/did not respond/);
  }, 30_000);

  it('refuses bad requests with clear errors and places no call', async () => {
    const before = (await engine.database.db.query(`SELECT count(*)::int AS n FROM calls`)).rows[0].n;
    const cases: Array<[Record<string, unknown>, number, string, string?]> = [
      [{ destination: '0612345678', agent_id: agentId }, 400, 'invalid_phone_number', 'destination'],
      [{ destination: CALLEE }, 400, 'missing_field', 'agent_id'],
      [{ destination: CALLEE, agent_id: '00000000-0000-4000-8000-000000000000' }, 404, 'not_found', 'agent_id'],
      [{ destination: CALLEE, agent_id: agentId, number_id: '00000000-0000-4000-8000-000000000000' }, 404, 'not_found', 'number_id'],
      [{ destination: CALLEE, assistant: { llm_config: { provider: 'nope' } } }, 400, 'invalid_request', 'assistant.llm_config.provider'],
    ];
    for (const [body, status, error, param] of cases) {
      const res = await outbound(body);
      expect({ status: res.statusCode, ...(res.json() as object) }).toMatchObject({ status, error, ...(param && { param }) });
    }
    await engine.api.inject({ method: 'PATCH', url: `/api/v1/agents/${agentId}`, headers: { authorization: `Bearer ${engine.apiKey}` }, payload: { is_active: false } });
    expect((await outbound({ destination: CALLEE, agent_id: agentId })).json()).toMatchObject({ error: 'invalid_request', param: 'agent_id' });
    await engine.api.inject({ method: 'PATCH', url: `/api/v1/agents/${agentId}`, headers: { authorization: `Bearer ${engine.apiKey}` }, payload: { is_active: true } });
    await engine.database.db.query(`UPDATE organizations SET minutes_balance = 0 WHERE id = $1`, [engine.orgId]);
    try {
      const res = await outbound({ destination: CALLEE, agent_id: agentId });
      expect(res.statusCode).toBe(402);
      expect(res.json()).toMatchObject({ error: 'insufficient_credits' });
    } finally {
      await engine.database.db.query(`UPDATE organizations SET minutes_balance = NULL WHERE id = $1`, [engine.orgId]);
    }
    await engine.database.db.query(`UPDATE sip_trunks SET is_default_outbound = false WHERE org_id = $1`, [engine.orgId]);
    try {
      expect((await outbound({ destination: CALLEE, agent_id: agentId })).json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/no outbound SIP trunk/) });
    } finally {
      await engine.database.db.query(`UPDATE sip_trunks SET is_default_outbound = true WHERE org_id = $1`, [engine.orgId]);
    }
    expect((await engine.database.db.query(`SELECT count(*)::int AS n FROM calls`)).rows[0].n).toBe(before);
  });

  it('control answers 404 for unknown or foreign calls, 400 for a call that is not in progress, 400 for a command without content', async () => {
    const unknown = await control('00000000-0000-4000-8000-000000000000', { type: 'say', content: 'hi' });
    expect(unknown.statusCode).toBe(404);
    const { rows } = await engine.database.db.query<{ id: string }>(`SELECT id FROM calls WHERE status = 'failed' LIMIT 1`);
    const ended = await control(rows[0].id, { type: 'say', content: 'hi' });
    expect(ended.statusCode).toBe(400);
    expect(ended.json()).toMatchObject({ error: 'call_not_active' });
    expect((await control(rows[0].id, { type: 'say' })).json()).toMatchObject({ error: 'missing_field', param: 'content' });
    expect((await control(rows[0].id, { type: 'dance' })).statusCode).toBe(400);
  });
});
