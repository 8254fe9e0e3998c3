/**
 * Campaign schedule input: daily window times, IANA time zones and weekdays, normalised to the
 * forms the dialer reads (`HH:MM:SS`, canonical zone names, `mon`…`sun` in week order).
 */
import { invalid } from '../../errors.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** `9:00` / `09:00` / `09:00:00` → `09:00:00`. */
export function normaliseTime(param: string, value: string): string {
  const m = TIME.exec(value.trim());
  if (!m) throw invalid(param, 'must be a time of day as HH:MM:SS (or HH:MM), e.g. 09:00:00');
  return `${m[1].padStart(2, '0')}:${m[2]}:${m[3] ?? '00'}`;
}

/** Canonical IANA name (`europe/amsterdam` → `Europe/Amsterdam`); unknown zones are refused. */
export function normaliseTimezone(param: string, value: string): string {
  const zone = value.trim();
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) throw invalid(param, 'must be an IANA time zone such as Europe/Amsterdam');
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw invalid(param, `unknown time zone "${zone}"; use an IANA name such as Europe/Amsterdam`);
  }
}

/** `["Monday", "tue", "MON"]` → `["mon", "tue"]` in week order. */
export function normaliseDays(param: string, values: readonly string[]): Weekday[] {
  const days = new Set<Weekday>();
  values.forEach((value, i) => {
    const day = value.trim().toLowerCase().slice(0, 3) as Weekday;
    const full = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
    const ok = WEEKDAYS.includes(day) && (value.trim().length === 3 || full.includes(value.trim().toLowerCase()));
    if (!ok) throw invalid(`${param}[${i}]`, 'must be a weekday: mon, tue, wed, thu, fri, sat or sun');
    days.add(day);
  });
  if (days.size === 0) throw invalid(param, 'must name at least one weekday');
  return WEEKDAYS.filter((d) => days.has(d));
}

/** The window is one stretch of a day; one that crosses midnight is two campaigns. */
export function requireWindow(start: string, end: string): void {
  if (start >= end) throw invalid('schedule_end_time', 'must be later than schedule_start_time (windows across midnight are not supported)');
}
