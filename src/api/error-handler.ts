/**
 * Turns every failure into the catalogue body of errors.ts: ApiErrors from services, Fastify's
 * validation and body-parser errors, PostgreSQL constraint errors that slipped past a service,
 * unknown routes and plain bugs (500 `internal_error`, no stack, logged with the request id).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pg from 'pg';
import { ApiError, internalError, notFound, type ErrorCode } from './errors.js';

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
  const details = [...new Set(described.map((d) => d.text))];
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

function fromFastifyError(err: FastifyError): ApiError | null {
  const status = err.statusCode ?? 500;
  if (status >= 500) return null;
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_request', `Malformed JSON body: ${err.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('invalid_request', 'Request body is too large', { status: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('invalid_request', 'Unsupported Content-Type; send application/json', { status: 415 });
  }
  if (err instanceof SyntaxError) return new ApiError('invalid_request', `Malformed JSON body: ${err.message}`);
  return new ApiError(CODE_BY_STATUS[status] ?? 'invalid_request', err.message, { status });
}

/** Safety net for constraint errors a service did not turn into a better message itself. */
function fromPgError(err: pg.DatabaseError): ApiError | null {
  switch (err.code) {
    case '23505':
      return new ApiError('conflict', 'A resource with the same unique value already exists');
    case '23503':
      return err.message.startsWith('update or delete')
        ? new ApiError('conflict', 'The resource is still referenced by another resource')
        : new ApiError('invalid_request', 'A referenced resource does not exist');
    case '22P02':
    case '23514':
    case '22001':
      return new ApiError('invalid_request', 'A field has an invalid value');
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
  app.setNotFoundHandler((request, reply) =>
    sendApiError(reply, new ApiError('not_found', `Route ${request.method} ${request.url.split('?')[0]} not found`)),
  );
}
