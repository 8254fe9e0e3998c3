/**
 * The notification e-mail of a finished call (flireo-api B §3.2 `notification_email`, §3.11): who
 * called, for how long, the summary, the analysis and a link to the call. Plain text plus a
 * simple HTML version; everything from the call is escaped.
 */
import type { CallRecord } from './call-record.js';

export interface NotificationContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function duration(seconds: number | null): string {
  const s = Math.max(0, seconds ?? 0);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function renderNotification(call: CallRecord, agentName: string | null, publicUrl: string): NotificationContent {
  const caller = call.caller_phone ?? 'an unknown number';
  const link = `${publicUrl}/api/v1/calls/${call.id}`;
  const fields: Array<[string, string]> = [
    ['Caller', caller],
    ['Agent', agentName ?? 'unknown'],
    ['Number', call.assistant_phone ?? '—'],
    ['Duration', duration(call.duration_seconds)],
    ['Ended', call.end_reason ?? call.status],
  ];
  const summary = call.summary?.trim() || 'No summary is available for this call.';
  const analysis = call.analysis_result ? JSON.stringify(call.analysis_result, null, 2) : null;
  const text = [
    ...fields.map(([k, v]) => `${k}: ${v}`),
    '',
    'Summary:',
    summary,
    ...(analysis ? ['', 'Analysis:', analysis] : []),
    '',
    `Call details (needs your API key): ${link}`,
  ].join('\n');
  const rows = fields.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const html =
    `<table>${rows}</table>` +
    `<h3>Summary</h3><p>${escapeHtml(summary)}</p>` +
    (analysis ? `<h3>Analysis</h3><pre>${escapeHtml(analysis)}</pre>` : '') +
    `<p><a href="${escapeHtml(link)}">Call details</a> (needs your API key)</p>`;
  return { subject: `Call from ${caller} with ${agentName ?? 'your agent'} (${duration(call.duration_seconds)})`, text, html };
}
