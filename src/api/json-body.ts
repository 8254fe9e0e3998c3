/**
 * JSON request bodies. Only `application/json` is parsed (a text/plain body would otherwise reach
 * the validator as a string). Before JSON.parse builds anything, one pass over the text refuses
 * what would otherwise fail later as a 500:
 *   - nesting deeper than MAX_JSON_DEPTH: recursive code (JSON.stringify, PostgreSQL's jsonb
 *     parser) runs out of stack on `[[[[…]]]]` 10,000 levels deep;
 *   - `\u0000` in any string or key: PostgreSQL text and jsonb cannot store NUL.
 * An empty or absent body on a route that takes one counts as `{}`, so `POST …/api-keys` works
 * without a body and a forgotten required field reads "name is required", not "body must be object".
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

/** Generous for configs and tool parameter schemas, far below any stack limit. */
export const MAX_JSON_DEPTH = 64;

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const U = 0x75;

export interface JsonTextScan {
  tooDeep: boolean;
  /** A string or key holds the escape `\u0000`. (A raw NUL is already invalid JSON.) */
  nul: boolean;
}

/** One linear pass over JSON text; it allocates nothing and stops as soon as the depth is exceeded. */
export function scanJsonText(text: string, maxDepth = MAX_JSON_DEPTH): JsonTextScan {
  let depth = 0;
  let inString = false;
  let nul = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === QUOTE) inString = false;
      else if (c === BACKSLASH) {
        if (text.charCodeAt(i + 1) === U && text.startsWith('0000', i + 2)) nul = true;
        i += 1; // the escaped character cannot end the string
      }
    } else if (c === QUOTE) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return { tooDeep: true, nul };
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return { tooDeep: false, nul };
}

/** `llm_config.messages[0].content`; only called on a parsed body already known to be shallow. */
function pathOfNul(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\0')) return path;
    const found = pathOfNul(child, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key);
    if (found !== null) return found;
  }
  return null;
}

/** A param is echoed only when it reads like a field path, never as arbitrary client text. */
const PLAIN_PARAM = /^[\w.[\]-]{1,200}$/;

function nulRefused(body: unknown): ApiError {
  const path = pathOfNul(body, '');
  const param = path && PLAIN_PARAM.test(path) ? path : undefined;
  const message = 'must not contain NUL characters (\\u0000)';
  return new ApiError('invalid_request', `Invalid field ${param ?? 'text'}: ${message}`, {
    param,
    details: [`${param ?? 'body'}: ${message}`],
  });
}

export function installJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text === '') return done(null, undefined);
    const scan = scanJsonText(text);
    if (scan.tooDeep) return done(new ApiError('invalid_request', `JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`), undefined);
    parseJson(request, text, (err, parsed) => {
      if (err) done(err, undefined);
      else if (scan.nul) done(nulRefused(parsed), undefined);
      else done(null, parsed);
    });
  });
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
}
