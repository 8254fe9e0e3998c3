/**
 * Shared TypeBox building blocks. The route schema is the single source of validation, the
 * handler's TypeScript types and the OpenAPI document, so every string here has a length cap.
 *
 * Request bodies are built with `Body(...)` (additionalProperties: false). The validator runs with
 * `removeAdditional`, so unknown fields are silently stripped, not refused: clients migrating from
 * Vapi/Retell send extra fields and must keep working.
 */
import { Type, type Static, type TSchema, type TObject, type TProperties } from 'typebox';
import { ERROR_CODES } from './errors.js';

export { Type, type Static, type TSchema };

type StringOptions = Parameters<typeof Type.String>[0];

/** Display names: 1..200 characters. */
export const Name = (o: StringOptions = {}) => Type.String({ minLength: 1, maxLength: 200, ...o });
/** Short free text (descriptions, titles): ≤ 1000 characters. */
export const ShortText = (o: StringOptions = {}) => Type.String({ maxLength: 1000, ...o });
/** Prompts, messages, templates: ≤ 20 000 characters. */
export const LongText = (o: StringOptions = {}) => Type.String({ maxLength: 20_000, ...o });
/** Absolute http(s) URL, ≤ 2048 characters. */
export const Url = (o: StringOptions = {}) => Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, ...o });
export const Email = (o: StringOptions = {}) => Type.String({ format: 'email', maxLength: 320, ...o });
export const Uuid = (o: StringOptions = {}) => Type.String({ format: 'uuid', ...o });
/**
 * A phone number as the client typed it (`+31 85 083 5037`); the service normalises it with
 * `requireE164` and answers 400 `invalid_phone_number` when that fails.
 */
export const PhoneInput = (o: StringOptions = {}) =>
  Type.String({ minLength: 1, maxLength: 64, description: 'E.164 phone number, e.g. +31850835037', ...o });
/** A phone number in responses: always normalised E.164. */
export const E164 = (o: StringOptions = {}) => Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', examples: ['+31850835037'], ...o });
/** ISO-8601 UTC with milliseconds (`2025-12-13T10:00:00.000Z`); see `iso()` in wrap.ts. */
export const IsoDate = (o: StringOptions = {}) => Type.String({ format: 'date-time', examples: ['2025-12-13T10:00:00.000Z'], ...o });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A free-form JSON object (configs, metadata, variables), kept as sent. */
export const JsonObject = (o: { description?: string } = {}) => Type.Object({}, { additionalProperties: true, ...o });

/** A request body: unknown fields are stripped (see the module comment). */
export const Body = <T extends TProperties>(properties: T, o: { description?: string } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...o });

/** Path parameters `{id}`. A malformed id answers 404 `not_found`, like an unknown one. */
export const IdParams = Type.Object({ id: Uuid() });

export const SuccessResponse = Type.Object({ success: Type.Literal(true) });

/** The largest value of a PostgreSQL `integer` column: every integer input that lands in one is capped here. */
export const MAX_INT4 = 2_147_483_647;

/** Offset pagination (flireo-api B §1.4): `limit` default 100, max 1000; `offset` default 0, max 2^31 - 1. */
export const PaginationQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INT4, default: 0 })),
};
export const Pagination = Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });

export const ErrorResponse = Type.Object(
  {
    error: Type.String({ enum: ERROR_CODES }),
    message: Type.String(),
    param: Type.Optional(Type.String()),
    details: Type.Optional(Type.Array(Type.String())),
  },
  { description: 'Error body (flireo-api A.1)' },
);

export type ObjectSchema = TObject;
