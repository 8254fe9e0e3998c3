/**
 * The one error catalogue of the REST API (flireo-api A.1). Services throw `ApiError`s made by the
 * helpers below and never import Fastify; `error-handler.ts` turns them (and Fastify's own
 * errors) into `{"error": code, "message", "type": code, "param"?, "details"?}`.
 *
 * `type` repeats the machine code: the vendor's Node SDK (`hmsovereign`) declares its error body as
 * `{error, message?, param?, type?}` and reads the code from `type`, the G2 error page nests the
 * same `{code, message, param, type}`; `error` stays the code for G2 clients (A.1).
 */

export const ERROR_STATUS = {
  invalid_request: 400,
  missing_field: 400,
  invalid_phone_number: 400,
  call_not_active: 400,
  unauthorized: 401,
  api_key_revoked: 401,
  insufficient_credits: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limit_exceeded: 429,
  internal_error: 500,
  provider_unavailable: 502,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  /** The machine code again, where the SDK reads it. */
  type: ErrorCode;
  param?: string;
  details?: string[];
  /** 429 only: seconds until the window resets (also the Retry-After header). */
  retry_after?: number;
}

export interface ApiErrorOptions {
  param?: string;
  details?: string[];
  /** Overrides the catalogue status (413 body too large is an `invalid_request`, for instance). */
  status?: number;
  /** Extra response headers (Retry-After). */
  headers?: Record<string, string>;
  /** 429: seconds to wait, repeated in the body as `retry_after`. */
  retryAfter?: number;
}

export class ApiError extends Error {
  readonly status: number;
  readonly param?: string;
  readonly details?: string[];
  readonly headers?: Record<string, string>;
  readonly retryAfter?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = options.status ?? ERROR_STATUS[code];
    this.param = options.param;
    this.details = options.details;
    this.headers = options.headers;
    this.retryAfter = options.retryAfter;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: this.code, message: this.message, type: this.code };
    if (this.param !== undefined) body.param = this.param;
    if (this.details !== undefined) body.details = this.details;
    if (this.retryAfter !== undefined) body.retry_after = this.retryAfter;
    return body;
  }
}

/** `notFound('agent')` → 404 "agent not found". Also the answer for ids of another organization. */
export function notFound(resource: string, param?: string): ApiError {
  return new ApiError('not_found', `${resource} not found`, { param });
}

export function conflict(message: string, param?: string): ApiError {
  return new ApiError('conflict', message, { param });
}

/** A field that is present but wrong. */
export function invalid(param: string, message: string): ApiError {
  return new ApiError('invalid_request', message, { param, details: [`${param}: ${message}`] });
}

export function missingField(param: string): ApiError {
  return new ApiError('missing_field', `${param} is required`, { param, details: [`${param}: is required`] });
}

export function invalidPhoneNumber(param: string): ApiError {
  return new ApiError('invalid_phone_number', `${param} must be a phone number in E.164 format, e.g. +31850835037`, { param });
}

export function unauthorized(message = 'Invalid or missing API key'): ApiError {
  return new ApiError('unauthorized', message);
}

export function apiKeyRevoked(): ApiError {
  return new ApiError('api_key_revoked', 'API key has been revoked');
}

export function forbidden(message = "You don't have access to this resource"): ApiError {
  return new ApiError('forbidden', message);
}

export function insufficientCredits(message = 'Insufficient credits. Please add minutes to your organization.'): ApiError {
  return new ApiError('insufficient_credits', message);
}

export function callNotActive(message = 'Call is not active'): ApiError {
  return new ApiError('call_not_active', message);
}

export function providerUnavailable(message: string): ApiError {
  return new ApiError('provider_unavailable', message);
}

export function rateLimited(retryAfterSeconds: number): ApiError {
  return new ApiError('rate_limit_exceeded', `Too many requests. Please retry after ${retryAfterSeconds} seconds.`, {
    headers: { 'retry-after': String(retryAfterSeconds) },
    retryAfter: retryAfterSeconds,
  });
}

export function internalError(): ApiError {
  return new ApiError('internal_error', 'Internal server error');
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
