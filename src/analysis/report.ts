/**
 * The end-of-call report (flireo-api B §4.6), built from the database — the call row and its one
 * stored transcript — and handed to the webhook queue once per call. Its delivery id (the
 * `X-Webhook-Id`) is derived from the call id, so a job that runs twice (at-least-once) finds the
 * report already there instead of sending a second one.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/pool.js';
import { withLatency } from '../telephony/media-report.js';
import { endOfCallReportPayload, wantsEvent, type Envelope, type WebhookCallContext, type WebhookQueue } from '../events/index.js';
import type { PostCallAgent } from './agent-settings.js';
import type { CallRecord } from './call-record.js';
import type { EffectivePlan } from './plan.js';
import { presentMessage, type StoredMessage } from './transcript.js';

/** RFC 4122 §4.3 name-based (SHA-1, version 5) UUID of "end-of-call-report:<call id>". */
const NAMESPACE = Buffer.from('5f1d3a42b8c94e0f9a7e2c61d0b4f389', 'hex');

export function reportDeliveryId(callId: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`end-of-call-report:${callId}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function webhookContextOf(call: CallRecord, agent: PostCallAgent): WebhookCallContext {
  const hasMetadata = Object.keys(agent.metadata).length > 0;
  return {
    callId: call.id,
    direction: call.direction,
    phoneNumber: { id: call.number_id, number: call.assistant_phone, name: call.number_name },
    customerNumber: call.caller_phone,
    format: agent.webhook.format,
    assistant: { id: call.agent_id, name: agent.name, ...(hasMetadata && { metadata: agent.metadata }) },
  };
}

export function reportPayload(call: CallRecord, transcript: readonly StoredMessage[], agent: PostCallAgent, plan: EffectivePlan, publicUrl: string): Envelope {
  const payload = endOfCallReportPayload(webhookContextOf(call, agent), {
    status: call.status,
    durationSeconds: call.duration_seconds ?? 0,
    summary: call.summary ?? '',
    // Only with a structured plan (B §4.6: "only if configured"); null when it failed or was late.
    ...(plan.structured && { analysis: call.analysis_result }),
    analysisError: call.analysis_error,
    messages: transcript.map(presentMessage),
    endReason: call.end_reason,
    startedAt: call.started_at?.toISOString() ?? null,
    endedAt: call.ended_at?.toISOString() ?? null,
    recordingUrl: call.recording_path ? `${publicUrl}/api/v1/calls/${call.id}/recording` : null,
    error: call.error,
  });
  // voxgate extensions: what a transfer did (target, mode, outcome, bridged time), and the latency waterfall.
  if (call.transfer) payload.message.transfer = call.transfer;
  return withLatency(payload, call.latency ?? null);
}

export type ReportOutcome = 'queued' | 'already-queued' | 'not-wanted';

async function reportExists(db: Db, callId: string): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM webhook_deliveries WHERE call_id = $1 AND event_type = 'end-of-call-report' LIMIT 1`, [callId]);
  return (rowCount ?? 0) > 0;
}

/** Queues the report unless the agent does not want it or it is already there. */
export async function queueReport(db: Db, queue: WebhookQueue, call: CallRecord, agent: PostCallAgent, payload: Envelope): Promise<ReportOutcome> {
  const url = agent.webhook.url;
  if (url === null || !wantsEvent(agent.webhook, 'end-of-call-report')) return 'not-wanted';
  if (await reportExists(db, call.id)) {
    await queue.pump(call.id); // in case an earlier run stopped between the log and the queue
    return 'already-queued';
  }
  try {
    await queue.enqueue({
      id: reportDeliveryId(call.id),
      orgId: call.org_id,
      callId: call.id,
      agentId: call.agent_id,
      eventType: 'end-of-call-report',
      url,
      payload,
      secret: agent.webhook.secret,
    });
    return 'queued';
  } catch (err) {
    // Inserted by an earlier run that failed before handing it to the queue: hand it over now.
    if ((err as { code?: string }).code !== '23505') throw err;
    await queue.pump(call.id);
    return 'already-queued';
  }
}
