/**
 * Post-call benchmark (`npm run bench -- analysis`): from `PostCallQueue.enqueue` for a finished
 * call to its end-of-call report arriving at the customer's webhook server, through the real
 * post-call worker, PostgreSQL, BullMQ on Redis and the webhook worker, against the fake LLM.
 * - without analysis: a call below the message threshold (reported at once);
 * - with analysis: summary + structured extraction (json_schema), each answered by the fake model
 *   after a fixed delay, so the figure is that delay plus what voxgate adds.
 * Calls run one after the other, so the figures are latencies, not throughput under load.
 */
import { performance } from 'node:perf_hooks';
import { analysisFixture, BOOKING_ANALYSIS, BOOKING_SCHEMA, bookingConversation, scriptModel, type AnalysisFixture } from '../analysis/fixture.js';

const LLM_DELAY_MS = 300;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10;
}

const summary = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95), max: percentile(values, 100), n: values.length });

async function measure(f: AnalysisFixture, agentId: string, calls: number, short: boolean): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    const messages = short ? bookingConversation().slice(0, 1) : bookingConversation();
    const callId = await f.finishedCall({ agentId, messages });
    const started = performance.now();
    if (!(await f.postCall.enqueue({ callId, orgId: f.org.org.id }))) throw new Error('enqueue failed');
    const report = await f.report(callId, 30_000);
    samples.push(report.receivedAtMono - started);
    await f.completed(callId);
  }
  return samples;
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const calls = quick ? 10 : 40;
  const f = await analysisFixture();
  try {
    scriptModel(f.llm, 'The caller booked an appointment for Tuesday at ten.', { json: BOOKING_ANALYSIS, firstTokenDelayMs: LLM_DELAY_MS });
    f.llm.setDefault({ content: 'The caller booked an appointment for Tuesday at ten.', firstTokenDelayMs: LLM_DELAY_MS });
    const agentId = await f.createAgent({ analysis_plan: { structuredDataPlan: { enabled: true, schema: BOOKING_SCHEMA } } });
    await measure(f, agentId, 3, false); // warm-up: connections, prepared plans, JIT
    const withoutAnalysis = await measure(f, agentId, calls, true);
    const withAnalysis = await measure(f, agentId, calls, false);
    return {
      llmDelayMs: LLM_DELAY_MS,
      enqueueToReportMs: { withoutAnalysis: summary(withoutAnalysis), withAnalysis: summary(withAnalysis) },
      addedBeyondLlmDelayMs: summary(withAnalysis.map((ms) => ms - LLM_DELAY_MS)),
    };
  } finally {
    await f.close();
  }
}
