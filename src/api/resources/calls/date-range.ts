/**
 * `start_date` / `end_date` query parameters (ISO 8601) on created_at. A bare date as end
 * (`end_date=2025-12-31`) includes that whole day (UTC); a date-time is taken as given.
 */
import { invalid } from '../../errors.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export interface DateRange {
  /** Inclusive lower bound. */
  from: Date | null;
  /** Exclusive upper bound. */
  before: Date | null;
}

/** `2025-02-30` is not a day (JavaScript's Date would roll it over to March 2). */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function parse(param: string, value: string): { date: Date; dateOnly: boolean } {
  const trimmed = value.trim();
  const dateOnly = DATE_ONLY.test(trimmed);
  // A date-time without an offset is read as UTC, not as the server's local time.
  const text = dateOnly ? `${trimmed}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) ? trimmed : `${trimmed}Z`;
  const date = new Date(text);
  if (!(dateOnly || DATE_TIME.test(trimmed)) || !isCalendarDate(trimmed) || Number.isNaN(date.getTime())) {
    throw invalid(param, 'must be an ISO 8601 date (2025-12-31) or date-time (2025-12-31T23:00:00Z)');
  }
  return { date, dateOnly };
}

export function parseDateRange(startDate: string | undefined, endDate: string | undefined): DateRange {
  const from = startDate ? parse('start_date', startDate).date : null;
  let before: Date | null = null;
  if (endDate) {
    const end = parse('end_date', endDate);
    before = end.dateOnly ? new Date(end.date.getTime() + 86_400_000) : new Date(end.date.getTime() + 1);
  }
  if (from && before && from >= before) throw invalid('end_date', 'must not be before start_date');
  return { from, before };
}
