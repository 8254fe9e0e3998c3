/**
 * Small helpers for Flireo-shaped responses and input: ISO timestamps, response wrappers,
 * accepted field aliases and phone-number input.
 */
import { isDeepStrictEqual } from 'node:util';
import { normalizeE164 } from '../phone.js';
import { invalid, invalidPhoneNumber, missingField } from './errors.js';

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
 * The value of a field among its accepted spellings, e.g. `alias(body, 'phone_number', 'number')`
 * or `alias(body, 'agent_id', 'assistant_id')`; two spellings with different values are a 400
 * (see `oneSpelling`), so neither is silently dropped.
 */
export function alias<T>(body: object, ...names: string[]): T | undefined {
  return oneSpelling<T>(body, '', ...names);
}

/**
 * Like `alias`, for spellings a response carries side by side (`voiceId` and `voice_id`, `host`
 * and `address`): a client that reads an object, edits one spelling and sends the object back
 * would otherwise have its edit lost to the stale other one. Two spellings with different values
 * are refused (400 naming both); the same value twice is fine. `at` prefixes the param
 * (`tts_config.`).
 */
export function oneSpelling<T>(body: object, at: string, ...names: string[]): T | undefined {
  const record = body as Record<string, unknown>;
  const given = names.filter((name) => record[name] !== undefined);
  for (const other of given.slice(1)) {
    if (!isDeepStrictEqual(record[given[0]], record[other])) {
      throw invalid(`${at}${other}`, `is another spelling of ${at}${given[0]} with a different value; send one of them`);
    }
  }
  return given.length > 0 ? (record[given[0]] as T) : undefined;
}

/** Normalises a phone input to E.164 or throws 400 `invalid_phone_number` naming `param`. */
export function requireE164(param: string, value: string | undefined | null): string {
  if (value === undefined || value === null) throw missingField(param);
  const normalised = normalizeE164(value);
  if (normalised === null) throw invalidPhoneNumber(param);
  return normalised;
}
