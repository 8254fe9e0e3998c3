/** Small helpers shared by the call tests. */
import { performance } from 'node:perf_hooks';
import { isVoiced } from '../fakes/audio.js';
import type { WebhookRequestRecord } from '../fakes/webhook-receiver.js';
import { eventually } from '../events/fixtures.js';
import type { TestEngine } from './engine.js';
import type { HeardPacket, TestPhone } from './phone.js';

export { eventually };

export interface CallRow {
  id: string;
  status: string;
  end_reason: string | null;
  error: string | null;
  started_at: Date | null;
  ended_at: Date | null;
  duration_seconds: number | null;
  caller_phone: string | null;
  assistant_phone: string | null;
  agent_id: string | null;
  number_id: string | null;
  recording_path: string | null;
  metadata: Record<string, unknown>;
}

export const voiced = (packets: HeardPacket[]): HeardPacket[] => packets.filter((p) => isVoiced(p.payload));

export async function latestCall(engine: TestEngine): Promise<CallRow | undefined> {
  const { rows } = await engine.database.db.query<CallRow>(`SELECT * FROM calls ORDER BY created_at DESC LIMIT 1`);
  return rows[0];
}

export async function callRow(engine: TestEngine, id: string): Promise<CallRow> {
  const { rows } = await engine.database.db.query<CallRow>(`SELECT * FROM calls WHERE id = $1`, [id]);
  return rows[0];
}

/** Waits until the latest call has left the live statuses, and returns it. */
export async function endedCall(engine: TestEngine, timeoutMs = 15_000): Promise<CallRow> {
  let row: CallRow | undefined;
  await eventually(async () => {
    row = await latestCall(engine);
    return row !== undefined && !['ringing', 'connecting', 'in-progress', 'forwarding'].includes(row.status);
  }, timeoutMs, 'the call to end');
  return row!;
}

/** Until the phone has heard no voiced packet for `ms`. */
export async function waitForQuiet(phone: TestPhone, ms: number, timeoutMs = 15_000): Promise<void> {
  await eventually(() => {
    const last = voiced(phone.heard).at(-1);
    return !last || performance.now() - last.at > ms;
  }, timeoutMs, 'the agent to stop talking');
}

export function webhookMessages(engine: TestEngine, event: string, callId?: string): Array<Record<string, unknown>> {
  return engine.receiver.requests
    .filter((r: WebhookRequestRecord) => r.event === event && r.status >= 200 && r.status < 300)
    .map((r) => (r.json as { message: Record<string, unknown> }).message)
    .filter((m) => callId === undefined || (m.call as { id: string }).id === callId);
}

/** The phone's dialog ended, by a BYE from the engine. */
export async function hungUpByEngine(phone: TestPhone, timeoutMs = 20_000): Promise<void> {
  await eventually(() => phone.dialog?.isTerminated === true, timeoutMs, 'the engine to hang up');
  if (phone.dialog?.destroyReason !== 'bye-received') throw new Error(`dialog ended by ${phone.dialog?.destroyReason}, not by the engine's BYE`);
}
