/**
 * Provider failure never leaves the caller in silence: the built-in apology is played and the
 * call is hung up with reason `provider-error` and the error, whether the model failed before
 * answer, mid-call, or just stopped answering.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTime } from '../../media/clock/time.js';
import { ulawToAlaw } from '../../media/codecs/g711.js';
import { packageRoot, upsample } from '../../media/agent/prompts.js';
import { AgentHarness, FLAVOURS, OPENAI, until } from './helpers/harness.js';

const APOLOGY = new Uint8Array(readFileSync(new URL('../../media/assets/prompts/provider-error.ulaw', import.meta.url)));

let harness: AgentHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

/** The apology is queued whole, and the hang-up waits until it was heard. */
async function expectApologyThenHangup(h: AgentHarness, code: string): Promise<void> {
  await until(() => h.queuedBytes('voxgate-apology') > 0, 5000, 'apology queued');
  expect(h.queuedBytes('voxgate-apology')).toBe(APOLOGY.length);
  expect(h.host.hangups).toHaveLength(0);
  h.media.play(100);
  expect(h.host.hangups).toHaveLength(0);
  h.media.playAll();
  await until(() => h.host.hangups.length === 1, 5000, 'hang-up');
  expect(h.host.hangups[0]).toMatchObject({ reason: 'provider-error', error: { code } });
  expect(h.host.hangups[0].error?.message).toBeTruthy();
}

describe.each(FLAVOURS)('$provider failure', (flavour) => {
  it('connection refused at start: remembered, apology on answer, then hang-up', async () => {
    const h = (harness = await AgentHarness.startWith(flavour, (server) => server.failNext('refuse'), { config: { firstMessage: 'Hi!' } }));
    expect(h.media.queued).toHaveLength(0);
    h.answer();
    expect(h.media.queued[0]?.itemId).toBe('voxgate-apology');
    await expectApologyThenHangup(h, 'provider/connect_refused');
  });

  it('socket dropped mid-call: flushes the agent and apologises at once', async () => {
    harness = await AgentHarness.start(flavour, { server: { responseAudioMs: 2000 }, config: { firstMessage: 'Hello there, how are you doing today?' } });
    const h = harness;
    h.answer();
    await h.agentTurns(1);
    h.media.play(10);
    h.server.dropConnections();
    await until(() => h.media.flushes.length > 0, 5000, 'flush');
    expect(h.media.flushes[0].played?.playedMs).toBe(200);
    await expectApologyThenHangup(h, 'provider/connection_lost');
  });

  it('a fatal provider error ends the call the same way', async () => {
    const h = (harness = await AgentHarness.start(flavour, { server: {} }));
    h.answer();
    h.server.inject({ type: 'error', error: { type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration.' } });
    await expectApologyThenHangup(h, 'provider/session_expired');
  });
});

describe('failure before and without a provider', () => {
  it('no API key: apology on answer, error provider/no_api_key', async () => {
    const h = (harness = await AgentHarness.start(OPENAI, { providers: {} }));
    h.answer();
    await expectApologyThenHangup(h, 'provider/no_api_key');
  });

  it('HTTP 500 on the upgrade while ringing', async () => {
    const h = (harness = await AgentHarness.startWith(OPENAI, (server) => server.failNext('http-500')));
    h.answer();
    await expectApologyThenHangup(h, 'provider/handshake_failed');
  });

  it('the apology is A-law on PCMA legs', async () => {
    const h = (harness = await AgentHarness.start(OPENAI, { providers: {}, codec: 'PCMA' }));
    h.answer();
    h.media.playAll();
    const expected = new Uint8Array(APOLOGY.length);
    ulawToAlaw(APOLOGY, expected);
    const sent = Buffer.concat(h.media.sentFrames).subarray(0, APOLOGY.length);
    expect(Buffer.from(sent).equals(Buffer.from(expected))).toBe(true);
  });

  it('the apology is PCM16 at 24 kHz on Opus legs, upsampled from the 8 kHz prompt', async () => {
    const h = (harness = await AgentHarness.start(OPENAI, { providers: {}, codec: 'opus' }));
    h.answer();
    expect(h.queuedBytes('voxgate-apology')).toBe(APOLOGY.length * 3 * 2);
    expect(h.media.queuedAgentMs).toBe(APOLOGY.length / 8);
    h.media.playAll();
    await until(() => h.host.hangups.length === 1);
    expect(h.host.hangups[0]).toMatchObject({ reason: 'provider-error' });
  });

  it('upsampling keeps a tone at its level and pitch', () => {
    const tone = new Int16Array(800);
    for (let i = 0; i < tone.length; i++) tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
    const up = upsample(tone, 3);
    expect(up).toHaveLength(2400);
    // Mid-signal, away from the filter's edges: a 1 kHz sine at 24 kHz with the same amplitude.
    let err = 0;
    let peak = 0;
    for (let n = 300; n < 2100; n++) {
      peak = Math.max(peak, Math.abs(up[n]));
      err = Math.max(err, Math.abs(up[n] - 8000 * Math.sin((2 * Math.PI * 1000 * n) / 24000)));
    }
    expect(peak).toBeGreaterThan(7600);
    expect(peak).toBeLessThan(8400);
    expect(err).toBeLessThan(400);
  });

  it('finds the prompts from the package root', () => {
    expect(packageRoot()).toBe(new URL('../..', import.meta.url).pathname.replace(/\/$/, ''));
  });
});

describe('watchdog', () => {
  it('a model that stops answering after the caller spoke counts as failed', async () => {
    const time = new FakeTime();
    const h = (harness = await AgentHarness.start(OPENAI, { time, options: { watchdogMs: 20_000 }, server: { thinkMs: 60_000 } }));
    h.answer();
    h.say();
    await until(() => h.host.eventsOf('speech-stopped').some((e) => e.who === 'user'), 5000, 'turn end');
    time.advance(19_000);
    expect(h.media.queued).toHaveLength(0);
    time.advance(1_000);
    await expectApologyThenHangup(h, 'provider/no_response');
  });

  it('does not fire while the model answers', async () => {
    const time = new FakeTime();
    const h = (harness = await AgentHarness.start(OPENAI, { time, options: { watchdogMs: 20_000 } }));
    h.answer();
    h.say();
    await h.agentTurns(1);
    time.advance(60_000);
    expect(h.host.hangups).toHaveLength(0);
  });
});
