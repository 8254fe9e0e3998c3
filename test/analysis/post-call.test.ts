/**
 * The post-call job end to end against the fakes: a finished call row + its transcript go in, the
 * end-of-call report comes out at the customer's webhook with the summary and the analysis, and the
 * call in the API carries the same.
 */
import { Ajv } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reportDeliveryId } from '../../src/analysis/index.js';
import { eventually } from '../events/fixtures.js';
import { lastUserMessage, messageText } from '../fakes/chat-completions.js';
import {
  analysisFixture,
  BOOKING_ANALYSIS,
  BOOKING_SCHEMA,
  bookingConversation,
  isExtraction,
  messageOf,
  scriptModel,
  type AnalysisFixture,
} from './fixture.js';

const SUMMARY = 'Jan de Vries called to book an appointment. The agent booked Tuesday at ten.';
const plan = (extra: Record<string, unknown> = {}) => ({ structuredDataPlan: { enabled: true, schema: BOOKING_SCHEMA }, ...extra });

describe('post-call job', () => {
  let f: AnalysisFixture;
  beforeAll(async () => {
    f = await analysisFixture();
  });
  afterAll(() => f.close());
  beforeEach(() => scriptModel(f.llm, SUMMARY, { json: BOOKING_ANALYSIS }));

  it('sends the report with a summary and an analysis that validates against the agent schema, and stores both on the call', async () => {
    const agentId = await f.createAgent({ analysis_plan: plan() });
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    expect(await f.postCall.enqueue({ callId, orgId: f.org.org.id })).toBe(true);

    const report = messageOf(await f.report(callId));
    expect(report).toMatchObject({ type: 'end-of-call-report', summary: SUMMARY, analysis: BOOKING_ANALYSIS, durationSeconds: 84, endReason: 'customer-hangup' });
    expect(new Ajv().validate(BOOKING_SCHEMA, report.analysis)).toBe(true);
    expect((report.messages as unknown[]).length).toBe(4);
    expect(report).not.toHaveProperty('analysisError');

    const call = (await f.api('GET', `calls/${callId}`)).json;
    expect(call).toMatchObject({ summary: SUMMARY, analysis_result: BOOKING_ANALYSIS, analysis_error: null });
    const listed = ((await f.api('GET', 'calls')).json.calls as Array<Record<string, unknown>>).find((c) => c.id === callId);
    expect(listed).toMatchObject({ summary: SUMMARY, analysis_result: BOOKING_ANALYSIS, analysis_error: null });

    // What the model was asked: the transcript in both prompts, the schema as strict json_schema.
    const extraction = f.llm.answered.find(isExtraction)!;
    expect(extraction.responseFormat).toMatchObject({ type: 'json_schema', json_schema: { strict: true, schema: { additionalProperties: false } } });
    expect(lastUserMessage(extraction)).toContain('User: I would like an appointment on Tuesday');
    const summaryRequest = f.llm.answered.find((r) => !isExtraction(r))!;
    expect(summaryRequest.model).toBe('gpt-4o-mini');
    expect(summaryRequest.messages.map(messageText).join('\n')).toContain('2-3 sentences');
  });

  it('runs the analysis of a template copied into the agent, with its system_prompt + user_prompt and G3 placeholders', async () => {
    const template = await f.api('POST', 'analysis-templates', {
      name: 'Bookings',
      schema: BOOKING_SCHEMA,
      system_prompt: 'Extract the booking as JSON per this schema: {{schema}}',
      user_prompt: 'Caller {caller_number}, {duration} s, ended: {{endedReason}}.\nSummary: {summary}\nTranscript:\n{transcript}',
    });
    const templateId = (template.json.analysis_template as { id: string }).id;
    const agentId = await f.createAgent({ analysis_template_id: templateId });
    const callId = await f.finishedCall({ agentId, messages: bookingConversation(), durationSeconds: 61 });
    await f.postCall.enqueue({ callId, orgId: f.org.org.id });

    const report = messageOf(await f.report(callId));
    expect(report).toMatchObject({ summary: SUMMARY, analysis: BOOKING_ANALYSIS });
    const extraction = f.llm.answered.find(isExtraction)!;
    const [system, user] = extraction.messages.map(messageText);
    expect(system).toContain('"caller_name"');
    expect(user).toContain('Caller +31612345678, 61 s, ended: customer-hangup.');
    // {summary} in the prompt makes the extraction wait for the summary.
    expect(user).toContain(`Summary: ${SUMMARY}`);
    expect(user).toContain('AI: Hello, Acme dental, how can I help?');
  });

  it('retries an invalid JSON answer once with the validation errors, then stores the valid one', async () => {
    scriptModel(f.llm, SUMMARY, { content: '{"caller_name": "Jan", "appointment_booked": "yes"' }, { json: BOOKING_ANALYSIS });
    const agentId = await f.createAgent({ analysis_plan: plan() });
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.postCall.enqueue({ callId, orgId: f.org.org.id });

    expect(messageOf(await f.report(callId)).analysis).toEqual(BOOKING_ANALYSIS);
    const extractions = f.llm.answered.filter(isExtraction);
    expect(extractions).toHaveLength(2);
    const correction = extractions[1].messages.slice(-2);
    expect(correction[0]).toMatchObject({ role: 'assistant', content: '{"caller_name": "Jan", "appointment_booked": "yes"' });
    expect(messageText(correction[1])).toContain('not valid JSON');
  });

  it('gives up after a second invalid answer: analysis_result null with the error, and the report still goes out', async () => {
    scriptModel(f.llm, SUMMARY, { json: { caller_name: 'Jan', appointment_booked: 'yes', sentiment: 11 } });
    const agentId = await f.createAgent({ analysis_plan: plan() });
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.postCall.enqueue({ callId, orgId: f.org.org.id });

    const report = messageOf(await f.report(callId));
    expect(report.summary).toBe(SUMMARY);
    expect(report.analysis).toBeNull();
    expect(report.analysisError).toMatch(/^analysis: the analysis did not match the schema after one retry: .*appointment_booked must be boolean/);
    expect(f.llm.answered.filter(isExtraction)).toHaveLength(2);
    await f.completed(callId);
    const call = (await f.api('GET', `calls/${callId}`)).json;
    expect(call).toMatchObject({ summary: SUMMARY, analysis_result: null, analysis_error: report.analysisError });
  });

  it('skips the analysis below the message threshold or for a call never answered, and reports at once', async () => {
    const agentId = await f.createAgent({ analysis_plan: plan({ minMessagesThreshold: 3 }) });
    const short = await f.finishedCall({ agentId, messages: bookingConversation().slice(0, 2) });
    const unanswered = await f.finishedCall({ agentId, status: 'failed', endReason: 'no-answer', startedAt: null });
    const before = f.llm.requests.length;
    for (const callId of [short, unanswered]) await f.postCall.enqueue({ callId, orgId: f.org.org.id });

    for (const callId of [short, unanswered]) {
      const report = messageOf(await f.report(callId));
      expect(report.summary).toBe('');
      expect(report.analysis).toBeNull();
      expect((await f.completed(callId)).analysis).toBe('skipped');
    }
    expect(f.llm.requests.length).toBe(before);
    expect(messageOf(f.reportsOf(unanswered)[0])).toMatchObject({ durationSeconds: 0, endReason: 'no-answer', messages: [] });
  });

  it('shows an interrupted assistant turn cut to what was heard, alike in the database, the API and the report', async () => {
    const agentId = await f.createAgent({ webhook_format: 'snake' });
    const heard = 'Our opening hours are from nine';
    const callId = await f.finishedCall({
      agentId,
      messages: [
        { role: 'user', content: 'When are you open?' },
        { role: 'assistant', content: heard, interrupted: true },
        { role: 'user', content: 'Sorry, on Saturday?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'opening_hours', arguments: { day: 'saturday' } }] },
        { role: 'tool', content: '{"open":"10:00"}', toolCallId: 'call_1', name: 'opening_hours' },
        { role: 'assistant', content: 'On Saturday we open at ten.' },
      ],
    });
    await f.postCall.enqueue({ callId, orgId: f.org.org.id });

    const { rows } = await f.t.db.query('SELECT role, content, interrupted FROM call_messages WHERE call_id = $1 ORDER BY seq', [callId]);
    expect(rows[1]).toEqual({ role: 'assistant', content: heard, interrupted: true });
    const apiMessages = (await f.api('GET', `calls/${callId}`)).json.messages as Array<Record<string, unknown>>;
    expect(apiMessages[1]).toMatchObject({ role: 'assistant', content: heard, interrupted: true });
    expect(apiMessages[3].tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'opening_hours', arguments: { day: 'saturday' } } }]);
    expect(apiMessages[4]).toMatchObject({ role: 'tool', tool_call_id: 'call_1', name: 'opening_hours' });
    const reportMessages = messageOf(await f.report(callId)).messages as Array<Record<string, unknown>>;
    expect(reportMessages).toEqual(apiMessages);
    // The summary prompt sees the same cut turn, marked.
    const summaryPrompt = f.llm.answered.filter((r) => !isExtraction(r)).map(lastUserMessage).find((m) => m.includes('opening hours'))!;
    expect(summaryPrompt).toContain(`AI: ${heard} [interrupted by the caller]`);
    expect(summaryPrompt).toContain('AI called tool opening_hours({"day":"saturday"})');
  });

  it('sends one report per call however often the job runs, with the call-derived delivery id', async () => {
    const agentId = await f.createAgent();
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.postCall.enqueue({ callId, orgId: f.org.org.id });
    expect((await f.completed(callId)).report).toBe('queued');
    await f.report(callId);
    // A second run of the same call (a redelivered job, or the sweep) must not report again.
    const second = f.nextCompletion(callId);
    expect(await f.postCall.requeue({ callId, orgId: f.org.org.id })).toBe(true);
    expect((await second).report).toBe('sent-earlier');
    const { rows } = await f.t.db.query(`SELECT id FROM webhook_deliveries WHERE call_id = $1 AND event_type = 'end-of-call-report'`, [callId]);
    expect(rows).toEqual([{ id: reportDeliveryId(callId) }]);
    expect(f.reportsOf(callId)).toHaveLength(1);
    expect(f.reportsOf(callId)[0].headers['x-webhook-id']).toBe(reportDeliveryId(callId));
  });

  it('sends the notification e-mail through Resend from the verified domain, with the summary', async () => {
    const resendKey = 're_test_org_key';
    f.resend.addAccount(resendKey);
    const domain = f.resend.addDomain(resendKey, 'mail.acme.example', { status: 'verified' });
    expect((await f.api('POST', 'byok', { provider: 'resend', api_key: resendKey })).status).toBe(200);
    await f.t.db.query(`INSERT INTO domains (org_id, domain_name, resend_domain_id, status) VALUES ($1, $2, $3, 'verified')`, [f.org.org.id, domain.name, domain.id]);
    const agentId = await f.createAgent({ notification_email: 'owner@acme.example', analysis_plan: plan() });
    // Resend is down for the first send: the e-mail is retried, the report is not held up.
    f.resend.failNext(503, 'internal_server_error', 'Resend is down');
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.postCall.enqueue({ callId, orgId: f.org.org.id });

    await f.report(callId);
    await eventually(() => f.resend.emails.some((e) => e.subject.includes('+31612345678')), 10_000, 'the notification e-mail');
    const email = f.resend.emails.find((e) => e.subject.includes('+31612345678'))!;
    expect(email.from).toBe('Front desk <notifications@mail.acme.example>');
    expect(email.to).toEqual(['owner@acme.example']);
    expect(email.text).toContain(SUMMARY);
    expect(email.text).toContain('"caller_name": "Jan de Vries"');
    expect(email.text).toContain(`/api/v1/calls/${callId}`);
    expect(email.html).toContain('Jan de Vries');
    expect(email.idempotencyKey).toBe(`call-notification-${callId}`);
    expect(f.resend.emails.filter((e) => e.idempotencyKey === email.idempotencyKey)).toHaveLength(1);
  });
});

