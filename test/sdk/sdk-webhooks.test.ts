/**
 * Issue #13: the SDK's webhook helpers against what voxgate really sends. Webhooks go out through
 * voxgate's own queue (status-update, end-of-call-report) and synchronous requests (tool-calls,
 * assistant-request) to a local receiver; each one must pass the SDK's `Webhooks.verify`
 * (reproduced in test/sdk/sdk-client.ts) with the agent's secret, and its payload must have the
 * SDK's snake_case `WebhookPayload` types — here for an agent without its own webhook_format in an
 * organization whose default is snake (no per-agent cast needed). `Webhooks.sign` must produce the
 * signature voxgate puts on the same body.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { loadAgent, resolveAgentConfig } from '../../src/agents/index.js';
import { secretBoxFor } from '../../src/api/deps.js';
import { webhookDeliveryRoutes } from '../../src/api/resources/webhook-deliveries/routes.js';
import { organizationRoutes } from '../../src/api/resources/organization/routes.js';
import { agentRoutes } from '../../src/api/resources/agents/routes.js';
import {
  assistantRequestPayload,
  endOfCallReportPayload,
  signatureFor,
  statusUpdatePayload,
  toolCallsPayload,
  WebhookEmitter,
  WebhookQueue,
  WebhookWorker,
  type AgentWebhookSettings,
  type EventOrigin,
  type WebhookCallContext,
} from '../../src/events/index.js';
import { createLogger } from '../../src/log.js';
import { FakeWebhookReceiver, type WebhookRequestRecord } from '../fakes/webhook-receiver.js';
import { buildTestApp, type TestApp, type TestOrg } from '../helpers/index.js';
import { SDK_METHODS, signWebhook, verifyWebhook, WebhookVerificationError } from './sdk-client.js';
import * as T from './sdk-types.js';

const SECRET = 'whsec_sdk_webhooks_0123456789';

describe('the SDK’s webhook helpers verify what voxgate sends', () => {
  let t: TestApp;
  let org: TestOrg;
  let receiver: FakeWebhookReceiver;
  let queue: WebhookQueue;
  let worker: WebhookWorker;
  let emitter: WebhookEmitter;
  let settings: AgentWebhookSettings;
  let origin: EventOrigin;
  let ctx: WebhookCallContext;

  beforeAll(async () => {
    t = await buildTestApp({ resources: [organizationRoutes, agentRoutes, webhookDeliveryRoutes] });
    org = await t.createOrg();
    receiver = await FakeWebhookReceiver.start();
    const options = { db: t.db, redis: t.redis, secrets: secretBoxFor(t.config), log: createLogger('silent'), prefix: t.config.redisPrefix, allowPrivate: true };
    queue = new WebhookQueue(options);
    worker = new WebhookWorker(options, queue);
    emitter = new WebhookEmitter({ ...options, queue });

    const call = (method: 'POST' | 'PATCH', url: string, payload: object) => t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(org.apiKey), payload });
    expect((await call('PATCH', '/organizations', { webhook_format: 'snake' })).statusCode).toBe(200);
    const agent = (await call('POST', '/assistants', { name: 'Hooked', webhook_url: receiver.urlFor('/hooks'), webhook_secret: SECRET, webhook_events: [] })).json()
      .assistant;
    expect(agent.webhook_format).toBeNull();
    // What the call path does: load the agent, resolve its runtime config.
    const stored = await loadAgent(t.db, secretBoxFor(t.config), org.org.id, agent.id);
    if (!stored) throw new Error('agent not found');
    const runtime = resolveAgentConfig(stored);
    settings = runtime.webhook;
    expect(settings.format).toBe('snake');
    const callId = randomUUID();
    await t.db.query(`INSERT INTO calls (id, org_id, direction, status, agent_id) VALUES ($1, $2, 'inbound', 'in-progress', $3)`, [callId, org.org.id, agent.id]);
    origin = { orgId: org.org.id, agentId: agent.id, callId };
    ctx = {
      callId,
      direction: 'inbound',
      phoneNumber: { id: randomUUID(), number: '+31850835037', name: null },
      customerNumber: '+31612345678',
      format: settings.format,
      assistant: { id: agent.id, name: agent.name },
    };
  });
  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await receiver?.close();
    await t?.close();
  });

  async function received(event: string): Promise<WebhookRequestRecord> {
    await expect.poll(() => receiver.requests.some((r) => r.event === event), { timeout: 10_000 }).toBe(true);
    return receiver.requests.find((r) => r.event === event) as WebhookRequestRecord;
  }

  function verified(request: WebhookRequestRecord, type: TSchema): unknown {
    const payload = verifyWebhook({
      payload: request.rawBody,
      signature: String(request.headers['x-webhook-signature']),
      timestamp: String(request.headers['x-webhook-timestamp']),
      secret: SECRET,
    });
    expect(T.sdkTypeProblems(type, payload), String(request.event)).toEqual([]);
    return payload;
  }

  it('Webhooks.verify: queued status-update and end-of-call-report pass, with the SDK’s payload types', async () => {
    await emitter.emit(origin, settings, 'status-update', statusUpdatePayload(ctx, { status: 'in-progress' }));
    const status = verified(await received('status-update'), T.StatusUpdatePayload) as { message: Record<string, unknown> };
    expect(status.message).toMatchObject({ type: 'status-update', call: { type: 'inbound_phone_call', status: 'in-progress' }, phone_number: { number: '+31850835037' } });
    expect(status.message.phone_number).not.toHaveProperty('name');

    const report = endOfCallReportPayload(ctx, {
      status: 'ended',
      durationSeconds: 84,
      summary: 'The caller booked a table.',
      messages: [
        { role: 'assistant', content: 'Goedemiddag!' },
        { role: 'user', content: 'Een tafel voor twee.' },
      ],
      endReason: 'customer-hangup',
      startedAt: '2026-03-24T10:00:00.000Z',
      endedAt: '2026-03-24T10:01:24.000Z',
      recordingUrl: null,
    });
    await emitter.emit(origin, settings, 'end-of-call-report', report);
    const eoc = verified(await received('end-of-call-report'), T.EndOfCallReportPayload) as { message: Record<string, unknown> };
    expect(eoc.message).toMatchObject({ duration_seconds: 84, summary: 'The caller booked a table.', end_reason: 'customer-hangup' });
    expect(eoc.message).not.toHaveProperty('recording_url');
  });

  it('Webhooks.verify: synchronous tool-calls and assistant-request pass too', async () => {
    const tool = toolCallsPayload(ctx, [{ id: 'call_1', name: 'book_table', arguments: { when: 'tonight' } }]);
    expect((await emitter.request(origin, settings, 'tool-calls', tool, { timeoutMs: 5_000 })).ok).toBe(true);
    const tools = verified(await received('tool-calls'), T.ToolCallsPayload) as { message: { tool_call_list: unknown[] } };
    expect(tools.message.tool_call_list).toEqual([{ id: 'call_1', type: 'function', function: { name: 'book_table', arguments: { when: 'tonight' } } }]);

    const ask = assistantRequestPayload({ ...ctx }, 'standard');
    expect((await emitter.request(origin, settings, 'assistant-request', ask, { timeoutMs: 5_000 })).ok).toBe(true);
    verified(await received('assistant-request'), T.AssistantRequestPayload);
  });

  it('Webhooks.verify refuses a changed body, another secret and a stale timestamp', async () => {
    const request = await received('status-update');
    const signature = String(request.headers['x-webhook-signature']);
    const timestamp = String(request.headers['x-webhook-timestamp']);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const tampered = request.rawBody.toString('utf8').replace('in-progress', 'ended');
    expect(() => verifyWebhook({ payload: tampered, signature, timestamp, secret: SECRET })).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook({ payload: request.rawBody, signature, timestamp, secret: 'whsec_other' })).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook({ payload: request.rawBody, signature, timestamp, secret: SECRET, nowMs: Number(timestamp) * 1000 + 301_000 })).toThrow(/too old/);
    // The bare hex (the G2 pages' form) verifies as well: the SDK strips an optional prefix.
    expect(() => verifyWebhook({ payload: request.rawBody, signature: signature.slice(7), timestamp, secret: SECRET })).not.toThrow();
  });

  it('Webhooks.sign produces the signature voxgate sends for the same body and timestamp', async () => {
    const request = await received('end-of-call-report');
    const body = request.rawBody.toString('utf8');
    const timestamp = String(request.headers['x-webhook-timestamp']);
    const signed = signWebhook(body, SECRET, Number(timestamp));
    expect(signed).toEqual({ signature: String(request.headers['x-webhook-signature']), timestamp });
    expect(signatureFor(SECRET, timestamp, body)).toBe(signed.signature);
  });

  it('these are the SDK’s webhook helpers (its other 57 methods: sdk-methods.test.ts)', () => {
    expect(SDK_METHODS.filter((m) => m.startsWith('Webhooks.'))).toEqual(['Webhooks.verify', 'Webhooks.sign']);
  });
});
