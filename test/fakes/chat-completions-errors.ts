/**
 * Error bodies of the three vendors, as their APIs send them:
 * - OpenAI: `{"error": {message, type, param, code}}` (API reference, "Error codes");
 * - Mistral: `{"object": "error", message, type, param, code}`; request-schema errors are 422 with
 *   pydantic's `message.detail[]`; a bad key is 401 `{"message": "Unauthorized", "request_id"}`;
 * - xAI: `{"code": <gRPC status text>, "error": message}`; a wrong key is 400, a missing one 401
 *   (docs.x.ai "Debugging errors").
 */
import { randomBytes } from 'node:crypto';
import type { ChatStyle } from './chat-completions-types.js';

export interface Refusal {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface OpenAiError {
  message: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

export function openAiError(status: number, e: OpenAiError): Refusal {
  return { status, body: { error: { message: e.message, type: e.type ?? 'invalid_request_error', param: e.param ?? null, code: e.code ?? null } } };
}

export function mistralError(status: number, message: string, type = 'invalid_request_error', code: string | null = null): Refusal {
  return { status, body: { object: 'error', message, type, param: null, code } };
}

/** Mistral's message-order refusals (code 3230, type `invalid_request_message_order`). */
export function mistralOrderError(message: string): Refusal {
  return mistralError(400, message, 'invalid_request_message_order', '3230');
}

export interface PydanticIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
}

/** Mistral's request-schema refusal (pydantic, 422). */
export function mistralSchemaError(issues: PydanticIssue[]): Refusal {
  return { status: 422, body: { object: 'error', message: { detail: issues }, type: 'invalid_request_error', param: null, code: null } };
}

const XAI_CODES: Record<number, string> = {
  400: 'Client specified an invalid argument',
  401: 'The request does not have valid authentication credentials for the operation',
  403: 'The caller does not have permission to execute the specified operation',
  404: 'Some requested entity was not found',
  429: 'Some resource has been exhausted',
  500: 'Internal error',
  503: 'The service is currently unavailable',
};

export function xaiError(status: number, message: string): Refusal {
  return { status, body: { code: XAI_CODES[status] ?? XAI_CODES[status >= 500 ? 500 : 400], error: message } };
}

/** `sk-ab***yz`: how vendors echo a wrong key. */
function masked(key: string): string {
  return key.length <= 6 ? '***' : `${key.slice(0, 4)}***${key.slice(-2)}`;
}

export function authRefusal(style: ChatStyle, authorization: string | undefined, apiKey: string): Refusal | null {
  const match = /^Bearer (.+)$/.exec(authorization ?? '');
  if (match && match[1] === apiKey) return null;
  if (style === 'mistral') return { status: 401, body: { message: 'Unauthorized', request_id: randomBytes(16).toString('hex') } };
  if (style === 'xai') {
    if (!match) return xaiError(401, 'No authorization header was provided. Supply an Authorization: Bearer <XAI_API_KEY> header.');
    return xaiError(400, `Incorrect API key provided: ${masked(match[1])}. You can obtain an API key from https://console.x.ai.`);
  }
  if (!match) {
    return openAiError(401, {
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    });
  }
  return openAiError(401, {
    message: `Incorrect API key provided: ${masked(match[1])}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    code: 'invalid_api_key',
  });
}

/** A scripted 429/5xx (or any status) in the style's shape. */
export function scriptedRefusal(style: ChatStyle, status: number, message: string | undefined, retryAfterSeconds?: number): Refusal {
  const headers = retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : undefined;
  const text =
    message ??
    (status === 429
      ? 'Rate limit reached for requests. Please try again later.'
      : status >= 500
        ? 'The server had an error while processing your request. Sorry about that!'
        : 'The request was refused.');
  let refusal: Refusal;
  if (style === 'mistral') {
    const type = status === 429 ? 'rate_limited' : status >= 500 ? 'internal_server_error' : 'invalid_request_error';
    refusal = mistralError(status, text, type, status === 429 ? '1300' : null);
  } else if (style === 'xai') {
    refusal = xaiError(status, text);
  } else {
    const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
    refusal = openAiError(status, { message: text, type, code: status === 429 ? 'rate_limit_exceeded' : null });
  }
  return { ...refusal, headers };
}

/** An unknown model (only when the fake is given a model list). */
export function unknownModel(style: ChatStyle, model: string): Refusal {
  if (style === 'mistral') return mistralError(400, 'Invalid model: ' + model, 'invalid_model', '1500');
  if (style === 'xai') return xaiError(404, `The model ${model} does not exist or your team does not have access to it.`);
  return openAiError(404, { message: `The model \`${model}\` does not exist or you do not have access to it.`, code: 'model_not_found' });
}
