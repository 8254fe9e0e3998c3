/**
 * Durable delivery against the real PostgreSQL, Redis (BullMQ) and an HTTP receiver: retries with
 * backoff, exactly-once per X-Webhook-Id after an outage, per-call ordering, permanent failures,
 * the delivery log API and replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusUpdatePayload, type WebhookCallContext } from '../../src/events/index.js';
import { FakeWebhookReceiver, type WebhookRequestRecord } from '../fakes/webhook-receiver.js';
import { eventually, webhookFixture, type WebhookFixture } from './fixtures.js';

const SECRET = 'whsec_test_secret';

function context(callId: string): WebhookCallContext {
  return { callId, direction: 'inbound', phoneNumber: { id: null, number: '+31850835037', name: null }, customerNumber: '+31612345678', format: 'camel' };
}

/** Requests the receiver answered with 2xx. */
function delivered(receiver: FakeWebhookReceiver): WebhookRequestRecord[] {
  return receiver.requests.filter((r) => r.status >= 200 && r.status < 300);
}

function deliveredOnce(receiver: FakeWebhookReceiver, eventId: string): Promise<void> {
  return eventually(() => delivered(receiver).some((r) => r.headers['x-webhook-id'] === eventId), 10_000, `delivery of ${eventId}`);
}

