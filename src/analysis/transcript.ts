/**
 * The call's one ordered transcript, `call_messages` (DESIGN §5.1): both sides with timestamps,
 * interrupted turns as the caller heard them, the model's tool calls and their results. The media
 * worker builds it; whoever owns the call writes it here; the REST API, the end-of-call report and
 * the analysis prompts all read it from here, so they can never disagree.
 */
import type { ReportMessage } from '../events/payloads.js';
import type { Queryable } from '../db/pool.js';

export type TranscriptRole = 'user' | 'assistant' | 'system' | 'tool';

export interface TranscriptToolCall {
  id: string;
  name: string;
  /** The model's arguments: an object when they parsed as JSON, else the raw string. */
  arguments: unknown;
}

/** One entry as the call owner hands it over. */
export interface TranscriptEntry {
  role: TranscriptRole;
  /** For an interrupted turn: only what the caller heard. Empty for a turn that only called tools. */
  content: string;
  interrupted?: boolean;
  startedAt?: Date | null;
  endedAt?: Date | null;
  /** Assistant turns that called tools. */
  toolCalls?: TranscriptToolCall[];
  /** Tool rows: the call this result answers, and the tool's name. */
  toolCallId?: string;
  name?: string;
}

/** One stored row. */
export interface StoredMessage {
  seq: number;
  role: TranscriptRole;
  content: string;
  interrupted: boolean;
  started_at: Date | null;
  ended_at: Date | null;
  tool_calls: TranscriptToolCall[] | null;
  tool_call_id: string | null;
  name: string | null;
}

/**
 * Writes entries in order, numbered from `firstSeq` (one statement, so a transcript is stored
 * whole or not at all). The unique (call_id, seq) key makes a repeated write fail, not duplicate.
 */
export async function appendTranscript(db: Queryable, orgId: string, callId: string, entries: readonly TranscriptEntry[], firstSeq = 1): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e, i) => ({
    seq: firstSeq + i,
    role: e.role,
    content: e.content,
    interrupted: e.interrupted ?? false,
    started_at: e.startedAt?.toISOString() ?? null,
    ended_at: e.endedAt?.toISOString() ?? null,
    tool_calls: e.toolCalls && e.toolCalls.length > 0 ? e.toolCalls : null,
    tool_call_id: e.toolCallId ?? null,
    name: e.name ?? null,
  }));
  await db.query(
    `INSERT INTO call_messages (org_id, call_id, seq, role, content, interrupted, started_at, ended_at, tool_calls, tool_call_id, name)
     SELECT $1, $2, r.seq, r.role, r.content, r.interrupted, r.started_at, r.ended_at, r.tool_calls, r.tool_call_id, r.name
       FROM jsonb_to_recordset($3::jsonb) AS r(seq integer, role text, content text, interrupted boolean, started_at timestamptz,
                                               ended_at timestamptz, tool_calls jsonb, tool_call_id text, name text)`,
    [orgId, callId, JSON.stringify(rows)],
  );
}

export async function loadTranscript(db: Queryable, orgId: string, callId: string): Promise<StoredMessage[]> {
  const { rows } = await db.query<StoredMessage>(
    `SELECT seq, role, content, interrupted, started_at, ended_at, tool_calls, tool_call_id, name
       FROM call_messages WHERE org_id = $1 AND call_id = $2 ORDER BY seq`,
    [orgId, callId],
  );
  return rows;
}

/** The entry as the API and the report show it (snake_case keys; the report re-keys them per format). */
export function presentMessage(m: StoredMessage): ReportMessage {
  const out: ReportMessage = {
    role: m.role,
    content: m.content,
    interrupted: m.interrupted,
    started_at: m.started_at?.toISOString() ?? null,
    ended_at: m.ended_at?.toISOString() ?? null,
  };
  if (m.tool_calls && m.tool_calls.length > 0) {
    out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
  }
  if (m.tool_call_id !== null) out.tool_call_id = m.tool_call_id;
  if (m.name !== null) out.name = m.name;
  return out;
}

/** Spoken turns with words in them: what `min_messages_threshold` counts. */
export function conversationLength(messages: readonly StoredMessage[]): number {
  return messages.filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content.trim() !== '').length;
}

function argumentsText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The transcript as prompt text: `User: …` / `AI: …` lines, tool calls and results on their own
 * lines, and a mark on turns the caller cut off (their text is what was heard).
 */
export function transcriptText(messages: readonly StoredMessage[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'tool') {
      lines.push(`Tool result${m.name ? ` (${m.name})` : ''}: ${m.content}`);
      continue;
    }
    const speaker = m.role === 'user' ? 'User' : 'AI';
    if (m.content.trim() !== '') lines.push(`${speaker}: ${m.content}${m.interrupted ? ' [interrupted by the caller]' : ''}`);
    for (const call of m.tool_calls ?? []) lines.push(`AI called tool ${call.name}(${argumentsText(call.arguments)})`);
  }
  return lines.join('\n');
}
