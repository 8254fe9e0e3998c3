/** How values read on screen. */

export function duration(seconds: number | null): string {
  if (seconds === null || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function dateTime(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function time(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString(undefined, { timeStyle: 'medium' });
}

/** `in-progress` → `In progress`. */
export function label(value: string | null): string {
  if (!value) return '—';
  const text = value.replace(/-/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const LIVE_STATUSES = ['ringing', 'connecting', 'in-progress', 'forwarding'];
export const CALL_STATUSES = ['ringing', 'connecting', 'in-progress', 'forwarding', 'transferred', 'ended', 'ended-with-error', 'failed', 'rejected'];
export const DIRECTIONS = ['inbound', 'outbound', 'web'];

/** A status as a badge class: live, good, bad or plain. */
export function statusTone(status: string): string {
  if (LIVE_STATUSES.includes(status)) return 'live';
  if (status === 'ended' || status === 'transferred') return 'good';
  if (status === 'ended-with-error' || status === 'failed' || status === 'rejected') return 'bad';
  return 'plain';
}