describe('webhook delivery', () => {
  let f: WebhookFixture;
  let receiver: FakeWebhookReceiver;

  beforeAll(async () => {
    f = await webhookFixture({ timeoutMs: 1_000 });
    receiver = await FakeWebhookReceiver.start({ secret: SECRET });
  });
  afterAll(async () => {
    await receiver.close();
    await f.close();
  });

  async function send(callId: string, step: number, url = receiver.urlFor('/hooks')): Promise<string> {
    const payload = statusUpdatePayload(context(callId), { status: 'in-progress' });
    payload.message.step = step;
    return f.queue.enqueue({ orgId: f.owner.org.id, callId, agentId: f.agentId, eventType: 'status-update', url, payload, secret: SECRET });
  }

  it(
    'a receiver down for 30 s then back gets every event exactly once per X-Webhook-Id, in order per call',
    async () => {
      await receiver.goDown();
      const callA = await f.newCall();
      const callB = await f.newCall();
      const ids: Record<string, string[]> = { [callA]: [], [callB]: [] };
      for (let step = 1; step <= 3; step++) {
        ids[callA].push(await send(callA, step));
        ids[callB].push(await send(callB, step));
      }
      await new Promise((r) => setTimeout(r, 30_000));
      const during = await f.t.db.query<{ attempts: number }>(`SELECT attempts FROM webhook_deliveries WHERE id = $1`, [ids[callA][0]]);
      expect(during.rows[0].attempts).toBeGreaterThanOrEqual(4); // 0 s, 1 s, 3 s, 7 s, 15 s … while down
      await receiver.comeBack();
      await eventually(() => delivered(receiver).length >= 6, 60_000, 'six deliveries');
      await new Promise((r) => setTimeout(r, 1_500)); // nothing more may arrive

      const ok = delivered(receiver);
      expect(ok).toHaveLength(6);
      const received = ok.map((r) => r.headers['x-webhook-id']);
      expect(new Set(received).size).toBe(6);
      for (const call of [callA, callB]) {
        const steps = ok.filter((r) => (r.json as { message: { call: { id: string } } }).message.call.id === call).map((r) => r.headers['x-webhook-id']);
        expect(steps).toEqual(ids[call]);
      }
      expect(ok.every((r) => r.signatureValid === true && r.timestampFresh === true)).toBe(true);
      const rows = await f.t.db.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM webhook_deliveries WHERE call_id = ANY($1)`, [
        [callA, callB],
      ]);
      expect(rows.rows.every((r) => r.status === 'delivered')).toBe(true);
    },
    120_000,
  );

  it('gives up at once on a permanent 4xx, logs it, and the call\'s next event still goes out', async () => {
    const call = await f.newCall();
    receiver.failNext(410, 1);
    const first = await send(call, 1);
    const second = await send(call, 2);
    await deliveredOnce(receiver, second);
    const res = await f.t.app.inject({ method: 'GET', url: `/api/v1/webhook-deliveries/${first}`, headers: f.t.auth(f.owner.apiKey) });
    expect(res.statusCode).toBe(200);
    const { delivery } = res.json();
    expect(delivery).toMatchObject({ id: first, status: 'failed', attempts: 1, last_status_code: 410, synchronous: false });
    expect(delivery.attempt_log).toEqual([expect.objectContaining({ attempt: 1, status_code: 410 })]);
    expect(delivery.payload.message.type).toBe('status-update');
  });

  it('retries a 5xx and a timeout, then records the success', async () => {
    const call = await f.newCall();
    receiver.failNext(503, 1);
    const id = await send(call, 1);
    await eventually(async () => {
      const r = await f.t.db.query<{ status: string }>(`SELECT status FROM webhook_deliveries WHERE id = $1`, [id]);
      return r.rows[0].status === 'delivered';
    }, 15_000, 'delivery after a 503');
    const log = await f.t.db.query<{ status_code: number | null }>(`SELECT status_code FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`, [id]);
    expect(log.rows.map((r) => r.status_code)).toEqual([503, 200]);

    receiver.holdNext(5_000);
    const slow = await send(call, 2);
    await eventually(async () => {
      const r = await f.t.db.query<{ status: string }>(`SELECT status FROM webhook_deliveries WHERE id = $1`, [slow]);
      return r.rows[0].status === 'delivered';
    }, 15_000, 'delivery after a timeout');
    const slowLog = await f.t.db.query<{ error: string | null }>(`SELECT error FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`, [slow]);
    expect(slowLog.rows[0].error).toMatch(/timed out/);
  });

  it('lists deliveries per organization, filters them, and replays one with the same X-Webhook-Id', async () => {
    const call = await f.newCall();
    const id = await send(call, 1);
    await deliveredOnce(receiver, id);
    const auth = f.t.auth(f.owner.apiKey);
    const list = await f.t.app.inject({ method: 'GET', url: `/api/v1/webhook-deliveries?call_id=${call}`, headers: auth });
    expect(list.statusCode).toBe(200);
    expect(list.json().deliveries.map((d: { id: string }) => d.id)).toEqual([id]);
    expect(list.json().pagination).toEqual({ total: 1, limit: 100, offset: 0 });

    const before = delivered(receiver).filter((r) => r.headers['x-webhook-id'] === id).length;
    const replay = await f.t.app.inject({ method: 'POST', url: `/api/v1/webhook-deliveries/${id}/retry`, headers: auth });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ success: true, delivery: { id } });
    await eventually(() => delivered(receiver).filter((r) => r.headers['x-webhook-id'] === id).length === before + 1, 10_000, 'the replay');

    const other = await f.t.createOrg();
    for (const [method, url] of [
      ['GET', `/api/v1/webhook-deliveries/${id}`],
      ['POST', `/api/v1/webhook-deliveries/${id}/retry`],
    ] as const) {
      const res = await f.t.app.inject({ method, url, headers: f.t.auth(other.apiKey) });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
    const foreignList = await f.t.app.inject({ method: 'GET', url: `/api/v1/webhook-deliveries?call_id=${call}`, headers: f.t.auth(other.apiKey) });
    expect(foreignList.json().deliveries).toEqual([]);
  });

  it('re-queues a chain whose head never reached the queue (a crash between the log and BullMQ)', async () => {
    const call = await f.newCall();
    const payload = statusUpdatePayload(context(call), { status: 'in-progress' });
    const { rows } = await f.t.db.query<{ id: string }>(
      `INSERT INTO webhook_deliveries (org_id, call_id, agent_id, event_type, url, payload, created_at)
       VALUES ($1, $2, $3, 'status-update', $4, $5, now() - interval '5 minutes') RETURNING id`,
      [f.owner.org.id, call, f.agentId, receiver.urlFor('/hooks'), JSON.stringify(payload)],
    );
    await f.queue.sweep();
    await deliveredOnce(receiver, rows[0].id);
  });
});
