/**
 * GET /metrics (issue #15): scraped while calls run and after they end, on the engine with the
 * fakes. The counts must match the calls made: answered, ended, refused, turns, webhook
 * deliveries the receiver got, RTP packets the phones sent. Protected by METRICS_TOKEN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { startTestEngine, type TestEngine } from '../call/engine.js';
import { eventually, hungUpByEngine, voiced, waitForQuiet } from '../call/helpers.js';
import { TestPhone } from '../call/phone.js';

const NUMBER = '+31850015100';
const TOKEN = 'metrics-token-0123456789';

type Labels = Record<string, string>;

/** The value of one sample of the exposition text (0 when absent). */
function sample(text: string, name: string, labels: Labels = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

/** Sum of every sample of `name` whose labels include `labels`. */
function total(text: string, name: string, labels: Labels = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

describe('Prometheus metrics', () => {
  let engine: TestEngine;
  let ownPort: number;
  const phones: TestPhone[] = [];

  beforeAll(async () => {
    engine = await startTestEngine({ env: { METRICS_TOKEN: TOKEN, METRICS_PORT: '0' }, realtime: { responseAudioMs: 800 } });
    await engine.agentWithNumber(NUMBER);
    ownPort = (engine.node.services.metrics!.server!.address() as AddressInfo).port;
  }, 60_000);
  afterAll(async () => {
    for (const p of phones) await p.close().catch(() => undefined);
    await engine?.close();
  });

  async function scrape(token: string | null = TOKEN): Promise<{ status: number; type: string | null; text: string }> {
    const res = await fetch(`http://127.0.0.1:${ownPort}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  it('needs the token, on the API port and on its own port', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('wrong-token-wrong-token!')).status).toBe(401);
    const api = (auth?: string) => engine.api.inject({ method: 'GET', url: '/metrics', headers: auth ? { authorization: auth } : {} });
    expect((await api()).statusCode).toBe(401);
    const ok = await api(`Bearer ${TOKEN}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.body).toContain('# TYPE voxgate_calls_total counter');
  });

  it('counts the calls made: active while they run, then answered, ended, refused, turns, RTP and webhooks', async () => {
    const before = (await scrape()).text;
    expect(sample(before, 'voxgate_calls_active', { direction: 'inbound' })).toBe(0);
    // What each call's media worker reported at its end: the RTP counters must add up to these.
    const reported = { received: 0, lost: 0 };
    engine.telephony.events.on('media-ended', ({ ended }) => {
      reported.received += ended.quality?.rtp?.packetsReceived ?? 0;
      reported.lost += ended.quality?.rtp?.packetsLost ?? 0;
    });
    engine.realtime.setScript({ turns: [{ transcript: 'What are your opening hours?', reply: { text: 'Nine to five.', audioMs: 600 } }] });

    const CALLS = 3;
    for (let i = 0; i < CALLS; i++) {
      const p = await TestPhone.start();
      phones.push(p);
      await p.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, `+3161201000${i}`);
    }
    for (const p of phones) await eventually(() => voiced(p.heard).length >= 10, 8_000, 'the greeting');
    // One caller takes a turn, so the waterfall has a turn to count.
    await waitForQuiet(phones[0], 400);
    const beforeTurn = performance.now();
    phones[0].say(mulawSpeech(900));
    phones[0].say(mulawSilence(600), false);
    await eventually(() => voiced(phones[0].heardSince(beforeTurn + 1_500)).length >= 10, 10_000, 'the reply');

    const during = await scrape();
    expect(during.status).toBe(200);
    expect(sample(during.text, 'voxgate_calls_active', { direction: 'inbound' })).toBe(CALLS);
    expect(sample(during.text, 'voxgate_call_setup_seconds_count', { direction: 'inbound' })).toBe(CALLS);
    // The media worker's figures from its health report: busy a little, frames near their deadline.
    const elu = sample(during.text, 'voxgate_media_worker_event_loop_utilization', { worker: '0' });
    expect(elu).toBeGreaterThan(0);
    expect(elu).toBeLessThan(1);
    expect(sample(during.text, 'voxgate_media_worker_calls', { worker: '0' })).toBe(CALLS);
    expect(during.text).toMatch(/^voxgate_media_frame_deviation_ms\{worker="0",quantile="0\.99",node="[^"]+"\} \d/m);
    expect(sample(during.text, 'voxgate_db_round_trip_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(sample(during.text, 'voxgate_redis_round_trip_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(during.text).toMatch(/^voxgate_queue_depth\{queue="webhooks",state="waiting",node="[^"]+"\} \d+$/m);

    // A call to a number nobody has: refused with 404 before any answer.
    const stranger = await TestPhone.start();
    phones.push(stranger);
    await expect(stranger.dial(`+31850015199@127.0.0.1:${engine.sipPort}`, '+31612019999')).rejects.toThrow(/404/);

    await waitForQuiet(phones[0], 300);
    for (const p of phones.slice(0, CALLS)) await p.hangup();
    const sent = phones.slice(0, CALLS).reduce((n, p) => n + p.sent.length, 0);
    let after = '';
    await eventually(async () => sample((after = (await scrape()).text), 'voxgate_calls_total', { direction: 'inbound', status: 'ended', end_reason: 'customer-hangup' }) === CALLS, 15_000, 'the calls to be counted as ended');
    expect(sample(after, 'voxgate_calls_active', { direction: 'inbound' })).toBe(0);
    expect(total(after, 'voxgate_calls_total')).toBe(CALLS);
    expect(sample(after, 'voxgate_call_setup_failures_total', { direction: 'inbound', sip_code: '404' })).toBe(1);
    expect(total(after, 'voxgate_call_setup_failures_total')).toBe(1);
    // Exactly the one turn, in each realtime stage it has.
    expect(sample(after, 'voxgate_turn_latency_seconds_count', { engine: 'realtime', stage: 'first_rtp' })).toBe(1);
    // The counters are the calls' own: what the phones sent arrived (loopback), or is counted lost.
    // Not asserted to be zero: loopback UDP drops when a receiver falls behind (a whole `npm test`
    // run counts thousands of RcvbufErrors in /proc/net/snmp), and CI once saw one lost packet.
    const received = sample(after, 'voxgate_rtp_packets_received_total');
    const lost = sample(after, 'voxgate_rtp_packets_lost_total');
    expect(received).toBe(reported.received);
    expect(lost).toBe(reported.lost);
    expect(received).toBeGreaterThan(sent * 0.9);
    expect(received + lost).toBeLessThanOrEqual(sent);
    expect(sample(after, 'voxgate_rtp_jitter_ms_count')).toBe(CALLS);

    // Webhook deliveries counted as the receiver got them.
    await eventually(() => engine.receiver.requests.filter((r) => r.event === 'end-of-call-report').length === CALLS, 30_000, 'the reports');
    await eventually(async () => total((after = (await scrape()).text), 'voxgate_webhook_deliveries_total', { outcome: 'delivered' }) === engine.receiver.requests.length, 10_000, 'the delivery count to match');
    expect(sample(after, 'voxgate_webhook_deliveries_total', { event: 'end-of-call-report', outcome: 'delivered' })).toBe(CALLS);
    expect(sample(after, 'voxgate_webhook_delivery_seconds_count', { outcome: 'delivered' })).toBe(engine.receiver.requests.length);
    expect(total(after, 'voxgate_provider_errors_total')).toBe(0);
  }, 90_000);

  it('counts a call ended by a provider error by provider, stage and code', async () => {
    engine.realtime.failNext('refuse');
    const p = await TestPhone.start();
    phones.push(p);
    await p.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, '+31612010999');
    await hungUpByEngine(p); // after the apology prompt
    let text = '';
    await eventually(async () => total((text = (await scrape()).text), 'voxgate_calls_total', { status: 'ended-with-error' }) === 1, 15_000, 'the failed call to be counted');
    expect(sample(text, 'voxgate_calls_total', { direction: 'inbound', status: 'ended-with-error', end_reason: 'provider-error' })).toBe(1);
    expect(total(text, 'voxgate_provider_errors_total')).toBe(1);
    expect(sample(text, 'voxgate_provider_errors_total', { provider: 'xai', stage: 'connect' })).toBe(1);
  }, 60_000);
});
