/**
 * Small helpers for Flireo-shaped responses and input: ISO timestamps, response wrappers,
 * accepted field aliases and phone-number input.
 */
import { normalizeE164 } from '../phone.js';
import { invalidPhoneNumber, missingField } from './errors.js';

/** ISO-8601 UTC with milliseconds (`2025-12-13T10:00:00.000Z`), the API's only timestamp format. */
export function iso(date: Date | string): string {
  return (date instanceof Date ? date : new Date(date)).toISOString();
}

export function isoOrNull(date: Date | string | null | undefined): string | null {
  return date === null || date === undefined ? null : iso(date);
}

/** `{"success": true}` — the body of every delete. */
export const SUCCESS = Object.freeze({ success: true as const });

/**
 * The first present value among accepted spellings of one field, e.g.
 * `alias(body, 'phone_number', 'number')` or `alias(body, 'agent_id', 'assistant_id')`.
 */
export function alias<T>(body: object, ...names: string[]): T | undefined {
  const record = body as Record<string, unknown>;
  for (const name of names) if (record[name] !== undefined) return record[name] as T;
  return undefined;
}

/** Normalises a phone input to E.164 or throws 400 `invalid_phone_number` naming `param`. */
export function requireE164(param: string, value: string | undefined | null): string {
  if (value === undefined || value === null) throw missingField(param);
  const normalised = normalizeE164(value);
  if (normalised === null) throw invalidPhoneNumber(param);
  return normalised;
}
