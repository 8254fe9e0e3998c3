/**
 * Outcomes and retries of campaign leads, with SIPp as trunk and callee: busy and no-answer
 * leads are dialed again after their delay (a single delay, and widening delays) until
 * max_attempts, then failed; a voicemail greeting is retried; an invalid number is not; an
 * answered call completes the lead with a personalised system message, and the campaign
 * completes when nothing is left. Every count of dials is read from SIPp's own message log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mulawSpeech } from '../fakes/audio.js';
import { rejectScenario } from '../interop/sipp-runner.js';
import { callRow, eventually, webhookMessages } from '../call/helpers.js';
import { RtpEndpoint } from '../call/rtp-endpoint.js';
import { answerScenario, SippCallee } from './callee.js';
import { startCampaignHarness, type CampaignHarness } from './harness.js';

const MINUTE = 60_000;

describe('campaign outcomes and retries (SIPp callees)', () => {
  let h: CampaignHarness;
  let callee: SippCallee | null = null;

  beforeAll(async () => {
    h = await startCampaignHarness({ agent: { voicemail_detection: true, voicemail_message: '' } });
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

  /** One pass, then waits for SIPp to have seen `expected` INVITEs in total and the attempt to end. */
  async function dialAndSettle(campaignId: string, expected: number) {
    await h.pass();
    await eventually(async () => (await callee!.inviteCount()) >= expected, 15_000, `INVITE number ${expected} at SIPp`).catch(async (err: Error) => {
      throw new Error(`${err.message}: campaign ${JSON.stringify(await h.campaign(campaignId))} leads ${JSON.stringify(await h.leads(campaignId))} sipp ${callee!.output.slice(-500)}`);
    });
    return h.settled(campaignId);
  }

  it('busy: retried after retry_delay_minutes until max_attempts, then failed; the campaign completes', async () => {
    const c = await calleeFor(await rejectScenario(486, 'Busy Here'));
    const campaign = await h.createCampaign({ max_attempts: 3, retry_delay_minutes: 60 }, [{ phone_number: '+31612000001' }]);

    let [lead] = await dialAndSettle(campaign.id, 1);
    expect(lead).toMatchObject({ status: 'pending', attempts: 1, last_result: 'busy' });
    expect(new Date(lead.next_attempt_at!).getTime()).toBe(h.clock.now().getTime() + 60 * MINUTE);

    // Before the delay is over nothing is dialed.
    h.clock.advance(59 * MINUTE);
    await h.pass();
    expect((await h.leads(campaign.id))[0]).toMatchObject({ status: 'pending', attempts: 1 });

    h.clock.advance(MINUTE);
    [lead] = await dialAndSettle(campaign.id, 2);
    expect(lead).toMatchObject({ status: 'pending', attempts: 2, last_result: 'busy' });

    h.clock.advance(60 * MINUTE);
    [lead] = await dialAndSettle(campaign.id, 3);
    expect(lead).toMatchObject({ status: 'failed', attempts: 3, last_result: 'busy', next_attempt_at: null });

    h.clock.advance(600 * MINUTE);
    await h.pass();
    const stats = await c.stats();
    expect(stats.invitesByNumber.get('+31612000001')?.size).toBe(3);
    expect(await h.campaign(campaign.id)).toMatchObject({ status: 'completed', failed_leads: 1, completed_leads: 0, calling_leads: 0 });
    // Completed campaigns are read-only.
    expect((await h.patch(campaign.id, { status: 'scheduled' })).status).toBe(409);
  });

  it('no answer: CANCELed after the ring timeout, retried after widening delays, then failed', async () => {
    const c = await calleeFor('uas-ring-forever.xml');
    const campaign = await h.createCampaign({ max_attempts: 3, retry_delays_minutes: [5, 30] }, [{ phone_number: '+31612000002' }]);

    let [lead] = await dialAndSettle(campaign.id, 1);
    expect(lead).toMatchObject({ status: 'pending', attempts: 1, last_result: 'no-answer' });
    expect(new Date(lead.next_attempt_at!).getTime() - h.clock.now().getTime()).toBe(5 * MINUTE);

    h.clock.advance(5 * MINUTE);
    [lead] = await dialAndSettle(campaign.id, 2);
    expect(lead).toMatchObject({ status: 'pending', attempts: 2 });
    expect(new Date(lead.next_attempt_at!).getTime() - h.clock.now().getTime()).toBe(30 * MINUTE);

    h.clock.advance(30 * MINUTE);
    [lead] = await dialAndSettle(campaign.id, 3);
    expect(lead).toMatchObject({ status: 'failed', attempts: 3, last_result: 'no-answer' });
    const log = await c.log();
    expect(log.filter((e) => e.direction === 'received' && e.firstLine.startsWith('CANCEL')).length).toBe(3);
  }, 40_000);

  it('an invalid number (404) is not retried', async () => {
    const c = await calleeFor(await rejectScenario(404, 'Not Found'));
    const campaign = await h.createCampaign({ max_attempts: 3, retry_delay_minutes: 0 }, [{ phone_number: '+31612000003' }]);
    const [lead] = await dialAndSettle(campaign.id, 1);
    expect(lead).toMatchObject({ status: 'failed', attempts: 1, last_result: 'invalid-number' });
    await h.pass();
    expect(await c.inviteCount()).toBe(1);
  });

  it('answered: the lead completes; the call carries the personalised system message, campaign and lead ids and variables', async () => {
    const c = await calleeFor(await answerScenario(1500), ['-rtp_echo']);
    const campaign = await h.createCampaign(
      { system_message_template: 'You call {{name}} of {{company}} about the invoice.', max_attempts: 2 },
      [{ phone_number: '+31612000004', variables: { name: 'Jan', company: 'Acme BV' } }],
    );
    const [lead] = await dialAndSettle(campaign.id, 1);
    expect(lead).toMatchObject({ status: 'completed', attempts: 1, last_result: 'completed' });
    expect(await c.inviteCount()).toBe(1);

    const call = await callRow(h.engine, lead.call_id!);
    expect(call).toMatchObject({ status: 'ended', end_reason: 'customer-hangup', campaign_id: campaign.id, lead_id: lead.id });
    const row = await h.engine.database.db.query<{ metadata: Record<string, unknown> }>('SELECT metadata FROM calls WHERE id = $1', [lead.call_id]);
    expect(row.rows[0].metadata).toMatchObject({ campaign_id: campaign.id, lead_id: lead.id, variables: { name: 'Jan', company: 'Acme BV' } });

    const updates = h.engine.realtime.eventsOfType('session.update').map((e) => JSON.stringify(e.event));
    expect(updates.some((u) => u.includes('You call Jan of Acme BV about the invoice.'))).toBe(true);
    expect(updates.some((u) => u.includes('addToDoNotCall'))).toBe(true);

    await eventually(() => webhookMessages(h.engine, 'status-update', lead.call_id!).length > 0, 10_000, 'status-update');
    const status = webhookMessages(h.engine, 'status-update', lead.call_id!)[0];
    expect((status.assistant as { metadata: Record<string, unknown> }).metadata).toMatchObject({ campaign_id: campaign.id, lead_id: lead.id, variables: { name: 'Jan' } });
  });

  it('a placeholder the lead has no value for fails the lead with an error naming it, without a call', async () => {
    const c = await calleeFor(await answerScenario(500), ['-rtp_echo']);
    const campaign = await h.createCampaign({ system_message_template: 'Call {{name}} about {{topic}}.' }, [{ phone_number: '+31612000005', variables: { name: 'Piet' } }]);
    await h.pass();
    const [lead] = await h.settled(campaign.id);
    expect(lead).toMatchObject({ status: 'failed', attempts: 0, last_result: 'template-error' });
    expect(lead.last_error).toContain('{{topic}}');
    expect(lead.last_error).not.toContain('{{name}}');
    expect(await c.inviteCount()).toBe(0);
  });

  it('voicemail: the greeting is detected, the call ends as voicemail and the lead is retried', async () => {
    const rtp = await RtpEndpoint.bind();
    rtp.startOnFirstPacket();
    h.engine.realtime.setScript({ turns: [{ transcript: 'Hallo, u spreekt met de voicemail van Jan. Spreek een bericht in na de piep.' }] });
    try {
      await calleeFor(await answerScenario(8000, rtp.port));
      rtp.say(mulawSpeech(1200, { seed: 3 }));
      const campaign = await h.createCampaign({ max_attempts: 2, retry_delay_minutes: 15 }, [{ phone_number: '+31612000006' }]);
      const [lead] = await dialAndSettle(campaign.id, 1);
      expect(lead).toMatchObject({ status: 'pending', attempts: 1, last_result: 'voicemail' });
      expect((await callRow(h.engine, lead.call_id!)).end_reason).toBe('voicemail');
    } finally {
      h.engine.realtime.setScript({});
      rtp.close();
    }
  }, 40_000);

  it('campaign-update webhooks, for an agent that subscribes: each lead outcome, then the campaign completed', async () => {
    await calleeFor(await rejectScenario(486, 'Busy Here'));
    const auth = { authorization: `Bearer ${h.engine.apiKey}` };
    const patched = await h.engine.api.inject({
      method: 'PATCH',
      url: `/api/v1/agents/${h.agentId}`,
      headers: auth,
      payload: { webhook_events: ['status-update', 'end-of-call-report', 'campaign-update'] },
    });
    expect(patched.statusCode).toBe(200);
    try {
      const campaign = await h.createCampaign({ max_attempts: 1 }, [{ phone_number: '+31612000007' }]);
      await dialAndSettle(campaign.id, 1);
      await h.pass();
      const mine = () => webhookMessages(h.engine, 'campaign-update').filter((m) => (m.campaign as { id: string }).id === campaign.id);
      await eventually(() => mine().some((m) => m.event === 'campaign-completed'), 10_000, 'campaign-completed');
      const lead = mine().find((m) => m.event === 'lead-outcome')!;
      expect(lead.lead).toMatchObject({ phone_number: '+31612000007', status: 'failed', attempts: 1, last_result: 'busy' });
      expect(mine().find((m) => m.event === 'campaign-completed')!.campaign).toMatchObject({ status: 'completed', failed_leads: 1 });
      // The normal call webhooks carry the campaign and lead too (assistant.metadata).
      const [row] = await h.leads(campaign.id);
      await eventually(() => webhookMessages(h.engine, 'status-update', row.call_id!).length > 0, 10_000, 'status-update');
      const status = webhookMessages(h.engine, 'status-update', row.call_id!)[0];
      expect((status.assistant as { metadata: Record<string, unknown> }).metadata).toMatchObject({ campaign_id: campaign.id, lead_id: row.id });
    } finally {
      await h.engine.api.inject({ method: 'PATCH', url: `/api/v1/agents/${h.agentId}`, headers: auth, payload: { webhook_events: [] } });
    }
  });
});
