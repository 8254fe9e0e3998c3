/**
 * What the agent does during a call, end to end: `end_call` (the goodbye is heard, then the
 * engine's BYE), `transfer_call` (answered as unavailable, the call goes on), async tools
 * (answered at once with `asyncResponse`), a failing tool webhook (an error the model can speak
 * about), the agent's max_duration_seconds, a caller who hangs up before the answer (CANCEL),
 * and hold/unhold re-INVITEs.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffer } from '../../sip/index.js';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { startTestEngine, type TestEngine } from './engine.js';
import { endedCall, eventually, hungUpByEngine, latestCall, voiced, waitForQuiet } from './helpers.js';
import { TestPhone } from './phone.js';

const tools = [
  { type: 'endCall' },
  { type: 'transferCall', destinations: [{ type: 'number', number: '+31201234567', description: 'Sales', message: 'Transferring you now.' }] },
  { name: 'send_brochure', description: 'Sends a brochure', async: true, asyncResponse: 'I am sending the brochure now.' },
  { name: 'check_stock', description: 'Checks stock', parameters: { type: 'object', properties: { sku: { type: 'string' } } } },
];

describe('agent actions during a call', () => {
  let engine: TestEngine;
  let phone: TestPhone;
  const at = (n: string) => `${n}@127.0.0.1:${engine.sipPort}`;

  beforeAll(async () => {
    engine = await startTestEngine({ realtime: { responseAudioMs: 600 } });
    await engine.agentWithNumber('+31850000200', {
      first_message: 'Hi.',
      llm_config: { provider: 'openai_realtime', model: 'gpt-realtime', voice: 'marin', messages: [{ role: 'system', content: 'Shop.' }], tools },
    });
    await engine.agentWithNumber('+31850000201', { max_duration_seconds: 10, first_message: 'Hi.' });
    await engine.agentWithNumber('+31850000202', { first_message: 'Hi.', webhook_events: ['assistant-request'] });
  });
  afterAll(() => engine?.close());

  /** Dials, waits for the greeting to end, then says one utterance (a caller turn). */
  async function callAndSpeak(number: string): Promise<void> {
    phone = await TestPhone.start();
    await phone.dial(at(number), '+31612340200');
    await eventually(() => voiced(phone.heard).length > 5, 5_000, 'the greeting');
    await waitForQuiet(phone, 300);
    phone.say(mulawSpeech(600));
    phone.say(mulawSilence(700), false);
  }

  async function toolOutput(from: number): Promise<string> {
    const event = await engine.realtime.waitFor('conversation.item.create', {
      from,
      predicate: (e) => (e.event.item as { type?: string })?.type === 'function_call_output',
      timeoutMs: 8_000,
    });
    return (event.event.item as { output: string }).output;
  }

  it('end_call: the goodbye is heard, then the engine hangs up', async () => {
    engine.realtime.setScript({ turns: [{ transcript: 'Bye!', reply: { text: 'Goodbye, have a nice day.', audioMs: 1200, toolCall: { name: 'end_call', arguments: {} } } }] });
    await callAndSpeak('+31850000200');
    const goodbye = await engine.realtime.waitForServer('response.function_call_arguments.done', { timeoutMs: 8_000 });
    await hungUpByEngine(phone);
    const goodbyeHeard = voiced(phone.heard.filter((p) => p.at >= goodbye.at - 1_500));
    expect(goodbyeHeard.length * 20).toBeGreaterThanOrEqual(1_000); // most of the 1.2 s goodbye, before the BYE
    const row = await endedCall(engine);
    expect(row).toMatchObject({ status: 'ended', end_reason: 'agent-hangup' });
    await phone.close();
  }, 30_000);

  it('transfer_call without a transfer trunk answers the model why; async and failing tools answer at once', async () => {
    engine.realtime.setScript({
      turns: [
        { transcript: 'Put me through to sales.', reply: { toolCall: { name: 'transfer_call', arguments: { destination: '+31201234567' } } } },
        { transcript: 'Send me a brochure.', reply: { toolCall: { name: 'send_brochure', arguments: {} } } },
        { transcript: 'Is it in stock?', reply: { toolCall: { name: 'check_stock', arguments: { sku: 'A1' } } } },
      ],
    });
    engine.receiver.onToolCalls({ results: [{ toolCallId: 'x', result: 'late' }] }, { delayMs: 3_000 });
    const from = engine.realtime.events.length;
    await callAndSpeak('+31850000200');
    // No trunk for transfers on this org: the model hears why, and the call goes on.
    expect(await toolOutput(from)).toMatch(/"status":"failed".*No SIP trunk for transfers/);
    await waitForQuiet(phone, 300);

    const asked = performance.now();
    phone.say(mulawSpeech(600));
    phone.say(mulawSilence(700), false);
    const asyncOutput = await toolOutput(engine.realtime.events.length);
    expect(asyncOutput).toContain('I am sending the brochure now.');
    expect(performance.now() - asked).toBeLessThan(2_900); // not waiting for the 3 s webhook
    await engine.receiver.waitFor('tool-calls', { timeoutMs: 5_000 });

    await waitForQuiet(phone, 300);
    engine.receiver.failNext(500, 1);
    engine.receiver.onToolCalls({ result: 'unused' });
    phone.say(mulawSpeech(600));
    phone.say(mulawSilence(700), false);
    expect(await toolOutput(engine.realtime.events.length)).toMatch(/check_stock.*failed.*HTTP 500/);
    expect((await latestCall(engine))!.status).toBe('in-progress');
    await phone.hangup();
    await endedCall(engine);
    await phone.close();
  }, 40_000);

  it('hold and unhold: re-INVITEs are answered with the mirrored direction and the call goes on', async () => {
    await callAndSpeak('+31850000200');
    const dialog = phone.dialog!;
    const offer = (direction: 'sendonly' | 'sendrecv', version: number) =>
      createOffer({ address: '127.0.0.1', port: phone.rtpPort, codecs: ['PCMU'], sessionId: '777', version, direction });
    const held = await dialog.modify(offer('sendonly', 2));
    expect(held).toMatch(/a=recvonly/);
    const resumed = await dialog.modify(offer('sendrecv', 3));
    expect(resumed).toMatch(/a=sendrecv/);
    const callId = (await latestCall(engine))!.id;
    const directions = async () =>
      (await engine.database.db.query<{ data: { direction: string } }>(`SELECT data FROM call_events WHERE call_id = $1 AND type = 'media-update' ORDER BY id`, [callId])).rows.map(
        (r) => r.data.direction,
      );
    await eventually(async () => (await directions()).length === 2, 5_000, 'both media updates');
    expect(await directions()).toEqual(['sendonly', 'sendrecv']);
    await phone.hangup();
    await endedCall(engine);
    await phone.close();
  }, 30_000);

  it("ends the call at the agent's max_duration_seconds", async () => {
    phone = await TestPhone.start();
    await phone.dial(at('+31850000201'), '+31612340201');
    await hungUpByEngine(phone, 20_000);
    const row = await endedCall(engine);
    expect(row).toMatchObject({ status: 'ended', end_reason: 'max-duration' });
    expect(row.duration_seconds).toBeGreaterThanOrEqual(9);
    expect(row.duration_seconds).toBeLessThanOrEqual(12);
    await phone.close();
  }, 30_000);

  it('a caller who hangs up while the call is being set up (CANCEL) gets 487 and leaves nothing running', async () => {
    engine.receiver.onAssistantRequest({}, { delayMs: 3_000 });
    phone = await TestPhone.start();
    const abort = new AbortController();
    const dialing = phone.dial(at('+31850000202'), '+31612340202', { signal: abort.signal });
    await engine.receiver.waitFor('assistant-request', { timeoutMs: 5_000 });
    abort.abort();
    await expect(dialing).rejects.toMatchObject({ code: 'SIP_CANCELED' });
    const row = await endedCall(engine);
    expect(row).toMatchObject({ status: 'ended', end_reason: 'customer-hangup', started_at: null });
    await eventually(() => engine.telephony.liveCalls === 0, 5_000, 'no live calls');
    await new Promise((r) => setTimeout(r, 3_500)); // the late assistant-request answer must not revive it
    expect(engine.telephony.liveCalls).toBe(0);
    expect((await latestCall(engine))!.status).toBe('ended');
    await phone.close();
  }, 30_000);
});