describe('post-call job with the provider down', () => {
  let f: AnalysisFixture;
  beforeAll(async () => {
    f = await analysisFixture({ env: { ANALYSIS_REPORT_CAP_SECONDS: '1' } });
  });
  afterAll(() => f.close());

  it('sends the report at the cap without analysis, and stores the result on the call once the provider recovers', async () => {
    let down = true;
    const healthy = (req: Parameters<typeof isExtraction>[0]) => (isExtraction(req) ? { json: BOOKING_ANALYSIS } : { content: SUMMARY });
    f.llm.setDefault((req) => (down ? { fail: 'status', status: 503 } : healthy(req)));
    const agentId = await f.createAgent({ analysis_plan: plan() });
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    const queuedAt = Date.now();
    await f.postCall.enqueue({ callId, orgId: f.org.org.id });

    const report = messageOf(await f.report(callId));
    const waited = Date.now() - queuedAt;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(5_000);
    expect(report.summary).toBe('');
    expect(report.analysis).toBeNull();
    expect(report.analysisError).toContain('not ready within the 1 s report cap');

    // Both tasks exhaust the client's own retries (3 requests each): the job itself is retried later.
    await f.llm.waitFor(() => f.llm.requests.length >= 6, 10_000, 'the first attempt to give up');
    down = false;
    expect(await f.completed(callId, 20_000)).toMatchObject({ report: 'sent-earlier', analysis: 'done' });
    const call = (await f.api('GET', `calls/${callId}`)).json;
    expect(call).toMatchObject({ summary: SUMMARY, analysis_result: BOOKING_ANALYSIS, analysis_error: null });
    expect(f.reportsOf(callId)).toHaveLength(1);
  });
});
