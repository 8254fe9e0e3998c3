/**
 * Calls as the call path wrote them (this module only reads). `recording_url` points at
 * GET /calls/{id}/recording on this API, which checks the key like any other route.
 */
import { isAbsolute, resolve } from 'node:path';
import { loadTranscript, presentMessage } from '../../../analysis/transcript.js';
import type { Queryable } from '../../../db/pool.js';
import { invalid, notFound } from '../../errors.js';
import { alias, iso, isoOrNull } from '../../wrap.js';
import { parseDateRange } from './date-range.js';
import { CALL_STATUSES, type CallSummaryView, type CallView, type ListCallsQueryValue } from './schema.js';

type Status = (typeof CALL_STATUSES)[number];

interface CallRow extends Omit<CallSummaryView, 'started_at' | 'ended_at' | 'created_at' | 'updated_at' | 'recording_url' | 'analysis_result'> {
  analysis_result: unknown;
  started_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
  updated_at: Date;
  recording_path: string | null;
}

const COLUMNS = `id, direction, status, end_reason, error, caller_phone, assistant_phone, agent_id, agent_name, business_name,
                 number_id, campaign_id, lead_id, room_name, started_at, ended_at, duration_seconds, summary, analysis_result,
                 analysis_error, recording_path, sip_status, metadata, created_at, updated_at`;

/** Turns a call id into the absolute URL of its recording. */
export type RecordingUrl = (callId: string) => string;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function toSummary(row: CallRow, recordingUrl: RecordingUrl): CallSummaryView {
  const { recording_path, ...rest } = row;
  return {
    ...rest,
    metadata: row.metadata ?? {},
    analysis_result: isObject(row.analysis_result) ? row.analysis_result : null,
    started_at: isoOrNull(row.started_at),
    ended_at: isoOrNull(row.ended_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    recording_url: recording_path ? recordingUrl(row.id) : null,
  };
}

function parseStatuses(value: string | undefined): Status[] | null {
  if (value === undefined || value.trim() === '') return null;
  const statuses = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = statuses.find((s) => !CALL_STATUSES.includes(s as Status));
  if (unknown !== undefined) throw invalid('status', `must be one of ${CALL_STATUSES.join(', ')} (or a comma list of them)`);
  return statuses as Status[];
}

export interface CallPage {
  calls: CallSummaryView[];
  pagination: { total: number; limit: number; offset: number };
}

/** Newest first. Every filter is optional; the total counts all matching calls. */
export async function listCalls(db: Queryable, orgId: string, query: ListCallsQueryValue, recordingUrl: RecordingUrl): Promise<CallPage> {
  const limit = query.limit ?? 100;
  const offset = query.offset ?? 0;
  const range = parseDateRange(query.start_date, query.end_date);
  const where = ['org_id = $1'];
  const values: unknown[] = [orgId];
  const add = (clause: (param: string) => string, value: unknown) => {
    values.push(value);
    where.push(clause(`$${values.length}`));
  };
  const statuses = parseStatuses(query.status);
  if (statuses) add((p) => `status = ANY(${p}::text[])`, statuses);
  if (range.from) add((p) => `created_at >= ${p}`, range.from);
  if (range.before) add((p) => `created_at < ${p}`, range.before);
  const agentId = alias<string>(query, 'agent_id', 'assistant_id');
  if (agentId) add((p) => `agent_id = ${p}`, agentId);
  if (query.direction) add((p) => `direction = ${p}`, query.direction);
  const filter = where.join(' AND ');
  // LIMIT and OFFSET are bound like every other value, never written into the SQL text.
  const n = values.length;
  const [page, count] = await Promise.all([
    db.query<CallRow>(`SELECT ${COLUMNS} FROM calls WHERE ${filter} ORDER BY created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`, [
      ...values,
      limit,
      offset,
    ]),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM calls WHERE ${filter}`, values),
  ]);
  return { calls: page.rows.map((r) => toSummary(r, recordingUrl)), pagination: { total: count.rows[0].total, limit, offset } };
}

export async function getCall(db: Queryable, orgId: string, id: string, recordingUrl: RecordingUrl): Promise<CallView> {
  const { rows } = await db.query<CallRow & { latency: Record<string, unknown> | null }>(`SELECT ${COLUMNS}, latency FROM calls WHERE org_id = $1 AND id = $2`, [orgId, id]);
  const row = rows[0];
  if (!row) throw notFound('call');
  // The one stored transcript, presented as the end-of-call report presents it.
  const messages = (await loadTranscript(db, orgId, id)).map(presentMessage) as CallView['messages'];
  return {
    ...toSummary(row, recordingUrl),
    phone_number: row.assistant_phone,
    messages,
    latency: row.latency ?? null,
  };
}

/** The recording file of a call; relative paths are under the data directory. */
export async function recordingFile(db: Queryable, orgId: string, id: string, dataDir: string): Promise<string> {
  const { rows } = await db.query<{ recording_path: string | null }>('SELECT recording_path FROM calls WHERE org_id = $1 AND id = $2', [
    orgId,
    id,
  ]);
  if (!rows[0]) throw notFound('call');
  const path = rows[0].recording_path;
  if (!path) throw notFound('recording');
  return isAbsolute(path) ? path : resolve(dataDir, path);
}
