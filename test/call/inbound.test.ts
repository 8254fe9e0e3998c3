/**
 * Inbound calls end to end, over real sockets: a test phone (sip/ + RTP) calls a registered
 * number; the engine answers with the number's realtime agent (the fake provider), the caller
 * hears the greeting, talks, interrupts, triggers a tool webhook, hangs up — and the call row,
 * transcript, usage, recording and webhooks say so.
 */
import { existsSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulawSilence, mulawSpeech } from '../fakes/audio.js';
import { toolReplies, type WebhookRequestRecord } from '../fakes/webhook-receiver.js';
import { startTestEngine, type TestEngine } from './engine.js';
import { callRow, eventually, latestCall, voiced, waitForQuiet } from './helpers.js';
import { TestPhone } from './phone.js';

const NUMBER = '+31850835037';
const CALLER = '+31612345678';

describe('inbound call to a realtime agent (OpenAI realtime: truncate supported)', () => {
  let engine: TestEngine;
  let phone: TestPhone;
  let agentId: string;
  let numberId: string;

  beforeAll(async () => {
    engine = await startTestEngine({ realtime: { responseAudioMs: 1200 } });
    ({ agentId, numberId } = await engine.agentWithNumber(NUMBER, {
      llm_config: {
        provider: 'openai_realtime',
        model: 'gpt-realtime',
        voice: 'marin',
        messages: [{ role: 'system', content: 'You are the front desk of Acme.' }],
        tools: [
          {
            name: 'lookup_order',
            description: 'Looks up an order by number',
            parameters: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
          },
        ],
      },
    }));
    phone = await TestPhone.start();
  });
  afterAll(async () => {
    await phone?.close();
    await engine?.close();
  });

  it('greets, hears the caller, runs a tool, stops talking when interrupted, and reports the call', async () => {
    engine.realtime.setScript({
      turns: [
        { transcript: 'Where is my order 123?', reply: { toolCall: { name: 'lookup_order', arguments: { order: '123' } } } },
        { transcript: 'Wait, one more thing.', reply: { text: 'Sure, go ahead.', audioMs: 800 } },
      ],
      afterToolOutput: (output) => ({ text: `Your order status: ${output}`, audioMs: 4000 }),
    });
    engine.receiver.onToolCalls((req) => toolReplies.results([{ toolCallId: toolCallsOfReq(req), result: 'shipped' }]));

    // 1. The greeting arrives as RTP.
    const dialStart = performance.now();
    const dialog = await phone.dial(`${NUMBER}@127.0.0.1:${engine.sipPort}`, CALLER);
    const answeredAt = performance.now();
    expect(answeredAt - dialStart).toBeLessThan(5_000);
    await eventually(() => voiced(phone.heardSince(answeredAt)).length >= 10, 5_000, 'the greeting');
    const callId = (await latestCall(engine))!.id;
    await waitForQuiet(phone, 400);

    // 2. The caller speaks; the speech reaches the provider; the tool webhook runs; the result reaches the provider.
    phone.say(mulawSpeech(900));
    phone.say(mulawSilence(600), false);
    const toolCall = await engine.receiver.waitFor('tool-calls', { timeoutMs: 8_000 });
    expect(toolCall.signatureValid).toBe(true);
    const listed = (toolCall.json as { message: { toolCallList: Array<{ function: { name: string; arguments: unknown } }> } }).message.toolCallList;
    expect(listed[0].function).toEqual({ name: 'lookup_order', arguments: { order: '123' } });
    const output = await engine.realtime.waitFor('conversation.item.create', {
      predicate: (e) => (e.event.item as { type?: string })?.type === 'function_call_output',
      timeoutMs: 5_000,
    });
    expect((output.event.item as { output: string }).output).toContain('shipped');
    expect(engine.realtime.receivedAudio().length).toBeGreaterThan(8 * 800); // ≥ 0.8 s of the caller's µ-law

    // 3. Barge-in: the caller talks over the long answer; its audio stops within 100 ms.
    const answerItem = await engine.realtime.waitForServer('response.output_audio.delta', { from: engine.realtime.serverEvents.length, timeoutMs: 5_000 });
    await eventually(() => voiced(phone.heardSince(answerItem.at)).length >= 25, 5_000, 'half a second of the answer');
    phone.say(mulawSpeech(700));
    phone.say(mulawSilence(800), false);
    const started = await engine.realtime.waitForServer('input_audio_buffer.speech_started', { from: engine.realtime.serverEvents.indexOf(answerItem), timeoutMs: 5_000 });
    const truncate = await engine.realtime.waitFor('conversation.item.truncate', { timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 300));
    const heardOfAnswer = voiced(phone.heard.filter((p) => p.at >= answerItem.at));
    const lastAgentPacket = heardOfAnswer.filter((p) => p.at < started.at + 1_000).at(-1)!;
    expect(lastAgentPacket.at - started.at).toBeLessThan(100);
    const heardMs = heardOfAnswer.filter((p) => p.at <= lastAgentPacket.at).length * 20;
    const truncatedAt = (truncate.event as { audio_end_ms: number }).audio_end_ms;
    expect(Math.abs(truncatedAt - heardMs)).toBeLessThanOrEqual(60);
    expect(engine.realtime.truncations[0].accepted).toBe(true);

    // 4. BYE from the caller ends the call.
    await waitForQuiet(phone, 300);
    await phone.hangup();
    expect(dialog.isTerminated).toBe(true);
    await eventually(async () => (await callRow(engine, callId)).status === 'ended', 10_000, 'the call row to end');

    const row = await callRow(engine, callId);
    expect(row).toMatchObject({ status: 'ended', end_reason: 'customer-hangup', caller_phone: CALLER, assistant_phone: NUMBER, agent_id: agentId, number_id: numberId });
    expect(row.duration_seconds).toBeGreaterThanOrEqual(1);
    expect(row.started_at).not.toBeNull();
    expect(row.recording_path && existsSync(row.recording_path) && statSync(row.recording_path).size).toBeGreaterThan(44 + 8000 * 4);

    const { rows: messages } = await engine.database.db.query<{ role: string; content: string; interrupted: boolean }>(
      `SELECT role, content, interrupted FROM call_messages WHERE call_id = $1 ORDER BY seq`,
      [callId],
    );
    expect(messages.map((m) => m.role)).toEqual(expect.arrayContaining(['assistant', 'user']));
    expect(messages.some((m) => m.role === 'user' && m.content === 'Where is my order 123?')).toBe(true);
    // The long answer the caller barged in on is marked, even though its text came before its audio ended.
    expect(messages.filter((m) => m.role === 'assistant' && m.content.includes('Your order status'))).toMatchObject([{ interrupted: true }]);
    expect(messages.filter((m) => m.interrupted)).toHaveLength(1);

    const { rows: usage } = await engine.database.db.query<{ minutes_used: number; duration_seconds: number }>(`SELECT minutes_used, duration_seconds FROM usage_logs WHERE call_id = $1`, [callId]);
    expect(usage).toEqual([{ minutes_used: Math.ceil(row.duration_seconds! / 60), duration_seconds: row.duration_seconds }]);

    // 5. Webhooks: status-update in-progress and ended, end-of-call-report; all signed.
    const report = await engine.receiver.waitFor('end-of-call-report', { timeoutMs: 10_000 });
    const statuses = engine.receiver.requests
      .filter((r: WebhookRequestRecord) => r.event === 'status-update')
      .map((r) => (r.json as { message: { status: string } }).message.status);
    expect(statuses).toEqual(['in-progress', 'ended']);
    const message = (report.json as { message: Record<string, unknown> }).message;
    expect(message).toMatchObject({
      type: 'end-of-call-report',
      call: { id: callId, type: 'inboundPhoneCall', status: 'ended' },
      phoneNumber: { number: NUMBER },
      customer: { number: CALLER },
      durationSeconds: row.duration_seconds,
      summary: '',
      endReason: 'customer-hangup',
    });
    expect(message.recordingUrl).toMatch(new RegExp(`/api/v1/calls/${callId}/recording$`));
    expect((message.messages as unknown[]).length).toBe(messages.length);
    for (const r of engine.receiver.requests) expect(r.signatureValid).toBe(true);
  }, 60_000);
});

function toolCallsOfReq(req: WebhookRequestRecord): string {
  return (req.json as { message: { toolCallList: Array<{ id: string }> } }).message.toolCallList[0].id;
}
