/**
 * Calls the engine refuses or cannot give an agent, each with the answer a carrier or caller
 * understands (DESIGN §3 step 2): unknown number 404, no or inactive agent 480, a source that is
 * not a trunk 403, over the org's concurrency limit 486, draining 503 — and calls it answers only
 * to say why: no credits, no provider key, an agent it cannot run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffer, isSipError } from '../../sip/index.js';
import { createOrganization } from '../../src/api/admin/service.js';
import { startTestEngine, type TestEngine } from './engine.js';
import { endedCall, eventually, hungUpByEngine, latestCall, voiced, webhookMessages } from './helpers.js';
import { TestPhone } from './phone.js';

async function sipStatusOf(phone: TestPhone, target: string): Promise<number> {
  try {
    await phone.dial(target, '+31612340000');
    return 200;
  } catch (err) {
    if (isSipError(err)) return err.status;
    throw err;
  }
}

describe('refused and announced calls', () => {
  let engine: TestEngine;
  let phone: TestPhone;
  const at = (n: string) => `${n}@127.0.0.1:${engine.sipPort}`;
  let trunk: Promise<void> | null = null;
  /** Makes the phone's address a trunk host (once), so its calls are accepted. */
  const allowPhone = () =>
    (trunk ??= (async () => {
      await engine.post('sip-trunks', { name: 'Local PBX', host: '127.0.0.1' });
      await eventually(() => engine.telephony.allows('127.0.0.1'), 5_000, 'the allow-list to include the trunk host');
    })());

  beforeAll(async () => {
    // The phone (127.0.0.1) is not in SIP_TRUNK_ALLOW; it becomes a trunk host below. No OpenAI key.
    engine = await startTestEngine({ env: { SIP_TRUNK_ALLOW: '10.99.0.0/16', ORG_MAX_CONCURRENT_CALLS: '1', OPENAI_API_KEY: '' } });
    phone = await TestPhone.start();
  });
  afterAll(async () => {
    await phone?.close();
    await engine?.close();
  });

  it('answers 403 to a source that is not a trunk, and takes calls once its address is a trunk host', async () => {
    await engine.agentWithNumber('+31850000001');
    expect(await sipStatusOf(phone, at('+31850000001'))).toBe(403);
    await allowPhone();
    expect(await sipStatusOf(phone, at('+31850000001'))).toBe(200);
    await phone.hangup();
    await endedCall(engine);
  });

  it("lets a trunk host call only its own organization's numbers: another tenant's number gets 403 without 100 Trying", async () => {
    await engine.agentWithNumber('+31850000010');
    const other = await createOrganization(engine.database.db, { name: 'Other tenant', minutes_balance: null });
    const asOther = { authorization: `Bearer ${other.api_key}` };
    const trunk = await engine.api.inject({ method: 'POST', url: '/api/v1/sip-trunks', headers: asOther, payload: { name: 'Their PBX', host: '127.0.0.5' } });
    expect(trunk.statusCode).toBe(201);
    await eventually(() => engine.telephony.allows('127.0.0.5'), 5_000, "the allow-list to include the other tenant's trunk");
    const intruder = await TestPhone.start('127.0.0.5');
    try {
      const provisional: number[] = [];
      const offer = createOffer({ address: '127.0.0.5', port: intruder.rtpPort, codecs: ['PCMU'], sessionId: '1', version: 1 });
      const outcome = await intruder.ua.createUAC(`sip:${at('+31850000010')}`, { localSdp: offer, callingNumber: '+31612349999' }, { onProvisional: (r) => provisional.push(r.status) });
      expect(outcome.ok ? 200 : outcome.error.status).toBe(403);
      expect(provisional).toEqual([]);
      const { rows } = await engine.database.db.query(`SELECT 1 FROM calls WHERE assistant_phone = '+31850000010'`);
      expect(rows).toHaveLength(0);
    } finally {
      await intruder.close();
    }
  });

  it("an inbound-only trunk's inbound_addresses may call that organization's numbers", async () => {
    await engine.agentWithNumber('+31850000011');
    const trunk = await engine.api.inject({
      method: 'POST',
      url: '/api/v1/sip-trunks',
      headers: { authorization: `Bearer ${engine.apiKey}` },
      payload: { name: 'Carrier (inbound)', inbound_addresses: ['127.0.0.6'] },
    });
    expect(trunk.statusCode).toBe(201);
    await eventually(() => engine.telephony.allows('127.0.0.6'), 5_000, 'the inbound address to be allowed');
    const carrier = await TestPhone.start('127.0.0.6');
    try {
      expect(await sipStatusOf(carrier, at('+31850000011'))).toBe(200);
      await carrier.hangup();
      await endedCall(engine);
    } finally {
      await carrier.close();
    }
  });

  it('answers 404 for an unknown number and 480 for a number without an active agent', async () => {
    await allowPhone();
    expect(await sipStatusOf(phone, at('+31850000099'))).toBe(404);
    await engine.post('numbers', { phone_number: '+31850000002' });
    expect(await sipStatusOf(phone, at('+31850000002'))).toBe(480);
    const { agentId } = await engine.agentWithNumber('+31850000003');
    await engine.api.inject({ method: 'PATCH', url: `/api/v1/agents/${agentId}`, headers: { authorization: `Bearer ${engine.apiKey}` }, payload: { is_active: false } });
    expect(await sipStatusOf(phone, at('+31850000003'))).toBe(480);
  });

  it('answers 486 when the organization is at its concurrent call limit', async () => {
    await allowPhone();
    await engine.agentWithNumber('+31850000004');
    const second = await TestPhone.start();
    try {
      expect(await sipStatusOf(phone, at('+31850000004'))).toBe(200);
      expect(await sipStatusOf(second, at('+31850000004'))).toBe(486);
      await phone.hangup();
      await endedCall(engine);
      expect(await sipStatusOf(second, at('+31850000004'))).toBe(200);
      await second.hangup();
      await endedCall(engine);
    } finally {
      await second.close();
    }
  });

  it('plays the apology and ends ended-with-error when a provider the agent needs has no key', async () => {
    await allowPhone();
    await engine.agentWithNumber('+31850000005', {
      llm_config: { provider: 'openai_realtime', model: 'gpt-realtime', voice: 'marin', messages: [{ role: 'system', content: 'Hi' }] },
    });
    await engine.agentWithNumber('+31850000006', { llm_config: { provider: 'openai', model: 'gpt-4o-mini' } });
    for (const [number, error] of [
      ['+31850000005', /no API key for openai/],
      // A pipeline agent whose STT (Deepgram) has neither a BYOK nor a platform key here.
      ['+31850000006', /no API key for .*deepgram/],
    ] as const) {
      const caller = await TestPhone.start();
      try {
        await caller.dial(at(number), '+31612340001');
        await hungUpByEngine(caller);
        expect(voiced(caller.heard).length * 20).toBeGreaterThan(3_000);
        const row = await endedCall(engine);
        expect(row).toMatchObject({ status: 'ended-with-error', end_reason: 'provider-error' });
        expect(row.error).toMatch(error);
      } finally {
        await caller.close();
      }
    }
  }, 40_000);

  it('tells a caller of an org without credits why, logs the call rejected, and bills nothing', async () => {
    await allowPhone();
    const { agentId } = await engine.agentWithNumber('+31850000007');
    await engine.database.db.query(`UPDATE organizations SET minutes_balance = 0 WHERE id = $1`, [engine.orgId]);
    try {
      await phone.dial(at('+31850000007'), '+31612340002');
      await hungUpByEngine(phone);
      expect(voiced(phone.heard).length).toBeGreaterThan(100);
      const row = await endedCall(engine);
      expect(row).toMatchObject({ status: 'rejected', end_reason: 'rejected', agent_id: agentId });
      const usage = await engine.database.db.query(`SELECT 1 FROM usage_logs WHERE call_id = $1`, [row.id]);
      expect(usage.rowCount).toBe(0);
      await eventually(() => webhookMessages(engine, 'end-of-call-report', row.id).length === 1, 10_000, 'the report');
    } finally {
      await engine.database.db.query(`UPDATE organizations SET minutes_balance = NULL WHERE id = $1`, [engine.orgId]);
    }
  }, 30_000);

  it('drains: new calls get 503 while a live call goes on until it ends', async () => {
    await allowPhone();
    await engine.agentWithNumber('+31850000008');
    const caller = await TestPhone.start();
    try {
      expect(await sipStatusOf(caller, at('+31850000008'))).toBe(200);
      await eventually(async () => (await latestCall(engine))?.status === 'in-progress', 5_000, 'the call to be in progress');
      const live = (await latestCall(engine))!;
      let drained = false;
      const draining = engine.telephony.drain(30_000).then(() => (drained = true));
      expect(await sipStatusOf(phone, at('+31850000008'))).toBe(503);
      expect(drained).toBe(false);
      expect((await latestCall(engine))!.status).toBe('in-progress');
      await caller.hangup();
      await draining;
      expect(drained).toBe(true);
      expect((await endedCall(engine)).id).toBe(live.id);
    } finally {
      await caller.close();
    }
  }, 30_000);
});
