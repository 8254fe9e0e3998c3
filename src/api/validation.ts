/**
 * Request validators. JSON bodies are checked strictly (no type coercion: `"5"` is not a number),
 * while path and query strings are coerced (`?limit=10` is an integer). Both strip unknown fields
 * of `additionalProperties: false` objects and fill schema defaults. Every number a request can
 * carry has a `maximum` (Ajv's `strictNumbers` is not used: with coercion it lets "Infinity" through).
 *
 * The work is bounded so that one request cannot hold the main thread, which also runs the SIP
 * stack (issue #8: 400,000 bad items once cost 10 s and 800,001 error objects). The first pass
 * stops at the first problem, and Ajv checks `maxItems` before it looks at any item. Only an input
 * of at most FULL_REPORT_MAX_VALUES values is validated a second time to list every problem.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

/** Above this many values (objects, arrays, scalars) a failed input reports its first problem only. */
export const FULL_REPORT_MAX_VALUES = 5_000;

const common: Options = {
  removeAdditional: true,
  useDefaults: true,
  // TypeBox and OpenAPI annotations (examples, description) are not validation keywords.
  strict: false,
};

function makeAjv(coerceTypes: Options['coerceTypes'], allErrors: boolean): Ajv {
  const ajv = new Ajv({ ...common, coerceTypes, allErrors });
  addFormats(ajv);
  return ajv;
}

/** How many values `data` holds, counted up to `limit` (iterative, so nesting cannot overflow the stack). */
export function countValues(data: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const value = stack.pop();
    if (++count >= limit) return limit;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const child of value) {
        stack.push(child);
        if (count + stack.length >= limit) return limit;
      }
    } else {
      for (const key in value) {
        stack.push((value as Record<string, unknown>)[key]);
        if (count + stack.length >= limit) return limit;
      }
    }
  }
  return count;
}

const pointerSegment = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * PostgreSQL text cannot hold NUL, so `?status=%00` is refused here rather than failing in a
 * query. (Bodies are checked on their JSON text, see json-body.ts.) Query and params are flat.
 */
function nulError(data: unknown, known: ReadonlySet<string>): ErrorObject | null {
  if (data === null || typeof data !== 'object') return null;
  for (const [key, value] of Object.entries(data)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (key.includes('\0') || values.some((v) => typeof v === 'string' && v.includes('\0'))) {
      return {
        instancePath: known.has(key) ? `/${pointerSegment(key)}` : '',
        schemaPath: '#',
        keyword: 'nul',
        params: {},
        message: 'must not contain NUL characters',
      };
    }
  }
  return null;
}

type Validator = ((data: unknown, context?: unknown) => boolean) & { errors?: ErrorObject[] | null; schemaEnv?: unknown };

function boundedValidator(first: ValidateFunction, everyProblem: () => ValidateFunction, known: ReadonlySet<string> | null): Validator {
  const validate: Validator = (data, context) => {
    const nul = known ? nulError(data, known) : null;
    if (nul) {
      validate.errors = [nul];
      return false;
    }
    // Ajv's second argument carries the parent object, so a coerced root value can be replaced.
    const ctx = context as Parameters<ValidateFunction>[1];
    if (first(data, ctx)) return true;
    validate.errors = first.errors;
    if (countValues(data, FULL_REPORT_MAX_VALUES) < FULL_REPORT_MAX_VALUES) {
      const full = everyProblem();
      if (!full(data, ctx)) validate.errors = full.errors;
    }
    return false;
  };
  // Fastify passes the parent context only to functions that look like Ajv's.
  validate.schemaEnv = first.schemaEnv;
  return validate;
}

export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const body = { first: makeAjv(false, false), all: makeAjv(false, true) };
  const strings = { first: makeAjv('array', false), all: makeAjv('array', true) };
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? body : strings;
    let full: ValidateFunction | undefined;
    // Compiled on the first failure only: most schemas never need it.
    const everyProblem = () => (full ??= ajv.all.compile(schema as object));
    const properties = (schema as { properties?: Record<string, unknown> }).properties ?? {};
    const known = httpPart === 'body' ? null : new Set(Object.keys(properties));
    return boundedValidator(ajv.first.compile(schema as object), everyProblem, known);
  };
}
