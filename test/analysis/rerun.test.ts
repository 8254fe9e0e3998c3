/** POST /api/v1/calls/{id}/analyze: re-running a finished call's analysis through the REST API. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analysisFixture, BOOKING_ANALYSIS, BOOKING_SCHEMA, bookingConversation, isExtraction, scriptModel, type AnalysisFixture } from './fixture.js';

describe('POST /api/v1/calls/{id}/analyze', () => {
  let f: AnalysisFixture;
  let agentId: string;
  beforeAll(async () => {
    f = await analysisFixture();
    agentId = await f.createAgent({ analysis_plan: { structuredDataPlan: { enabled: true, schema: BOOKING_SCHEMA } } });
  });
  afterAll(() => f.close());
  beforeEach(() => scriptModel(f.llm, 'A fresh summary.', { json: BOOKING_ANALYSIS }));

  const analyze = (callId: string, body?: unknown, org = f.org) => f.api('POST', `calls/${callId}/analyze`, body, org);

  it('runs the analysis again, stores it and answers with the call', async () => {
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.t.db.query(`UPDATE calls SET summary = 'old', analysis_result = '{"old": true}', analysis_error = 'analysis: old failure' WHERE id = $1`, [callId]);
    const res = await analyze(callId);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: callId, summary: 'A fresh summary.', analysis_result: BOOKING_ANALYSIS, analysis_error: null });
    expect((await f.api('GET', `calls/${callId}`)).json).toMatchObject({ summary: 'A fresh summary.', analysis_result: BOOKING_ANALYSIS });
    // A re-run does not send the report again.
    expect(f.reportsOf(callId)).toHaveLength(0);
  });

  it('uses an analysis_plan sent along (snake_case keys) instead of the agent plan', async () => {
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    scriptModel(f.llm, 'Summary.', { json: { outcome: 'booked' } });
    const schema = { type: 'object', properties: { outcome: { type: 'string', enum: ['booked', 'declined'] } }, required: ['outcome'] };
    const res = await analyze(callId, { analysis_plan: { structured_data_plan: { enabled: true, schema }, min_messages_threshold: 1 } });
    expect(res.status).toBe(200);
    expect(res.json.analysis_result).toEqual({ outcome: 'booked' });
    const extraction = f.llm.answered.filter(isExtraction).at(-1)!;
    expect(JSON.stringify(extraction.responseFormat)).toContain('declined');
  });

  it('refuses an invalid plan with 400 and the offending field', async () => {
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    const res = await analyze(callId, { analysis_plan: { structuredDataPlan: { enabled: true } } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'missing_field', param: 'analysis_plan.structuredDataPlan.schema' });
  });

  it('answers 404 for unknown and foreign calls, 400 for a call that is not over or too short', async () => {
    const other = await f.t.createOrg();
    const foreign = await f.finishedCall({ agentId: null, messages: bookingConversation(), org: other });
    expect((await analyze(foreign)).status).toBe(404);
    expect((await analyze('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const live = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.t.db.query(`UPDATE calls SET status = 'in-progress', ended_at = NULL WHERE id = $1`, [live]);
    const notOver = await analyze(live);
    expect(notOver.status).toBe(400);
    expect(notOver.json).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('not over yet') });
    const short = await f.finishedCall({ agentId, messages: bookingConversation().slice(0, 1) });
    const tooShort = await analyze(short);
    expect(tooShort.status).toBe(400);
    expect(tooShort.json.message).toContain('needs at least 2');
  });

  it('keeps the earlier analysis and answers 502 when the provider is down', async () => {
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.t.db.query(`UPDATE calls SET summary = 'kept', analysis_result = $2 WHERE id = $1`, [callId, JSON.stringify(BOOKING_ANALYSIS)]);
    f.llm.reset();
    f.llm.setDefault({ fail: 'status', status: 503 });
    const res = await analyze(callId);
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ error: 'provider_unavailable', message: expect.stringContaining('openai answered 503') });
    expect((await f.api('GET', `calls/${callId}`)).json).toMatchObject({ summary: 'kept', analysis_result: BOOKING_ANALYSIS, analysis_error: null });
  });
});
