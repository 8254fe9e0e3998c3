import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  endOfCallReportPayload,
  isPrivateAddress,
  parseWebhookTarget,
  signatureFor,
  statusUpdatePayload,
  toolCallsPayload,
  wantsEvent,
  webhookHeaders,
  WebhookTargetError,
  type WebhookCallContext,
} from '../../src/events/index.js';
import { guardedLookup, postJson } from '../../src/events/http.js';
import { FakeWebhookReceiver } from '../fakes/webhook-receiver.js';

const ctx = (format: 'camel' | 'snake'): WebhookCallContext => ({
  callId: '5c4d030f-43e3-4e65-899e-8148521e660f',
  direction: 'inbound',
  phoneNumber: { id: '1b7a2f7e-9d1e-4c53-a3a2-0f6b3b1d2a11', number: '+31850835037', name: 'Demo' },
  customerNumber: '+31612345678',
  format,
});

describe('webhook payloads', () => {
  it('builds the camelCase envelope of the Flireo reference', () => {
    const at = new Date('2025-12-13T10:00:00.000Z');
    const { message } = statusUpdatePayload(ctx('camel'), { status: 'ended', endReason: 'customer-hangup' }, at);
    expect(message).toEqual({
      type: 'status-update',
      timestamp: '2025-12-13T10:00:00.000Z',
      call: { id: '5c4d030f-43e3-4e65-899e-8148521e660f', type: 'inboundPhoneCall', status: 'ended' },
      phoneNumber: { number: '+31850835037', name: 'Demo' },
      customer: { number: '+31612345678' },
      status: 'ended',
      endReason: 'customer-hangup',
    });
  });

  it('builds the snake_case mirror style, with the number id', () => {
    const { message } = endOfCallReportPayload(ctx('snake'), {
      status: 'ended',
      durationSeconds: 84,
      summary: '',
      messages: [{ role: 'assistant', content: 'Hello' }],
      endReason: 'agent-hangup',
      startedAt: '2025-12-13T10:00:00.000Z',
      endedAt: '2025-12-13T10:01:24.000Z',
      recordingUrl: null,
    });
    expect(message.call).toMatchObject({ type: 'inbound_phone_call' });
    expect(message.phone_number).toEqual({ id: '1b7a2f7e-9d1e-4c53-a3a2-0f6b3b1d2a11', number: '+31850835037', name: 'Demo' });
    expect(message).toMatchObject({ duration_seconds: 84, summary: '', end_reason: 'agent-hangup' });
    expect(message).not.toHaveProperty('recording_url'); // the SDK declares `recording_url?: string`: absent, not null
    expect(message).not.toHaveProperty('durationSeconds');
  });

  it('keeps tool arguments as an object and untouched by the key style', () => {
    const { message } = toolCallsPayload(ctx('camel'), [{ id: 'tool_1', name: 'lookup_contact', arguments: { first_name: 'Jan' } }]);
    expect(message.toolCallList).toEqual([{ id: 'tool_1', type: 'function', function: { name: 'lookup_contact', arguments: { first_name: 'Jan' } } }]);
  });

  it('subscribes an agent with a URL and no event list to every event but assistant-request', () => {
    const base = { url: 'https://example.com/hook', secret: null, format: 'camel' as const };
    expect(wantsEvent({ ...base, events: [] }, 'end-of-call-report')).toBe(true);
    expect(wantsEvent({ ...base, events: [] }, 'assistant-request')).toBe(false);
    expect(wantsEvent({ ...base, events: ['assistant-request'] }, 'assistant-request')).toBe(true);
    expect(wantsEvent({ ...base, events: ['status-update'] }, 'end-of-call-report')).toBe(false);
    expect(wantsEvent({ ...base, url: null, events: [] }, 'status-update')).toBe(false);
  });
});

describe('webhook signing', () => {
  it('signs "<timestamp>.<raw body>" with HMAC-SHA256 and the sha256= prefix', () => {
    const body = '{"message":{"type":"status-update"}}';
    const headers = webhookHeaders({ event: 'status-update', eventId: 'e-1', rawBody: body, secret: 's3cret', nowMs: 1_765_620_000_123 });
    expect(headers['x-webhook-timestamp']).toBe('1765620000');
    const expected = createHmac('sha256', 's3cret').update(`1765620000.${body}`).digest('hex');
    expect(headers['x-webhook-signature']).toBe(`sha256=${expected}`);
    expect(signatureFor('s3cret', '1765620000', body)).toBe(`sha256=${expected}`);
    expect(headers).toMatchObject({ 'x-webhook-event': 'status-update', 'x-webhook-id': 'e-1', 'user-agent': 'HMS-Sovereign/1.0' });
  });

  it('sends no signature header without a secret', () => {
    expect(webhookHeaders({ event: 'status-update', eventId: 'e', rawBody: '{}', secret: null })).not.toHaveProperty('x-webhook-signature');
  });
});

describe('retry backoff', () => {
  it('doubles from 1 s and caps at 10 minutes', () => {
    expect([1, 2, 3, 4, 10, 11].map((n) => backoffDelay(n, DEFAULT_RETRY_POLICY))).toEqual([1000, 2000, 4000, 8000, 512_000, 600_000]);
  });
});

describe('private network guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['8.8.8.8', false],
    ['2606:4700:4700::1111', false],
    ['::ffff:8.8.8.8', false],
  ])('%s private=%s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('refuses literal private targets, localhost and non-http schemes', () => {
    expect(() => parseWebhookTarget('http://127.0.0.1:9/x', false)).toThrow(/private/);
    expect(() => parseWebhookTarget('http://[::1]/x', false)).toThrow(/private/);
    expect(() => parseWebhookTarget('http://localhost/x', false)).toThrow(/private/);
    expect(() => parseWebhookTarget('ftp://example.com/x', false)).toThrow(/scheme/);
    expect(() => parseWebhookTarget('not a url', false)).toThrow(/valid/);
    expect(parseWebhookTarget('http://127.0.0.1:9/x', true).port).toBe('9');
  });

  it('judges the DNS answer at connect time: a name resolving to loopback is refused', async () => {
    const error = await new Promise<unknown>((resolve) => guardedLookup('localhost', {}, (err) => resolve(err)));
    expect(error).toBeInstanceOf(WebhookTargetError);
    expect((error as WebhookTargetError).problem).toBe('private-address');
  });

  it('refuses a private target without sending anything, and reaches it when private targets are allowed', async () => {
    const receiver = await FakeWebhookReceiver.start();
    try {
      const blocked = await postJson({ url: receiver.urlFor('/hook'), body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: false });
      expect(blocked.kind).toBe('blocked');
      expect(receiver.requests).toHaveLength(0);
      const allowed = await postJson({ url: receiver.urlFor('/hook'), body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: true });
      expect(allowed).toMatchObject({ kind: 'response', status: 200 });
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('reports a timeout instead of hanging', async () => {
    const receiver = await FakeWebhookReceiver.start();
    receiver.holdNext(3000);
    try {
      const outcome = await postJson({ url: receiver.urlFor('/slow'), body: '{}', headers: {}, timeoutMs: 300, allowPrivate: true });
      expect(outcome.kind).toBe('timeout');
      expect(outcome.durationMs).toBeLessThan(2000);
    } finally {
      await receiver.close();
    }
  });
});
