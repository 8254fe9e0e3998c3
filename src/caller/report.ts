/**
 * What `voxgate call` prints when the call is over: the engine's own record of it from the REST
 * API (GET /calls/{id}: status, end reason, transcript, latency waterfall), found by the test
 * call's caller ID, next to what the caller itself measured.
 */
import type { TestCallResult } from './test-call.js';

export interface ApiAccess {
  url: string;
  key: string;
}

interface Message {
  role: string;
  content: string;
  interrupted?: boolean;
}

interface Turn {
  turn: number;
  engine: string;
  interrupted: boolean;
  [field: string]: number | string | boolean | null;
}

export interface CallRecord {
  id: string;
  status: string;
  end_reason: string | null;
  error: string | null;
  duration_seconds: number | null;
  ended_at: string | null;
  caller_phone: string | null;
  messages: Message[];
  latency: { turns: Turn[] } | null;
}

const WATERFALL: ReadonlyArray<[string, string]> = [
  ['endOfTurnMs', 'end of turn'],
  ['llmRequestMs', 'LLM request'],
  ['llmFirstTokenMs', 'first token'],
  ['llmFirstSentenceMs', 'first sentence'],
  ['ttsRequestMs', 'TTS request'],
  ['ttsFirstAudioMs', 'first audio'],
  ['firstRtpMs', 'first RTP'],
];

async function get<T>(api: ApiAccess, path: string): Promise<T> {
  const res = await fetch(`${api.url.replace(/\/+$/, '')}/api/v1/${path}`, { headers: { authorization: `Bearer ${api.key}` } });
  if (!res.ok) throw new Error(`GET /api/v1/${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

/**
 * The engine's record of the call from `from` created since `since`, once it has ended (its
 * transcript and waterfall are written at the end); null if none appears within `timeoutMs`.
 */
export async function fetchCallRecord(api: ApiAccess, from: string, since: Date, timeoutMs = 20_000): Promise<CallRecord | null> {
  const deadline = Date.now() + timeoutMs;
  let id: string | null = null;
  while (Date.now() < deadline) {
    if (!id) {
      const start = new Date(since.getTime() - 5_000).toISOString();
      const { calls } = await get<{ calls: Array<{ id: string; caller_phone: string | null }> }>(api, `calls?start_date=${encodeURIComponent(start)}&limit=100`);
      id = calls.find((c) => c.caller_phone === from)?.id ?? null;
    }
    if (id) {
      const call = await get<CallRecord>(api, `calls/${id}`);
      if (call.ended_at !== null) return call;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

const ms = (v: unknown) => (typeof v === 'number' ? String(Math.round(v)) : '-');

/** The human-readable summary (stdout). */
export function formatReport(sip: TestCallResult, call: CallRecord | null, note: string | null): string {
  const lines: string[] = [];
  if (!sip.answered) lines.push(`Not answered: ${sip.sipStatus ?? ''} ${sip.reason ?? ''}`.trimEnd());
  else {
    lines.push(
      `Answered in ${sip.setupMs} ms; first audio after ${sip.firstAudioMs ?? '-'} ms; ${(sip.durationMs / 1000).toFixed(1)} s; ` +
        `hung up by ${sip.hungUpBy}; RTP ${sip.packetsSent} packets sent, ${sip.packetsReceived} received`,
    );
  }
  if (call) {
    lines.push(`Call ${call.id}: ${call.status}, end reason ${call.end_reason ?? '-'}${call.error ? ` (${call.error})` : ''}, ${call.duration_seconds ?? 0} s billed`);
    lines.push('', 'Transcript:');
    const spoken = call.messages.filter((m) => m.role === 'user' || m.role === 'assistant');
    if (spoken.length === 0) lines.push('  (nothing was said)');
    for (const m of spoken) lines.push(`  ${m.role === 'user' ? 'caller' : 'agent '}: ${m.content}${m.interrupted ? '  [interrupted]' : ''}`);
    lines.push('', "Latency waterfall (ms from the caller's last voiced packet):");
    const turns = call.latency?.turns ?? [];
    if (turns.length === 0) lines.push('  (no answered turns)');
    else {
      const header = ['turn', 'engine', ...WATERFALL.map(([, label]) => label)];
      const rows = turns.map((t) => [String(t.turn) + (t.interrupted ? '*' : ''), String(t.engine), ...WATERFALL.map(([field]) => ms(t[field]))]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
      lines.push(line(header), ...rows.map(line));
      if (turns.some((t) => t.interrupted)) lines.push('  * the caller barged in on this reply');
    }
  }
  if (note) lines.push('', note);
  if (sip.recorded) lines.push('', `Recording of what the caller heard: ${sip.recorded}`);
  return lines.join('\n') + '\n';
}
