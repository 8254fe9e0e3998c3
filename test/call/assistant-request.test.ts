/**
 * The assistant-request webhook (flireo-api B §4.3) with every answer form: `{}` keeps the saved
 * agent, `assistant` overrides per block, `assistant_id` + `assistant_override` switches agent,
 * `maxDurationSeconds` caps the call, `error` is spoken and the call rejected, and a server that
 * does not answer within 5 s leaves the saved agent in charge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedClientEvent } from '../fakes/realtime-server.js';
import { startTestEngine, type TestEngine } from './engine.js';
import { endedCall, eventually, hungUpByEngine, latestCall, webhookMessages } from './helpers.js';
import { TestPhone } from './phone.js';

const NUMBER = '+31850000100';

describe('assistant-request', () => {
  let engine: TestEngine;
  let otherAgentId: string;

  beforeAll(async () => {
    engine = await startTestEngine();
    await engine.agentWithNumber(NUMBER, {
      first_message: 'Saved greeting.',
      webhook_events: ['assistant-request', 'status-update', 'end-of-call-report'],
    });
    const other = await engine.post<{ agent: { id: string } }>('agents', {
      name: 'Night shift',
      first_message: 'Night greeting.',
      llm_config: { provider: 'xai_realtime', model: 'grok-voice-latest', voice: 'rex', messages: [{ role: 'system', content: 'You are the night shift.' }] },
    });
    otherAgentId = other.agent.id;
  });
  afterAll(() => engine?.close());

  /** Calls, lets the greeting start, hangs up; returns the session the call's model saw. */
  async function call(hangup = true): Promise<{ sessionUpdate: Record<string, unknown>; firstResponse: RecordedClientEvent; phone: TestPhone }> {
    const from = engine.realtime.events.length;
    const phone = await TestPhone.start();
    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, '+31612349999');
    const update = await engine.realtime.waitFor('session.update', { from, timeoutMs: 5_000 });
    const firstResponse = await engine.realtime.waitFor('response.create', { from, timeoutMs: 5_000 });
    if (hangup) {
      await phone.hangup();
      await phone.close();
      await endedCall(engine);
    }
    return { sessionUpdate: update.event.session as Record<string, unknown>, firstResponse, phone };
  }

  const instructionsOf = (e: RecordedClientEvent) => ((e.event.response as { instructions?: string }) ?? {}).instructions ?? '';

  it('{} keeps the saved agent, and the webhook is signed and carries the ringing call', async () => {
    engine.receiver.onAssistantRequest({});
    const { sessionUpdate, firstResponse } = await call();
    expect(sessionUpdate).toMatchObject({ voice: 'ara' });
    expect(instructionsOf(firstResponse)).toContain('Saved greeting.');
    const request = await engine.receiver.waitFor('assistant-request');
    expect(request.signatureValid).toBe(true);
    expect((request.json as { message: Record<string, unknown> }).message).toMatchObject({
      type: 'assistant-request',
      pipeline: 'realtime',
      call: { type: 'inboundPhoneCall', status: 'ringing' },
      phoneNumber: { number: NUMBER },
      customer: { number: '+31612349999' },
    });
  });

  it('assistant overrides replace whole blocks and metadata is echoed in later webhooks', async () => {
    engine.receiver.onAssistantRequest({
      assistant: {
        firstMessage: 'Override greeting.',
        llm_config: { provider: 'xai_realtime', voice: 'eve', messages: [{ role: 'system', content: 'Override prompt.' }] },
        metadata: { crm_id: 'C-42' },
      },
    });
    const { sessionUpdate, firstResponse } = await call();
    expect(sessionUpdate).toMatchObject({ voice: 'eve' });
    expect(String(sessionUpdate.instructions)).toContain('Override prompt.');
    expect(instructionsOf(firstResponse)).toContain('Override greeting.');
    const row = (await latestCall(engine))!;
    expect(row.metadata).toMatchObject({ crm_id: 'C-42' });
    await eventually(() => webhookMessages(engine, 'end-of-call-report', row.id).length === 1, 10_000, 'the report');
    expect(webhookMessages(engine, 'end-of-call-report', row.id)[0].assistant).toMatchObject({ metadata: { crm_id: 'C-42' } });
  });

  it('assistant_id + assistant_override switches to another agent of the organization', async () => {
    engine.receiver.onAssistantRequest({ assistant_id: otherAgentId, assistant_override: { first_message: 'Night override.' } });
    const { sessionUpdate, firstResponse } = await call();
    expect(sessionUpdate).toMatchObject({ voice: 'rex' });
    expect(String(sessionUpdate.instructions)).toContain('You are the night shift.');
    expect(instructionsOf(firstResponse)).toContain('Night override.');
    expect((await latestCall(engine))!.agent_id).toBe(otherAgentId);
  });

  it('maxDurationSeconds ends the call when it runs out', async () => {
    engine.receiver.onAssistantRequest({ maxDurationSeconds: 2 });
    const { phone } = await call(false);
    try {
      await hungUpByEngine(phone, 10_000);
      const row = await endedCall(engine);
      expect(row).toMatchObject({ status: 'ended', end_reason: 'max-duration' });
      expect(row.duration_seconds).toBeGreaterThanOrEqual(1);
      expect(row.duration_seconds).toBeLessThanOrEqual(4);
    } finally {
      await phone.close();
    }
  });

  it('error: the text is spoken, then the call is rejected and not billed', async () => {
    engine.receiver.onAssistantRequest({ error: 'Sorry, we are closed today.' });
    const { firstResponse, phone, sessionUpdate } = await call(false);
    try {
      expect(instructionsOf(firstResponse)).toContain('Sorry, we are closed today.');
      expect(sessionUpdate.tools ?? []).toEqual([]);
      await hungUpByEngine(phone, 15_000);
      const row = await endedCall(engine);
      expect(row).toMatchObject({ status: 'rejected', end_reason: 'rejected' });
      expect((await engine.database.db.query(`SELECT 1 FROM usage_logs WHERE call_id = $1`, [row.id])).rowCount).toBe(0);
    } finally {
      await phone.close();
    }
  });

  it('a server slower than 5 s is not waited for: the saved agent answers', async () => {
    engine.receiver.onAssistantRequest({ assistant: { firstMessage: 'Too late.' } }, { delayMs: 8_000 });
    const started = Date.now();
    const { firstResponse } = await call();
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(instructionsOf(firstResponse)).toContain('Saved greeting.');
  }, 20_000);
});
