/**
 * Which model analyses a call and how it is asked for JSON: the agent's own provider (Mistral, xAI
 * for a realtime agent), the org's BYOK key over the platform key, and the step down from
 * json_schema to a forced tool call to JSON mode when a provider refuses a means.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeChatCompletions } from '../fakes/chat-completions.js';
import { analysisFixture, BOOKING_ANALYSIS, BOOKING_SCHEMA, bookingConversation, isExtraction, messageOf, scriptModel, type AnalysisFixture } from './fixture.js';

const plan = { structuredDataPlan: { enabled: true, schema: BOOKING_SCHEMA } };
const pipeline = (provider: string, model: string) => ({
  llm_config: { provider, model },
  stt_config: { provider: 'deepgram' },
  tts_config: { provider: 'openai', voiceId: 'alloy' },
});

describe('analysis providers', () => {
  let f: AnalysisFixture;
  let mistral: FakeChatCompletions;
  let xai: FakeChatCompletions;
  beforeAll(async () => {
    mistral = await FakeChatCompletions.start({ style: 'mistral', apiKey: 'mistral-platform-key' });
    xai = await FakeChatCompletions.start({ style: 'xai', apiKey: 'xai-platform-key' });
    f = await analysisFixture({
      env: { MISTRAL_BASE_URL: mistral.baseUrl, MISTRAL_API_KEY: mistral.apiKey, XAI_BASE_URL: xai.baseUrl, XAI_API_KEY: xai.apiKey },
    });
  });
  afterAll(async () => {
    await f.close();
    await mistral.close();
    await xai.close();
  });
  beforeEach(() => {
    for (const llm of [f.llm, mistral, xai]) scriptModel(llm, 'Summary by the model.', { json: BOOKING_ANALYSIS });
  });

  async function analysed(agentFields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const agentId = await f.createAgent({ analysis_plan: plan, ...agentFields });
    const callId = await f.finishedCall({ agentId, messages: bookingConversation() });
    await f.postCall.enqueue({ callId, orgId: f.org.org.id });
    return messageOf(await f.report(callId));
  }

  it("uses a Mistral agent's own model through Mistral's API, which it accepts as sent", async () => {
    const report = await analysed(pipeline('mistral', 'mistral-large-latest'));
    expect(report).toMatchObject({ summary: 'Summary by the model.', analysis: BOOKING_ANALYSIS });
    expect(f.llm.requests).toHaveLength(0);
    // Every request passed Mistral's checks (no max_completion_tokens, no stream_options).
    expect(mistral.requests.every((r) => r.outcome === 200)).toBe(true);
    expect(mistral.requests.map((r) => r.model)).toEqual(['mistral-large-latest', 'mistral-large-latest']);
    expect(mistral.requests.find(isExtraction)?.responseFormat).toMatchObject({ type: 'json_schema', json_schema: { schema: BOOKING_SCHEMA } });
  });

  it('analyses a realtime xAI agent with a chat model of the same vendor', async () => {
    const report = await analysed({ llm_config: { provider: 'xai_realtime', voice: 'ara' } });
    expect(report.analysis).toEqual(BOOKING_ANALYSIS);
    expect(new Set(xai.requests.map((r) => r.model))).toEqual(new Set(['grok-3-mini']));
  });

  it('steps down to a forced tool call when json_schema is refused, and to JSON mode when tools are too', async () => {
    f.llm.reset();
    f.llm.when((req) => req.responseFormat?.type === 'json_schema', { fail: 'status', status: 400, message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model." });
    f.llm.when((req) => req.tools !== undefined, { json: BOOKING_ANALYSIS });
    f.llm.setDefault({ content: 'A summary.' });
    const viaTool = await analysed({});
    expect(viaTool.analysis).toEqual(BOOKING_ANALYSIS);
    const toolRequest = f.llm.answered.find((r) => r.tools !== undefined)!;
    expect(toolRequest.toolChoice).toEqual({ type: 'function', function: { name: 'record_analysis' } });
    expect(toolRequest.tools?.[0].function.parameters).toEqual(BOOKING_SCHEMA);

    f.llm.reset();
    f.llm.when((req) => req.responseFormat?.type === 'json_schema' || req.tools !== undefined, { fail: 'status', status: 400 });
    f.llm.when((req) => req.responseFormat?.type === 'json_object', { json: BOOKING_ANALYSIS });
    f.llm.setDefault({ content: 'A summary.' });
    const viaJsonMode = await analysed({});
    expect(viaJsonMode.analysis).toEqual(BOOKING_ANALYSIS);
    const jsonMode = f.llm.answered.find((r) => r.responseFormat?.type === 'json_object')!;
    // The default prompt shows the schema already, and OpenAI's "json" word rule is met.
    expect(JSON.stringify(jsonMode.messages)).toContain('appointment_booked');
  });

  it("forces Mistral's tool call with tool_choice \"any\"", async () => {
    mistral.reset();
    mistral.when((req) => req.responseFormat?.type === 'json_schema', { fail: 'status', status: 400 });
    mistral.when((req) => req.tools !== undefined, { json: BOOKING_ANALYSIS });
    mistral.setDefault({ content: 'Samenvatting.' });
    const report = await analysed(pipeline('mistral', 'mistral-small-latest'));
    expect(report.analysis).toEqual(BOOKING_ANALYSIS);
    expect(mistral.requests.find((r) => r.tools !== undefined)?.toolChoice).toBe('any');
  });

  it("uses the organization's BYOK key over the platform key, and reports a key problem as the analysis error", async () => {
    // The platform key is wrong for this provider; only the org that brought its own key gets through.
    const g = await analysisFixture({ env: { OPENAI_API_KEY: 'sk-platform-key-that-openai-refuses' } });
    try {
      scriptModel(g.llm, 'Summary with the org key.', { json: BOOKING_ANALYSIS });
      const byok = await g.t.createOrg();
      expect((await g.api('POST', 'byok', { provider: 'openai', api_key: g.llm.apiKey }, byok)).status).toBe(200);
      const run = async (org: typeof byok) => {
        const agentId = await g.createAgent({ analysis_plan: plan }, org);
        const callId = await g.finishedCall({ agentId, messages: bookingConversation(), org });
        await g.postCall.enqueue({ callId, orgId: org.org.id });
        return messageOf(await g.report(callId));
      };
      expect(await run(byok)).toMatchObject({ summary: 'Summary with the org key.', analysis: BOOKING_ANALYSIS });
      const refused = await run(g.org);
      expect(refused).toMatchObject({ summary: '', analysis: null });
      expect(refused.analysisError).toContain('summary: openai answered 401');
      expect(refused.analysisError).toContain('analysis: openai answered 401');
    } finally {
      await g.close();
    }
  });

  it('reports the missing key as the analysis error when the provider has no key at all', async () => {
    const bare = await analysisFixture({ env: { OPENAI_API_KEY: '' } });
    try {
      const agentId = await bare.createAgent({ analysis_plan: plan });
      const callId = await bare.finishedCall({ agentId, messages: bookingConversation() });
      await bare.postCall.enqueue({ callId, orgId: bare.org.org.id });
      const report = messageOf(await bare.report(callId));
      expect(report).toMatchObject({ summary: '', analysis: null });
      expect(report.analysisError).toContain('no openai API key');
      expect(bare.llm.requests).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });
});
