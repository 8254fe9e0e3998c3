/**
 * Turns every failure into the catalogue body of errors.ts: ApiErrors from services, Fastify's
 * validation, router and body-parser errors, errors of Node's HTTP parser (431, 408, garbage),
 * PostgreSQL errors that slipped past a service, and plain bugs (500 `internal_error`, no stack,
 * logged with the request id). No message quotes the URL or the input: Fastify's own texts do,
 * so they are replaced by fixed ones.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pg from 'pg';
import { ApiError, internalError, notFound, type ErrorCode } from './errors.js';

/** The details list names at most this many problems, then says how many more there were. */
export const MAX_DETAILS = 20;

interface AjvLikeError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/llm_config/tools/0/name` → `llm_config.tools[0].name` */
export function paramFromPointer(pointer: string, child?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describeAjvError(e: AjvLikeError, context: string): { param: string; text: string } {
  const child =
    e.keyword === 'required' ? String(e.params.missingProperty) : e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined;
  const param = paramFromPointer(e.instancePath, child);
  const message = e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
  return { param, text: param ? `${param}: ${message}` : `${context} ${message}` };
}

export function fromValidationError(validation: AjvLikeError[], context: string): ApiError {
  // anyOf branches add one error per branch and a summary; the summary alone reads best.
  const meaningful = validation.filter((e) => e.keyword !== 'anyOf' || validation.length === 1);
  const described = (meaningful.length ? meaningful : validation).map((e) => describeAjvError(e, context));
  const unique = [...new Set(described.map((d) => d.text))];
  const details = unique.slice(0, MAX_DETAILS);
  if (unique.length > MAX_DETAILS) details.push(`… ${unique.length - MAX_DETAILS} more problems not listed`);
  const first = described[0];
  if (context === 'params') return notFound('resource', first?.param || undefined);
  const missing = validation.find((e) => e.keyword === 'required');
  if (missing) {
    const param = describeAjvError(missing, context).param;
    return new ApiError('missing_field', `${param} is required`, { param, details });
  }
  const where = context === 'querystring' ? 'query parameter' : 'field';
  const message = first?.param ? `Invalid ${where} ${details[0]}` : `Invalid request ${context}: ${details[0] ?? 'malformed'}`;
  return new ApiError('invalid_request', message, { param: first?.param || undefined, details });
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  401: 'unauthorized',
  402: 'insufficient_credits',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limit_exceeded',
};

const malformedJson = () => new ApiError('invalid_request', 'Malformed JSON body');

/** Fastify's errors by code, each with a fixed message (theirs quote the URL or the body). */
const FRAMEWORK_ERRORS: Record<string, () => ApiError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: malformedJson,
  FST_ERR_CTP_EMPTY_JSON_BODY: malformedJson,
  FST_ERR_CTP_BODY_TOO_LARGE: () => new ApiError('invalid_request', 'Request body is too large (at most 1 MiB)', { status: 413 }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new ApiError('invalid_request', 'Unsupported Content-Type; send application/json', { status: 415 }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new ApiError('invalid_request', 'Content-Length does not match the body'),
  FST_ERR_BAD_URL: () => new ApiError('invalid_request', 'The URL is malformed (bad percent-encoding)'),
  FST_ERR_MAX_PARAM_LENGTH: () => new ApiError('invalid_request', 'A path parameter is too long', { status: 414 }),
};

function fromFastifyError(err: FastifyError): ApiError | null {
  const known = FRAMEWORK_ERRORS[err.code];
  if (known) return known();
  if (err instanceof SyntaxError) return malformedJson();
  const status = err.statusCode ?? 500;
  if (status < 400 || status >= 500) return null;
  return new ApiError(CODE_BY_STATUS[status] ?? 'invalid_request', STATUS_CODES[status] ?? 'Bad Request', { status });
}

/** Safety net for constraint and data errors a service did not turn into a better message itself. */
function fromPgError(err: pg.DatabaseError): ApiError | null {
  switch (err.code) {
    case '23505':
      return new ApiError('conflict', 'A resource with the same unique value already exists');
    case '23503':
      return err.message.startsWith('update or delete')
        ? new ApiError('conflict', 'The resource is still referenced by another resource')
        : new ApiError('invalid_request', 'A referenced resource does not exist');
    case '22P02': // invalid text representation
    case '22P05': // untranslatable character (\u0000 in jsonb)
    case '22021': // invalid byte sequence (NUL in text)
    case '23514': // check violation
    case '22001': // string too long
      return new ApiError('invalid_request', 'A field has an invalid value');
    case '22003': // numeric value out of range
      return new ApiError('invalid_request', 'A number is out of range');
    default:
      return null;
  }
}

export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof pg.DatabaseError) return fromPgError(err);
  const fe = err as FastifyError & { validation?: AjvLikeError[]; validationContext?: string };
  if (fe && Array.isArray(fe.validation)) return fromValidationError(fe.validation, fe.validationContext ?? 'body');
  if (fe && typeof fe === 'object' && typeof fe.statusCode === 'number') return fromFastifyError(fe);
  return null;
}

export function sendApiError(reply: FastifyReply, error: ApiError): FastifyReply {
  if (error.headers) reply.headers(error.headers);
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.toBody());
}

/** For Fastify's `frameworkErrors` option: bad percent-encoding, over-long path parameters. */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  void sendApiError(reply, toApiError(err) ?? internalError());
}

function fromClientError(code: string | undefined): ApiError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ApiError('invalid_request', 'Request timed out', { status: 408 });
  if (code === 'HPE_HEADER_OVERFLOW') return new ApiError('invalid_request', 'Request headers are too large', { status: 431 });
  return new ApiError('invalid_request', 'Malformed HTTP request');
}

/**
 * For Fastify's `clientErrorHandler` option: Node's HTTP parser failed, or the request did not
 * arrive in time, before there is a request object. The answer is written to the socket as is
 * and the connection is closed, which is what cuts a slow client off.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error = fromClientError(err.code);
  this.log.debug({ code: err.code, status: error.status }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(error.toBody());
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const mapped = toApiError(err);
    if (mapped) {
      request.log.debug({ code: mapped.code, status: mapped.status }, 'request refused');
      return sendApiError(reply, mapped);
    }
    request.log.error({ err }, 'unhandled error');
    return sendApiError(reply, internalError());
  });
}
