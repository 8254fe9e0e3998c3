/**
 * When the dialer dials, with SIPp as trunk and callees and the clock in the test's hand: only
 * inside the window and on the listed days, in the campaign's or the lead's own time zone, on
 * both sides of a daylight-saving change; never above max_concurrent_calls (measured from SIPp's
 * log); pause stops new dials while calls finish, scheduled resumes, cancel skips the rest; a
 * lead being called cannot be removed; do-not-call numbers are skipped (also ones the agent put
 * there with addToDoNotCall); no credits pauses the campaign with a reason until it is
 * scheduled again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../src/api/admin/service.js';
import { rejectScenario } from '../interop/sipp-runner.js';
import { eventually } from '../call/helpers.js';
import { answerScenario, SippCallee } from './callee.js';
import { startCampaignHarness, type CampaignHarness } from './harness.js';

describe('campaign dialing rules (SIPp callees, hand-set clock)', () => {
  let h: CampaignHarness;
  let callee: SippCallee | null = null;

  beforeAll(async () => {
    h = await startCampaignHarness();
  });
  afterEach(async () => {
    await callee?.stop();
    callee = null;
  });
  afterAll(async () => {
    await h?.close();
  });

  async function calleeFor(scenario: string, extraArgs: string[] = []): Promise<SippCallee> {
    callee = await SippCallee.start(scenario, extraArgs);
    await h.trunkAt(callee.port);
    return callee;
  }

  async function dialsTo(number: string): Promise<number> {
    return (await callee!.stats()).invitesByNumber.get(number)?.size ?? 0;
  }

  /** A pass, then: when `expected` dials were made, waits for them at SIPp and for the attempts to end. */
  async function passExpecting(campaignId: string, number: string, expected: number) {
    await h.pass();
    await eventually(async () => (await dialsTo(number)) >= expected, 10_000, `dial ${expected} to ${number}`);
    await h.settled(campaignId);
    expect(await dialsTo(number)).toBe(expected);
  }

  it('dials inside the window and days only, in the campaign zone and in a lead’s own zone, across the DST change', async () => {
    await calleeFor(await rejectScenario(486, 'Busy Here'));
    const AMS = '+31612100001';
    const NYC = '+12125550101';
    const campaign = await h.createCampaign(
      { timezone: 'Europe/Amsterdam', schedule_start_time: '09:00', schedule_end_time: '09:30', schedule_days: ['mon', 'tue', 'wed', 'thu', 'fri'], max_attempts: 2, retry_delay_minutes: 0 },
      [{ phone_number: AMS }, { phone_number: NYC, variables: { timezone: 'america/new_york' } }],
    );
    const [, nycLead] = await h.leads(campaign.id);
    expect(nycLead.phone_number).toBe(NYC);
    expect(nycLead.variables.timezone).toBe('America/New_York');
    const bad = await h.engine.api.inject({
      method: 'POST',
      url: `/api/v1/campaigns/${campaign.id}/leads`,
      headers: { authorization: `Bearer ${h.engine.apiKey}` },
      payload: { phone_number: '+31612100009', variables: { timezone: 'Mars/Olympus_Mons' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid_request', param: 'variables.timezone' });

    // Saturday 28 March, 09:10 in Amsterdam: not a calling day.
    h.clock.set('2026-03-28T08:10:00Z');
    await passExpecting(campaign.id, AMS, 0);
    // Friday 27 March, 08:10 UTC = 09:10 CET: inside (New York: 04:10, outside).
    h.clock.set('2026-03-27T08:10:00Z');
    await passExpecting(campaign.id, AMS, 1);
    expect(await dialsTo(NYC)).toBe(0);
    // Monday 30 March, after the change: the same 08:10 UTC is 10:10 CEST, outside…
    h.clock.set('2026-03-30T08:10:00Z');
    await passExpecting(campaign.id, AMS, 1);
    // …and 07:10 UTC is 09:10 CEST, inside.
    h.clock.set('2026-03-30T07:10:00Z');
    await passExpecting(campaign.id, AMS, 2);
    // 09:10 in New York (EDT, UTC−4) on Monday: the lead's own zone opens.
    expect(await dialsTo(NYC)).toBe(0);
    h.clock.set('2026-03-30T13:10:00Z');
    await passExpecting(campaign.id, NYC, 1);
    const leads = await h.leads(campaign.id);
    expect(leads.map((l) => [l.status, l.attempts])).toEqual([
      ['failed', 2],
      ['pending', 1],
    ]);
    expect((await h.patch(campaign.id, { status: 'cancelled' })).status).toBe(200);
  });

  it('never more than max_concurrent_calls at once (SIPp side); pause stops new dials, scheduled resumes; a lead being called cannot be removed', async () => {
    const c = await calleeFor(await answerScenario(1200), ['-rtp_echo']);
    const numbers = Array.from({ length: 6 }, (_, i) => ({ phone_number: `+3161220000${i}` }));
    const campaign = await h.createCampaign({ max_concurrent_calls: 2, max_attempts: 1 }, numbers);

    await h.pass();
    await h.pass(); // at the limit: takes nothing
    await eventually(async () => (await c.inviteCount()) === 2, 10_000, 'two calls');
    const calling = (await h.leads(campaign.id)).filter((l) => l.status === 'calling');
    expect(calling).toHaveLength(2);
    expect((await h.campaign(campaign.id)).calling_leads).toBe(2);
    const removal = await h.engine.api.inject({
      method: 'DELETE',
      url: `/api/v1/campaigns/${campaign.id}/leads/${calling[0].id}`,
      headers: { authorization: `Bearer ${h.engine.apiKey}` },
    });
    expect(removal.statusCode).toBe(409);

    expect((await h.patch(campaign.id, { status: 'paused' })).status).toBe(200);
    await h.pass();
    await h.settled(campaign.id);
    expect((await h.leads(campaign.id)).filter((l) => l.status === 'completed')).toHaveLength(2); // the calls in progress finished
    await h.pass();
    expect(await c.inviteCount()).toBe(2);

    expect((await h.patch(campaign.id, { status: 'scheduled' })).status).toBe(200);
    await eventually(
      async () => {
        await h.pass();
        return (await h.campaign(campaign.id)).status === 'completed';
      },
      30_000,
      'the campaign to complete',
    );
    const stats = await c.stats();
    expect(stats.invites).toHaveLength(6);
    expect(stats.maxConcurrent).toBe(2);
    expect(await h.campaign(campaign.id)).toMatchObject({ completed_leads: 6, calling_leads: 0, pending_leads: 0 });
  }, 45_000);

  it('cancel: the calls in progress finish, the leads not yet called are skipped, nothing more is dialed', async () => {
    const c = await calleeFor(await answerScenario(800), ['-rtp_echo']);
    const campaign = await h.createCampaign({ max_concurrent_calls: 1 }, [{ phone_number: '+31612300001' }, { phone_number: '+31612300002' }]);
    await h.pass();
    await eventually(async () => (await c.inviteCount()) === 1, 10_000, 'the first call');
    expect((await h.patch(campaign.id, { status: 'cancelled' })).status).toBe(200);
    const leads = await h.settled(campaign.id);
    expect(leads.map((l) => l.status)).toEqual(['completed', 'skipped']);
    expect(leads[1].last_result).toBe('cancelled');
    await h.pass();
    expect(await c.inviteCount()).toBe(1);
    expect((await h.campaign(campaign.id)).status).toBe('cancelled');
  });

  it('do-not-call: listed numbers are skipped at dial time; the list is the org’s (GET/POST/DELETE /api/v1/dnc)', async () => {
    await calleeFor(await rejectScenario(486, 'Busy Here'));
    const auth = { authorization: `Bearer ${h.engine.apiKey}` };
    const add = await h.engine.api.inject({ method: 'POST', url: '/api/v1/dnc', headers: auth, payload: { phone_number: '+31 6 1240 0001', reason: 'asked by mail' } });
    expect(add.statusCode).toBe(201);
    expect(add.json().entry).toMatchObject({ phone_number: '+31612400001', source: 'api' });
    expect((await h.engine.api.inject({ method: 'POST', url: '/api/v1/dnc', headers: auth, payload: { phone_number: '+31612400001' } })).statusCode).toBe(200);
    expect((await h.engine.api.inject({ method: 'POST', url: '/api/v1/dnc', headers: auth, payload: { phone_number: 'not a number' } })).statusCode).toBe(400);

    const campaign = await h.createCampaign({ max_attempts: 1 }, [{ phone_number: '+31612400001' }, { phone_number: '+31612400002' }]);
    await passExpecting(campaign.id, '+31612400002', 1);
    expect(await dialsTo('+31612400001')).toBe(0);
    const [listed] = await h.leads(campaign.id);
    expect(listed).toMatchObject({ status: 'skipped', last_result: 'do-not-call', attempts: 0 });

    const list = await h.engine.api.inject({ method: 'GET', url: '/api/v1/dnc', headers: auth });
    const entries = list.json().dnc as Array<{ id: string; phone_number: string }>;
    expect(entries.map((e) => e.phone_number)).toContain('+31612400001');
    // Another organization neither sees nor removes it.
    const other = { authorization: `Bearer ${(await createOrganization(h.engine.database.db, { name: 'Other org', minutes_balance: null })).api_key}` };
    expect((await h.engine.api.inject({ method: 'GET', url: '/api/v1/dnc', headers: other })).json().dnc).toEqual([]);
    expect((await h.engine.api.inject({ method: 'DELETE', url: `/api/v1/dnc/${entries[0].id}`, headers: other })).statusCode).toBe(404);
    expect((await h.engine.api.inject({ method: 'DELETE', url: `/api/v1/dnc/${encodeURIComponent('+31612400001')}`, headers: auth })).statusCode).toBe(200);
    expect((await h.engine.api.inject({ method: 'DELETE', url: `/api/v1/dnc/${encodeURIComponent('+31612400001')}`, headers: auth })).statusCode).toBe(404);
  });

  it('addToDoNotCall: the agent puts a callee who asks on the list, and the next campaign skips the number', async () => {
    h.engine.realtime.setScript({ turns: [{ transcript: 'Please never call me again.', reply: { toolCall: { name: 'addToDoNotCall', arguments: { reason: 'asked not to be called' } } } }] });
    try {
      await calleeFor(await answerScenario(2500), ['-rtp_echo']);
      const first = await h.createCampaign({ max_attempts: 1 }, [{ phone_number: '+31612500001' }]);
      await h.pass();
      await eventually(
        async () => (await h.engine.database.db.query("SELECT 1 FROM dnc WHERE phone_number = '+31612500001' AND source = 'agent'")).rowCount === 1,
        15_000,
        'the agent to add the number',
      );
      await h.settled(first.id);
      const second = await h.createCampaign({ max_attempts: 1 }, [{ phone_number: '+31612500001' }]);
      await h.pass();
      expect((await h.leads(second.id))[0]).toMatchObject({ status: 'skipped', last_result: 'do-not-call' });
      expect(await dialsTo('+31612500001')).toBe(1);
    } finally {
      h.engine.realtime.setScript({});
    }
  }, 30_000);

  it('no credits: the campaign pauses with a reason and dials nothing; credits added and scheduled again, it dials', async () => {
    await calleeFor(await rejectScenario(486, 'Busy Here'));
    const db = h.engine.database.db;
    await db.query('UPDATE organizations SET minutes_balance = 0 WHERE id = $1', [h.engine.orgId]);
    try {
      const campaign = await h.createCampaign({ max_attempts: 1 }, [{ phone_number: '+31612600001' }]);
      await h.pass();
      const paused = await h.campaign(campaign.id);
      expect(paused.status).toBe('paused');
      expect(paused.paused_reason).toMatch(/^insufficient_credits/);
      await db.query('UPDATE organizations SET minutes_balance = 10 WHERE id = $1', [h.engine.orgId]);
      await h.pass();
      expect(await dialsTo('+31612600001')).toBe(0); // paused stays paused until the user schedules it
      expect((await h.patch(campaign.id, { status: 'scheduled' })).body.campaign).toMatchObject({ status: 'scheduled', paused_reason: null });
      await passExpecting(campaign.id, '+31612600001', 1);
    } finally {
      await db.query('UPDATE organizations SET minutes_balance = NULL WHERE id = $1', [h.engine.orgId]);
    }
  });

  it('a draft is not dialed; a claim that never got a call (its node died between claim and dial) expires as a failed attempt and is retried', async () => {
    await calleeFor(await rejectScenario(486, 'Busy Here'));
    // A draft is never dialed.
    const draft = await h.createCampaign({ status: 'draft' }, [{ phone_number: '+31612700002' }]);
    await h.pass();
    expect((await h.leads(draft.id))[0]).toMatchObject({ status: 'pending', attempts: 0 });
    const campaign = await h.createCampaign({ max_attempts: 2, retry_delay_minutes: 30 }, [{ phone_number: '+31612700001' }]);
    const db = h.engine.database.db;
    // What a node leaves when it dies right after claiming: calling, attempt 1, no call row.
    await db.query("UPDATE leads SET status = 'calling', attempts = 1, claimed_by = 'gone', claimed_at = now() - interval '3 minutes' WHERE campaign_id = $1", [campaign.id]);
    await h.pass();
    const [lead] = await h.leads(campaign.id);
    expect(lead).toMatchObject({ status: 'pending', attempts: 1, last_result: 'expired' });
    expect(new Date(lead.next_attempt_at!).getTime() - h.clock.now().getTime()).toBe(30 * 60_000);
    expect(await dialsTo('+31612700001')).toBe(0);
    h.clock.advance(30 * 60_000);
    await passExpecting(campaign.id, '+31612700001', 1);
    expect((await h.leads(campaign.id))[0]).toMatchObject({ status: 'failed', attempts: 2, last_result: 'busy' });
    expect(await dialsTo('+31612700002')).toBe(0);
  });
});
