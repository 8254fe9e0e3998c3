/**
 * Small type checks for configuration objects that arrive as untyped JSON (REST bodies after the
 * schema gate, `assistant-request` overrides, template rows). Each takes the value and the
 * `param` path to name in the error.
 */
import { invalidField, missing } from './errors.js';

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown, param: string): JsonRecord {
  if (!isRecord(value)) throw invalidField(param, 'must be an object');
  return value;
}

/** The first defined value among accepted spellings of one key. */
export function pick(obj: JsonRecord, ...keys: string[]): unknown {
  for (const key of keys) if (obj[key] !== undefined) return obj[key];
  return undefined;
}

export interface StringRule {
  min?: number;
  max: number;
  pattern?: RegExp;
  /** Said when the pattern does not match. */
  patternText?: string;
}

export function string(value: unknown, param: string, rule: StringRule): string {
  if (typeof value !== 'string') throw invalidField(param, 'must be a string');
  if (value.length < (rule.min ?? 0)) throw invalidField(param, rule.min === 1 ? 'must not be empty' : `must be at least ${rule.min} characters`);
  if (value.length > rule.max) throw invalidField(param, `must be at most ${rule.max} characters`);
  if (rule.pattern && !rule.pattern.test(value)) throw invalidField(param, rule.patternText ?? 'has an invalid format');
  return value;
}

export function requiredString(value: unknown, param: string, rule: StringRule): string {
  if (value === undefined || value === null) throw missing(param);
  return string(value, param, { min: 1, ...rule });
}

/** undefined or null → undefined; otherwise a checked string. */
export function optionalString(value: unknown, param: string, rule: StringRule): string | undefined {
  return value === undefined || value === null ? undefined : string(value, param, rule);
}

export function boolean(value: unknown, param: string): boolean {
  if (typeof value !== 'boolean') throw invalidField(param, 'must be a boolean');
  return value;
}

export function number(value: unknown, param: string, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidField(param, integer ? 'must be an integer' : 'must be a number');
  if (integer && !Number.isInteger(value)) throw invalidField(param, 'must be an integer');
  if (value < min || value > max) throw invalidField(param, `must be between ${min} and ${max}`);
  return value;
}

export function array(value: unknown, param: string, maxItems: number): unknown[] {
  if (!Array.isArray(value)) throw invalidField(param, 'must be an array');
  if (value.length > maxItems) throw invalidField(param, `must have at most ${maxItems} items`);
  return value;
}

export function oneOf<T extends string>(value: unknown, param: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw invalidField(param, `must be one of: ${allowed.join(', ')}`);
  return value as T;
}

const MAX_URL = 2048;

/** An absolute http(s) URL with a host. Delivery-time checks (private networks) are the webhook module's. */
export function httpUrl(value: unknown, param: string): string {
  const text = string(value, param, { min: 1, max: MAX_URL });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidField(param, 'must be an absolute http(s) URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw invalidField(param, 'must be an absolute http(s) URL');
  }
  return text;
}

/** A URL field that may be cleared: null or "" → null. */
export function nullableHttpUrl(value: unknown, param: string): string | null {
  return value === null || value === '' ? null : httpUrl(value, param);
}

const SCHEMA_TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

/**
 * A JSON-Schema-like object (tool parameters, analysis schemas): a plain object whose `type`,
 * if given, is a JSON Schema type name, whose `properties` map names to objects and whose
 * `required` is a list of names. Deeper keywords are kept as sent.
 */
export function jsonSchemaObject(value: unknown, param: string): JsonRecord {
  const schema = record(value, param);
  const type = schema.type;
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  if (!types.every((t) => typeof t === 'string' && SCHEMA_TYPES.includes(t))) {
    throw invalidField(`${param}.type`, `must be a JSON Schema type (${SCHEMA_TYPES.join(', ')})`);
  }
  if (schema.properties !== undefined) {
    const props = record(schema.properties, `${param}.properties`);
    for (const [key, sub] of Object.entries(props)) {
      if (!isRecord(sub) && typeof sub !== 'boolean') throw invalidField(`${param}.properties.${key}`, 'must be a JSON Schema object');
    }
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required) || !schema.required.every((r) => typeof r === 'string')) {
      throw invalidField(`${param}.required`, 'must be an array of property names');
    }
  }
  return schema;
}
