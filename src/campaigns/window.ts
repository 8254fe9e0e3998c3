/**
 * The calling window (flireo-api B §3.13, A.5): a daily stretch `start`–`end` (HH:MM:SS, end
 * exclusive) on the listed weekdays, read on the wall clock of an IANA time zone. Intl does the
 * zone arithmetic, so daylight-saving changes need nothing special: 09:00 is 09:00 local on
 * either side of the change.
 */
export interface CallingWindow {
  start: string;
  end: string;
  days: readonly string[];
}

const WEEKDAY: Record<string, string> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  return f;
}

/** The weekday (`mon`…`sun`) and time of day (`HH:MM:SS`) at `at` in `zone`. */
export function localTime(at: Date, zone: string): { day: string; time: string } {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(at)) parts[p.type] = p.value;
  return { day: WEEKDAY[parts.weekday] ?? '', time: `${parts.hour}:${parts.minute}:${parts.second}` };
}

/** True when `zone` is a time zone Intl knows. */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

export function isOpen(window: CallingWindow, zone: string, at: Date): boolean {
  const { day, time } = localTime(at, zone);
  return window.days.includes(day) && time >= window.start && time < window.end;
}
