/**
 * The model provider fails — refused at connect, a fatal error event, or the socket dropped in
 * the middle of a response: the caller hears the built-in apology, the engine hangs up, the call
 * ends `ended-with-error` with the reason, and the webhooks still report it. Never silence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailMode } from '../fakes/realtime-server.js';
import { startTestEngine, type TestEngine } from './engine.js';
import { endedCall, hungUpByEngine, voiced, webhookMessages } from './helpers.js';
import { TestPhone } from './phone.js';

const NUMBER = '+31850835040';

describe('provider failure during a call', () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startTestEngine({ realtime: { responseAudioMs: 3000 } });
    await engine.agentWithNumber(NUMBER);
  });
  afterAll(() => engine?.close());

  it.each<[FailMode, RegExp]>([
    ['refuse', /connect|refused|reset|closed/i],
    ['fatal-error', /session|expired|error/i],
    ['drop-mid-response', /lost|closed|dropped|connection/i],
  ])('%s: apology, engine hangs up, ended-with-error reported', async (mode, errorText) => {
    engine.realtime.failNext(mode);
    const phone = await TestPhone.start();
    try {
      await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, '+31612345000');
      await hungUpByEngine(phone);
      // The apology prompt is about 6 s of speech; the caller hears most of it.
      expect(voiced(phone.heard).length * 20).toBeGreaterThan(3_000);
      const row = await endedCall(engine);
      expect(row).toMatchObject({ status: 'ended-with-error', end_reason: 'provider-error' });
      expect(row.error).toMatch(errorText);
      const report = await engine.receiver.waitFor((r) => r.event === 'end-of-call-report' && (r.json as { message: { call: { id: string } } }).message.call.id === row.id, {
        timeoutMs: 10_000,
      });
      expect((report.json as { message: Record<string, unknown> }).message).toMatchObject({ endReason: 'provider-error', call: { status: 'ended-with-error' } });
      const statuses = webhookMessages(engine, 'status-update', row.id).map((m) => m.status);
      expect(statuses.at(-1)).toBe('ended-with-error');
      expect(webhookMessages(engine, 'status-update', row.id).at(-1)!.error).toMatch(errorText);
    } finally {
      await phone.close();
    }
  }, 40_000);
});
