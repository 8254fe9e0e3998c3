/**
 * A real call through the whole engine (SIP + RTP test phone, realtime fake), then the post-call
 * job: the transcript the live call path stored is the one the analysis reads and the report
 * carries: the call owner queues the post-call job once the call row is final.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../call/engine.js';
import { eventually, latestCall, voiced, waitForQuiet } from '../call/helpers.js';
import { TestPhone } from '../call/phone.js';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { FakeChatCompletions } from '../fakes/chat-completions.js';
import { isExtraction, messageOf } from './fixture.js';

const NUMBER = '+31850835099';
const SUMMARY = 'The caller booked a table for two. The agent confirmed it.';

describe('post-call analysis of a live call', () => {
  let engine: TestEngine;
  let chat: FakeChatCompletions;
  let phone: TestPhone;

  beforeAll(async () => {
    chat = await FakeChatCompletions.start({ style: 'mistral', apiKey: 'mistral-analysis-key' });
    chat.when(isExtraction, { json: { party_size: 2 } });
    chat.setDefault({ content: SUMMARY });
    engine = await startTestEngine({
      env: { ANALYSIS_LLM_PROVIDER: 'mistral', MISTRAL_BASE_URL: chat.baseUrl, MISTRAL_API_KEY: chat.apiKey },
      postCallPolicy: { baseDelayMs: 200, maxDelayMs: 1_000 },
    });
    phone = await TestPhone.start();
  });
  afterAll(async () => {
    await phone?.close();
    await engine?.close();
    await chat?.close();
  });

  it('reports the call with the summary and analysis of the transcript the call stored', async () => {
    await engine.agentWithNumber(NUMBER, {
      analysis_plan: { structuredDataPlan: { enabled: true, schema: { type: 'object', properties: { party_size: { type: 'integer' } }, required: ['party_size'] } } },
    });
    engine.realtime.setScript({ turns: [{ transcript: 'A table for two tonight, please.', reply: { text: 'Done, a table for two at eight.', audioMs: 600 } }] });
    const answeredAt = performance.now();
    await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, '+31612345678');
    await eventually(() => voiced(phone.heardSince(answeredAt)).length >= 10, 5_000, 'the greeting');
    const callId = (await latestCall(engine))!.id;
    await waitForQuiet(phone, 300);
    phone.say(mulawSpeech(900));
    phone.say(mulawSilence(600), false);
    await eventually(async () => (await engine.database.db.query(`SELECT 1 FROM call_messages WHERE call_id = $1 AND role = 'assistant' AND content LIKE 'Done%'`, [callId])).rowCount === 1, 10_000, 'the reply in the transcript');
    await waitForQuiet(phone, 300);
    await phone.hangup();

    const report = messageOf(await engine.receiver.waitFor('end-of-call-report', { timeoutMs: 20_000 }));
    expect(report).toMatchObject({ call: { id: callId, status: 'ended' }, summary: SUMMARY, analysis: { party_size: 2 }, endReason: 'customer-hangup' });
    const call = await engine.get(`calls/${callId}`);
    expect(call).toMatchObject({ summary: SUMMARY, analysis_result: { party_size: 2 } });
    // The same entries as the API shows, keys in the agent's (camel) style.
    const camelKeys = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k.replace(/_([a-z])/g, (_x, c: string) => c.toUpperCase()), v]));
    expect(report.messages).toEqual((call.messages as Array<Record<string, unknown>>).map(camelKeys));
    expect((report.messages as unknown[]).length).toBeGreaterThanOrEqual(3);
    const prompt = chat.answered.find((r) => !isExtraction(r))!;
    expect(JSON.stringify(prompt.messages)).toContain('User: A table for two tonight, please.');
    expect(engine.receiver.requests.filter((r) => r.event === 'end-of-call-report')).toHaveLength(1);
  }, 60_000);
});
