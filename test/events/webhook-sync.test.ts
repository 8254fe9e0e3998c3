/** assistant-request and tool-calls: synchronous, bounded, never retried, logged. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretBoxFor } from '../../src/api/deps.js';
import { WebhookEmitter, toolCallsPayload, type AgentWebhookSettings, type WebhookCallContext } from '../../src/events/index.js';
import { createLogger } from '../../src/log.js';
import { FakeWebhookReceiver, toolReplies } from '../fakes/webhook-receiver.js';
import { eventually, webhookFixture, type WebhookFixture } from './fixtures.js';

describe('synchronous webhooks', () => {
  let f: WebhookFixture;
  let receiver: FakeWebhookReceiver;
  let emitter: WebhookEmitter;
  let settings: AgentWebhookSettings;

  beforeAll(async () => {
    f = await webhookFixture();
    receiver = await FakeWebhookReceiver.start({ secret: 'sync-secret' });
    emitter = new WebhookEmitter({ db: f.t.db, secrets: secretBoxFor(f.t.config), queue: f.queue, log: createLogger('silent'), allowPrivate: true });
    settings = { url: receiver.urlFor('/agent'), secret: 'sync-secret', events: [], format: 'camel' };
  });
  afterAll(async () => {
    await receiver.close();
    await f.close();
  });

  const ctx = (callId: string): WebhookCallContext => ({
    callId,
    direction: 'inbound',
    phoneNumber: { id: null, number: '+31850835037', name: null },
    customerNumber: '+31612345678',
    format: 'camel',
  });

  it('returns the parsed answer, signed request, and logs it as a synchronous delivery', async () => {
    const callId = await f.newCall();
    receiver.onToolCalls(toolReplies.results([{ toolCallId: 'tool_1', result: { found: true } }]));
    const payload = toolCallsPayload(ctx(callId), [{ id: 'tool_1', name: 'lookup', arguments: { q: 'x' } }]);
    const outcome = await emitter.request({ orgId: f.owner.org.id, agentId: f.agentId, callId }, settings, 'tool-calls', payload, {
      url: receiver.urlFor('/tools/lookup'),
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({ ok: true, status: 200, body: { results: [{ toolCallId: 'tool_1', result: { found: true } }] } });
    const request = receiver.requests.at(-1)!;
    expect(request.path).toBe('/tools/lookup');
    expect(request.signatureValid).toBe(true);
    const eventId = request.headers['x-webhook-id'] as string;
    await eventually(async () => {
      const r = await f.t.db.query<{ status: string }>(`SELECT status FROM webhook_deliveries WHERE id = $1`, [eventId]);
      return r.rows[0]?.status === 'delivered';
    }, 5_000, 'the log entry');
    const row = await f.t.db.query(`SELECT synchronous, attempts, event_type FROM webhook_deliveries WHERE id = $1`, [eventId]);
    expect(row.rows[0]).toEqual({ synchronous: true, attempts: 1, event_type: 'tool-calls' });
  });

  it('gives up at the deadline instead of waiting for a slow server, without retrying', async () => {
    const callId = await f.newCall();
    const before = receiver.requests.length;
    receiver.onAssistantRequest({}, { delayMs: 3_000 });
    const started = Date.now();
    const outcome = await emitter.request({ orgId: f.owner.org.id, agentId: f.agentId, callId }, settings, 'assistant-request', toolCallsPayload(ctx(callId), []), {
      timeoutMs: 500,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok === false && outcome.reason).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(2_500);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(receiver.requests.length - before).toBe(1);
  });

  it('reports a refused private target as a failure when private targets are not allowed', async () => {
    const strict = new WebhookEmitter({ db: f.t.db, secrets: secretBoxFor(f.t.config), queue: f.queue, log: createLogger('silent'), allowPrivate: false });
    const callId = await f.newCall();
    const outcome = await strict.request({ orgId: f.owner.org.id, agentId: f.agentId, callId }, settings, 'tool-calls', toolCallsPayload(ctx(callId), []), {
      timeoutMs: 1_000,
    });
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome.ok === false && outcome.reason).toMatch(/private/);
  });
});
