/**
 * The fake webhook receiver: signature verification, failure and timeout modes, going down and
 * coming back, scripted tool and assistant-request answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeWebhookReceiver, signWebhook, toolCallsOf, toolReplies } from '../fakes/webhook-receiver.js';

const SECRET = 'whsec_test';

interface Sent {
  status: number;
  body: unknown;
}

async function post(url: string, body: unknown, opts: { secret?: string; event?: string; timestamp?: string; signature?: string; timeoutMs?: number } = {}): Promise<Sent> {
  const raw = JSON.stringify(body);
  const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-webhook-timestamp': timestamp,
    'x-webhook-event': opts.event ?? 'status-update',
  };
  if (opts.signature !== undefined) headers['x-webhook-signature'] = opts.signature;
  else if (opts.secret !== undefined) headers['x-webhook-signature'] = signWebhook(opts.secret, timestamp, raw);
  const res = await fetch(url, { method: 'POST', headers, body: raw, signal: AbortSignal.timeout(opts.timeoutMs ?? 3000) });
  return { status: res.status, body: await res.json() };
}

describe('fake webhook receiver', () => {
  let receiver: FakeWebhookReceiver;

  afterEach(async () => {
    await receiver.close();
  });

  it('verifies a correct signature over the raw body and timestamp', async () => {
    receiver = await FakeWebhookReceiver.start({ secret: SECRET });
    const sent = await post(receiver.urlFor('/hooks'), { message: { type: 'status-update' } }, { secret: SECRET });
    expect(sent.status).toBe(200);
    const record = await receiver.waitFor('status-update');
    expect(record).toMatchObject({ method: 'POST', path: '/hooks', signatureValid: true, timestampFresh: true, status: 200 });
    expect(record.json).toEqual({ message: { type: 'status-update' } });
  });

  it('refuses a wrong secret, a tampered body, a missing signature and a bare hex value', async () => {
    receiver = await FakeWebhookReceiver.start({ secret: SECRET, rejectInvalidSignatures: true });
    const ts = String(Math.floor(Date.now() / 1000));
    const url = receiver.urlFor('/hooks');
    expect((await post(url, { a: 1 }, { secret: 'other' })).status).toBe(401);
    expect((await post(url, { a: 1 }, { timestamp: ts, signature: signWebhook(SECRET, ts, '{"a":2}') })).status).toBe(401);
    expect((await post(url, { a: 1 }, {})).status).toBe(401);
    const bare = signWebhook(SECRET, ts, '{"a":1}').slice('sha256='.length);
    expect((await post(url, { a: 1 }, { timestamp: ts, signature: bare })).status).toBe(401);
    expect(receiver.requests.map((r) => r.signatureValid)).toEqual([false, false, false, false]);
  });

  it('flags a stale timestamp and records without a secret', async () => {
    receiver = await FakeWebhookReceiver.start();
    await post(receiver.url, { x: 1 }, { timestamp: String(Math.floor(Date.now() / 1000) - 600) });
    expect(receiver.requests[0]).toMatchObject({ signatureValid: null, timestampFresh: false });
  });

  it('fails the next K requests with a status, then recovers', async () => {
    receiver = await FakeWebhookReceiver.start();
    receiver.failNext(503, 2);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(receiver.url, { i })).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('fails every request for a duration', async () => {
    receiver = await FakeWebhookReceiver.start();
    receiver.failFor(500, 150);
    expect((await post(receiver.url, {})).status).toBe(500);
    expect((await post(receiver.url, {})).status).toBe(500);
    await new Promise((r) => setTimeout(r, 200));
    expect((await post(receiver.url, {})).status).toBe(200);
  });

  it('holds a response long enough for the sender to time out', async () => {
    receiver = await FakeWebhookReceiver.start();
    receiver.holdNext(2000);
    const started = Date.now();
    await expect(post(receiver.url, {}, { timeoutMs: 200 })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(receiver.requests).toHaveLength(1);
    expect((await post(receiver.url, {})).status).toBe(200);
  });

  it('goes down entirely and comes back on the same port', async () => {
    receiver = await FakeWebhookReceiver.start();
    const url = receiver.url;
    await receiver.goDown();
    await expect(post(url, {}, { timeoutMs: 1000 })).rejects.toThrow();
    await receiver.comeBack();
    expect(receiver.url).toBe(url);
    expect((await post(url, {})).status).toBe(200);
  });

  it('answers tool-calls in each of the four reply shapes, with a delay when asked', async () => {
    receiver = await FakeWebhookReceiver.start();
    const body = {
      message: {
        type: 'tool-calls',
        toolCallList: [{ id: 'tool_1', type: 'function', function: { name: 'lookup_contact', arguments: { query: 'Jan' } } }],
      },
    };
    receiver.onToolCalls((req) => toolReplies.results(toolCallsOf(req).map((c) => ({ toolCallId: c.id, result: { found: true } }))));
    expect((await post(receiver.url, body, { event: 'tool-calls' })).body).toEqual({ results: [{ toolCallId: 'tool_1', result: { found: true } }] });
    receiver.onToolCalls(toolReplies.results([{ toolCallId: 'tool_1', result: 1 }], 'snake'));
    expect((await post(receiver.url, body, { event: 'tool-calls' })).body).toEqual({ results: [{ tool_call_id: 'tool_1', result: 1 }] });
    receiver.onToolCalls(toolReplies.result('ok'));
    expect((await post(receiver.url, body, { event: 'tool-calls' })).body).toEqual({ result: 'ok' });
    receiver.onToolCalls(toolReplies.raw({ phone: '+31612345678' }));
    expect((await post(receiver.url, body, { event: 'tool-calls' })).body).toEqual({ phone: '+31612345678' });
    receiver.onToolCalls(toolReplies.error('Contact niet gevonden'), { delayMs: 100 });
    const started = Date.now();
    expect((await post(receiver.url, body, { event: 'tool-calls' })).body).toEqual({ error: 'Contact niet gevonden' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(toolCallsOf(receiver.requests[0])[0].function.name).toBe('lookup_contact');
  });

  it('answers assistant-request with a scripted body, and other events with ok', async () => {
    receiver = await FakeWebhookReceiver.start();
    receiver.onAssistantRequest({ assistant: { firstMessage: 'Hallo!' } });
    expect((await post(receiver.url, { message: { type: 'assistant-request' } }, { event: 'assistant-request' })).body).toEqual({
      assistant: { firstMessage: 'Hallo!' },
    });
    expect((await post(receiver.url, { message: { type: 'end-of-call-report' } }, { event: 'end-of-call-report' })).body).toEqual({ ok: true });
  });
});
